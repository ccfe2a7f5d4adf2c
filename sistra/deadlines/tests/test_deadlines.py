"""Deadlines across cases: the list filters (page and API), the "mis plazos" overview of a prosecutor and of
the head of a fiscalía, and the daily digest (notice and e-mail). The clock is fixed: Monday 2 March 2026."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from sistra.accounts.capabilities import Role
from sistra.accounts.tokens import token_create
from sistra.cases.services import case_change_stage
from sistra.cases.testing import make_case
from sistra.core.testing import UserFactory, stage
from sistra.deadlines.models import FiscaliaHead, Notification
from sistra.deadlines.services import deadline_digest_send, fiscalia_head_designate

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = D(2026, 3, 2)
NOW = datetime.datetime.fromisoformat("2026-03-02T10:00:00-05:00")


@pytest.fixture(autouse=True)
def fixed_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def in_inquiry(actor, number, since):
    """A case in diligencias preliminares since ``since``: its deadline is 60 days later."""
    case = make_case(actor=actor, number=number, complaint_date=since - datetime.timedelta(days=5))
    case_change_stage(actor=actor, case=case, stage=stage("diligencias_preliminares"), date=since)
    case.refresh_from_db()
    return case


@pytest.fixture
def world(prosecutor, teammate, outsider):
    return {
        "overdue": in_inquiry(prosecutor, "C-OVERDUE", D(2025, 12, 1)),  # due 30 January
        "soon": in_inquiry(prosecutor, "C-SOON", D(2026, 1, 5)),  # due 6 March
        "today": in_inquiry(prosecutor, "C-TODAY", D(2026, 1, 1)),  # due 2 March
        "later": in_inquiry(prosecutor, "C-LATER", D(2026, 1, 20)),  # due 21 March
        "far": in_inquiry(prosecutor, "C-FAR", D(2026, 2, 20)),  # due 21 April
        "teammate": in_inquiry(teammate, "C-COLEGA", D(2025, 12, 2)),  # overdue, the colleague's
        "outsider": in_inquiry(outsider, "L-AJENO", D(2025, 12, 3)),  # overdue, another fiscalía
    }


def numbers(response) -> list[str]:
    return sorted(c.number for c in response.context["page_obj"].object_list)


# --- the case list -------------------------------------------------------------------------------------


def test_the_case_list_filters_overdue_and_due_within_seven_days(client, prosecutor, world):
    client.force_login(prosecutor)
    assert world["soon"].next_deadline_on == D(2026, 3, 6)
    assert numbers(client.get(reverse("cases:list"), {"deadline": "overdue"})) == ["C-COLEGA", "C-OVERDUE"]
    assert numbers(client.get(reverse("cases:list"), {"deadline": "due7"})) == ["C-SOON", "C-TODAY"]


def test_the_case_list_shows_the_deadline_column(client, prosecutor, world):
    client.force_login(prosecutor)
    page = client.get(reverse("cases:list"), {"deadline": "overdue"}).content.decode()
    assert "Plazo" in page and "30/01/2026" in page and "Vencido" in page
    page = client.get(reverse("cases:list"), {"deadline": "due7"}).content.decode()
    assert "06/03/2026" in page and "Por vencer" in page


def test_the_deadline_filter_follows_the_clock(client, prosecutor, world):
    with time_machine.travel(datetime.datetime.fromisoformat("2026-03-07T10:00:00-05:00"), tick=False):
        client.force_login(prosecutor)  # a session lasts 10 hours at most
        assert "C-SOON" in numbers(client.get(reverse("cases:list"), {"deadline": "overdue"}))


def test_the_api_filters_by_deadline_and_refuses_an_unknown_value(prosecutor, world):
    client = APIClient()
    _token, secret = token_create(actor=prosecutor, user=prosecutor, name="pruebas", second_factor_verified=True)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    data = client.get("/api/v1/cases/", {"deadline": "due7"}).json()
    assert sorted(c["number"] for c in data["results"]) == ["C-SOON", "C-TODAY"]
    assert {c["next_deadline_kind"] for c in data["results"]} == {"ordinary"}
    assert client.get("/api/v1/cases/", {"deadline": "manana"}).status_code == 400


# --- mis plazos ----------------------------------------------------------------------------------------


def test_mis_plazos_lists_the_prosecutors_own_cases_by_section(client, prosecutor, world):
    client.force_login(prosecutor)
    response = client.get(reverse("deadlines:mine"))
    assert response.status_code == 200
    mine = response.context["mine"]
    assert [c.number for c in mine.overdue] == ["C-OVERDUE"]
    assert [c.number for c in mine.due_soon] == ["C-TODAY", "C-SOON"]
    assert [c.number for c in mine.upcoming] == ["C-LATER"]
    assert mine.counts == {"overdue": 1, "due_soon": 2, "upcoming": 1}
    page = response.content.decode()
    assert "C-COLEGA" not in page and "L-AJENO" not in page and "C-FAR" not in page
    assert "vencido hace 31 días" in page and "vence hoy" in page
    assert response.context["fiscalia"] is None


def test_a_case_that_leaves_the_stage_with_a_term_leaves_mis_plazos(client, prosecutor, world):
    case_change_stage(
        actor=prosecutor, case=world["overdue"], stage=stage("investigacion_preparatoria"), date=TODAY
    )
    client.force_login(prosecutor)
    mine = client.get(reverse("deadlines:mine")).context["mine"]
    assert mine.overdue == []
    assert "C-OVERDUE" not in [c.number for c in mine.due_soon + mine.upcoming]  # 120 days ahead now


def test_the_head_of_the_fiscalia_sees_every_prosecutors_deadlines(client, prosecutor, world):
    fiscalia_head_designate(actor=None, agency=prosecutor.agency, user=prosecutor)
    client.force_login(prosecutor)
    response = client.get(reverse("deadlines:mine"))
    sections = response.context["fiscalia_sections"]
    assert [c.number for c in sections.overdue] == ["C-COLEGA", "C-OVERDUE"]
    assert {(row.name, row.overdue, row.due_soon) for row in response.context["load"]} == {
        ("Usuaria De Prueba", 1, 2),
        ("Usuaria De Prueba", 1, 0),
    }
    assert "L-AJENO" not in response.content.decode()


def test_a_long_section_shows_the_nearest_and_links_to_the_whole_list(client, prosecutor, world, monkeypatch):
    monkeypatch.setattr("sistra.deadlines.selectors.ROWS_PER_SECTION", 1)
    fiscalia_head_designate(actor=None, agency=prosecutor.agency, user=prosecutor)
    client.force_login(prosecutor)
    response = client.get(reverse("deadlines:mine"))
    assert len(response.context["fiscalia_sections"].overdue) == 1
    page = response.content.decode()
    assert "Se muestran 1 de 2." in page
    assert f'href="{reverse("cases:list")}?deadline=overdue"' in page


def test_a_colleague_who_does_not_head_the_fiscalia_sees_only_her_own(client, prosecutor, teammate, world):
    fiscalia_head_designate(actor=None, agency=prosecutor.agency, user=prosecutor)
    client.force_login(teammate)
    response = client.get(reverse("deadlines:mine"))
    assert response.context["fiscalia"] is None
    assert [c.number for c in response.context["mine"].overdue] == ["C-COLEGA"]
    assert "C-OVERDUE" not in response.content.decode()


def test_mis_plazos_is_refused_to_roles_that_do_not_work_cases(client, analyst):
    client.force_login(analyst)
    assert client.get(reverse("deadlines:mine")).status_code == 403


def test_only_an_administrator_of_the_fiscalia_designates_its_head(prosecutor, teammate, outsider):
    admin = UserFactory(username="admin-cusco", agency=prosecutor.agency, role=Role.AGENCY_ADMIN)
    other_admin = UserFactory(username="admin-lima", agency=outsider.agency, role=Role.AGENCY_ADMIN)
    for actor in (teammate, other_admin):
        with pytest.raises(ValidationError):
            fiscalia_head_designate(actor=actor, agency=prosecutor.agency, user=prosecutor)
    with pytest.raises(ValidationError):
        fiscalia_head_designate(actor=admin, agency=prosecutor.agency, user=outsider)
    fiscalia_head_designate(actor=admin, agency=prosecutor.agency, user=teammate)
    assert FiscaliaHead.objects.get(agency=prosecutor.agency).user == teammate


# --- the daily digest ----------------------------------------------------------------------------------


def test_the_digest_leaves_a_notice_and_an_email_with_counts_and_no_case_numbers(prosecutor, teammate, world):
    prosecutor.email = "rosa@example.pe"
    prosecutor.save()
    assert deadline_digest_send() == 3  # the prosecutor, the colleague, the outsider
    notice = Notification.objects.get(recipient=prosecutor)
    assert (notice.about_date, notice.title, notice.url) == (TODAY, "Plazos al 02/03/2026", "/plazos/")
    assert notice.body == ("Sus casos: 1 con el plazo vencido y 2 que vencen en los próximos 7 días.")
    assert len(mail.outbox) == 1  # only the prosecutor has an address
    message = mail.outbox[0]
    assert message.to == ["rosa@example.pe"]
    assert message.subject == "SISTRA — Plazos al 02/03/2026"
    assert "/plazos/" in message.body
    assert "C-OVERDUE" not in message.body and "C-SOON" not in message.body
    assert notice.emailed_at is not None


def test_the_digest_runs_once_a_day_however_often_it_is_called(prosecutor, world):
    assert deadline_digest_send() == 3
    assert deadline_digest_send() == 0
    assert Notification.objects.filter(recipient=prosecutor).count() == 1
    with time_machine.travel(datetime.datetime.fromisoformat("2026-03-03T07:00:00-05:00"), tick=False):
        assert deadline_digest_send() == 3


def test_the_head_receives_the_fiscalias_counts(prosecutor, world):
    fiscalia_head_designate(actor=None, agency=prosecutor.agency, user=prosecutor)
    deadline_digest_send()
    body = Notification.objects.get(recipient=prosecutor).body
    assert body.splitlines()[1] == (
        "FISTRAP Cusco: 2 casos con el plazo vencido y 2 que vencen en los próximos 7 días."
    )


def test_no_notice_for_a_prosecutor_without_deadlines_close(prosecutor, teammate):
    in_inquiry(prosecutor, "C-FAR", D(2026, 2, 20))
    assert deadline_digest_send() == 0
    assert not Notification.objects.exists()


def test_the_command_and_the_task_send_the_digest(prosecutor, world):
    call_command("send_deadline_digest", "--date", "2026-03-02")
    assert Notification.objects.filter(recipient=prosecutor, about_date=TODAY).exists()
    call_command("send_deadline_digest", "--queue")  # the immediate backend in tests runs it at once
    assert Notification.objects.filter(recipient=prosecutor).count() == 1


def test_a_notice_is_read_by_its_recipient_only(client, prosecutor, teammate, world):
    deadline_digest_send()
    notice = Notification.objects.get(recipient=prosecutor)
    client.force_login(teammate)
    url = reverse("deadlines:notification_read", args=[notice.uuid])
    assert client.post(url).status_code == 404
    client.force_login(prosecutor)
    assert client.get(reverse("deadlines:notifications")).context["notifications"][0] == notice
    response = client.post(url)
    assert (response.status_code, response["Location"]) == (302, "/plazos/")
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_a_mail_server_failure_keeps_the_notice_and_leaves_it_unsent(prosecutor, world, monkeypatch):
    from sistra.deadlines import services

    def broken(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(services, "send_mail", broken)
    prosecutor.email = "rosa@example.pe"
    prosecutor.save()
    assert deadline_digest_send() == 3
    notice = Notification.objects.get(recipient=prosecutor)
    assert notice.emailed_at is None
