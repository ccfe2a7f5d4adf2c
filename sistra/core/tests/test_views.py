import pytest
from django.urls import reverse

from sistra.accounts.capabilities import Role
from sistra.core.testing import AgencyFactory, UserFactory


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "landing"),
    [
        (Role.PROSECUTOR, "cases:list"),
        (Role.HOTLINE_OPERATOR, "hotline:home"),
        (Role.CASEWORKER, "cases:list"),
        (Role.HEALTH_WORKER, "assistance:dashboard"),
        (Role.AUDITOR, "audit:log"),
        (Role.ANALYST, "stats:dashboard"),
        (Role.PREVENTION_OFFICER, "prevention:home"),
    ],
)
def test_home_sends_each_role_to_the_first_part_it_may_use(client, role, landing):
    client.force_login(UserFactory(role=role, agency=AgencyFactory()))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url == reverse(landing)


@pytest.mark.django_db
def test_a_role_with_no_working_part_gets_a_welcome_page_not_an_error(client):
    # an administrator lands on the user list; a user whose role is unknown to SISTRA has no working part
    client.force_login(UserFactory(role="retired_role", agency=AgencyFactory()))
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "Bienvenida a SISTRA" in response.content.decode()


@pytest.mark.django_db
def test_healthz_reports_the_database_without_login(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["database"]["status"] == "ok"


@pytest.mark.django_db
def test_home_requires_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert reverse("login") in response.url
