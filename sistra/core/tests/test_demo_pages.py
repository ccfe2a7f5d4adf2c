"""After `sistra demo`, every role's home page shows data: the hotline desk has contacts, the police inbox
reports, the assistance dashboards referrals between agencies, the administrators users, the auditor reads,
the analysts figures. And loading the demo again creates nothing."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from sistra.accounts.models import User
from sistra.assistance.models import AssistanceCase, Referral, ReintegrationPlan, ReturnTravel
from sistra.core.demo import DEMO_CASES, load_demo_data
from sistra.hotline.models import Contact, PoliceReport

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    """What `make demo` loads (the full number of cases: the shares with the police and MIMP need them)."""
    result = load_demo_data(cases=DEMO_CASES)
    call_command("refresh_stats", verbosity=0)
    return result


def landing(client, username):
    client.force_login(User.objects.get(username=username))
    response = client.get(reverse("home"), follow=True)
    assert response.status_code == 200
    return response


def test_every_demo_users_home_page_has_content(client, demo):
    for username in (
        "fiscal.cusco",
        "fiscal.lima",
        "policia",
        "gestora",
        "operadora",
        "supervisora",
        "auditor",
        "admin.cusco",
        "admin",
    ):
        response = landing(client, username)
        assert list(response.context["page_obj"].object_list), username
    analyst = landing(client, "analista")
    kpis = {str(k.label): k.value for k in analyst.context["kpis"]}
    assert kpis["Denuncias"]
    assert [s for s in analyst.context["sections"] if s.code == "assistance" and s.blocks]
    # the prevention officer lands on her own work: trainings, campaigns and at-risk families
    prevention = landing(client, "prevencion")
    assert list(prevention.context["events"]) and list(prevention.context["campaigns"])
    assert list(prevention.context["families"])
    clinic = landing(client, "salud")
    assert clinic.context["outbox"] and clinic.context["recent"]

    # the hotline desk and the police inbox
    assert Contact.objects.count() >= 10
    assert PoliceReport.objects.filter(recipient__code="pnp-dirctptim").exists()
    client.force_login(User.objects.get(username="policia"))
    inbox = client.get(reverse("hotline:inbox"))
    assert inbox.status_code == 200 and list(inbox.context["page_obj"].object_list)

    # referrals between two caseworker agencies
    assert Referral.objects.filter(from_agency__code="mimp", to_agency__code="oim-peru").count() >= 2
    for username in ("gestora", "gestor.oim"):
        client.force_login(User.objects.get(username=username))
        dashboard = client.get(reverse("assistance:dashboard"))
        assert dashboard.context["inbox"] or dashboard.context["outbox"], username
    client.force_login(User.objects.get(username="gestor.oim"))
    assert client.get(reverse("assistance:dashboard")).context["inbox"]

    # a reunification with return and reintegration
    assert ReturnTravel.objects.filter(status="arrived", origin_country__code="US").exists()
    assert ReintegrationPlan.objects.filter(outcome="reintegrated").exists()
    case = AssistanceCase.objects.filter(
        owner_agency__code="mimp", returns__isnull=False, family_contacts__tracing_status="reunited"
    ).first()
    assert case is not None
    client.force_login(User.objects.get(username="gestora"))
    html = client.get(reverse("assistance:case_detail", args=[case.uuid])).content.decode()
    assert "Llegada confirmada" in html and "Reunificación realizada" in html


def test_loading_the_demo_again_creates_nothing(demo):
    counts = [
        m.objects.count() for m in (User, Contact, PoliceReport, AssistanceCase, Referral, ReturnTravel)
    ]
    again = load_demo_data(cases=DEMO_CASES)
    assert again.parts and set(again.parts.values()) == {0}
    assert set(again.parts) >= {"hotline", "assistance", "prevention", "clinic"}
    assert [
        m.objects.count() for m in (User, Contact, PoliceReport, AssistanceCase, Referral, ReturnTravel)
    ] == counts
