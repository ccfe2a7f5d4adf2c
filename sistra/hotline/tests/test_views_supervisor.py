"""Supervisors' pages: figures, handover list, import upload; other roles are refused."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from sistra.hotline import services
from sistra.hotline.models import Contact
from sistra.hotline.services import PoliceNotificationInput

from .conftest import make_contact, minutes_ago

pytestmark = pytest.mark.django_db


def figure(html: str, element_id: str) -> str:
    return re.search(rf'id="{element_id}">([^<]*)<', html).group(1).strip()


def row_value(html: str, table_id: str, key: str) -> int:
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S).group(0)
    return int(re.search(rf'data-key="{key}"><th[^>]*>[^<]*</th><td>(\d+)</td>', table).group(1))


@pytest.fixture
def day_of_contacts(operator, police_unit):
    """Yesterday, Lima time: three substantive contacts (one an emergency) and two non-substantive ones."""
    lima = timezone.get_current_timezone()
    day = timezone.localdate() - datetime.timedelta(days=1)
    at = lambda h, m=0: datetime.datetime.combine(day, datetime.time(h, m), tzinfo=lima)  # noqa: E731
    make_contact(operator, started_at=at(9), ended_at=at(9, 10), channel="phone", ubigeo_code="080101")
    make_contact(operator, started_at=at(9, 30), ended_at=at(9, 34), channel="whatsapp", ubigeo_code="170101",
                 risk_level="emergency",
                 police_notification=PoliceNotificationInput(unit=police_unit, notified_at=at(9, 31)))
    make_contact(operator, started_at=at(22), ended_at=at(22, 6), channel="phone", ubigeo_code="080108",
                 category="information")
    for minute in (1, 2):
        services.contact_create(actor=operator, started_at=at(23, minute), ended_at=at(23, minute),
                                category="non_substantive", non_substantive_reason="hung_up")
    return day


def test_the_dashboard_shows_the_figures_of_the_period(client, supervisor, day_of_contacts):
    client.force_login(supervisor)
    day = day_of_contacts.strftime("%d/%m/%Y")
    html = client.get(reverse("hotline:supervisor"), {"date_from": day, "date_to": day}).content.decode()
    assert figure(html, "fig-total") == "5"
    assert figure(html, "fig-emergencies") == "1"
    # (10 + 4 + 6 + 0 + 0) minutes / 5 contacts = 4:00
    assert figure(html, "fig-aht") == "4:00"
    assert row_value(html, "by-hour", "9") == 2 and row_value(html, "by-hour", "23") == 2
    assert row_value(html, "by-category", "non_substantive") == 2
    assert row_value(html, "by-channel", "whatsapp") == 1
    assert row_value(html, "by-region", "08") == 2 and row_value(html, "by-region", "17") == 1
    assert row_value(html, "by-region", "unknown") == 2


def test_the_dashboard_can_hide_non_substantive_contacts(client, supervisor, day_of_contacts):
    client.force_login(supervisor)
    day = day_of_contacts.strftime("%d/%m/%Y")
    html = client.get(reverse("hotline:supervisor"), {"date_from": day, "date_to": day,
                                                      "hide_non_substantive": "on"}).content.decode()
    assert figure(html, "fig-total") == "3"
    assert 'data-key="non_substantive"' not in html
    assert figure(html, "fig-aht") == "6:40"


def test_the_dashboard_opens_on_the_current_month(client, supervisor):
    make_contact(supervisor)
    client.force_login(supervisor)
    html = client.get(reverse("hotline:supervisor")).content.decode()
    assert figure(html, "fig-total") == "1"


def test_a_reversed_period_is_refused_in_spanish(client, supervisor):
    client.force_login(supervisor)
    html = client.get(reverse("hotline:supervisor"), {"date_from": "10/05/2026", "date_to": "01/05/2026"})
    assert "no puede ser posterior" in html.content.decode()


@pytest.mark.parametrize("user", ["operator", "police_officer", "prosecutor", "analyst"])
def test_only_supervisors_see_the_supervision_pages(client, request, user):
    client.force_login(request.getfixturevalue(user))
    for name in ("hotline:supervisor", "hotline:handover", "hotline:import"):
        assert client.get(reverse(name)).status_code == 403


def test_a_supervisor_of_another_hotline_sees_none_of_these_figures(client, day_of_contacts, other_hotline):
    from sistra.accounts.capabilities import Role
    from sistra.core.testing import UserFactory

    other = UserFactory(username="sup-otra", agency=other_hotline, role=Role.HOTLINE_SUPERVISOR)
    client.force_login(other)
    day = day_of_contacts.strftime("%d/%m/%Y")
    html = client.get(reverse("hotline:supervisor"), {"date_from": day, "date_to": day}).content.decode()
    assert figure(html, "fig-total") == "0"


def test_the_handover_lists_what_is_open_since_the_given_time(client, supervisor, operator, police_unit):
    emergency = make_contact(operator, started_at=minutes_ago(90), ended_at=minutes_ago(80), risk_level="emergency",
                             police_notification=PoliceNotificationInput(unit=police_unit,
                                                                         notified_at=minutes_ago(85)))
    services.follow_up_add(actor=operator, contact=emergency, note="Confirmar rescate con la DEPINTRAP")
    client.force_login(supervisor)
    html = client.get(reverse("hotline:handover"),
                      {"since": (timezone.localtime() - datetime.timedelta(hours=3)).strftime("%d/%m/%Y %H:%M")}
                      ).content.decode()
    assert emergency.code in html and "Confirmar rescate con la DEPINTRAP" in html
    html = client.get(reverse("hotline:handover"),
                      {"since": (timezone.localtime() - datetime.timedelta(minutes=30)).strftime("%d/%m/%Y %H:%M")}
                      ).content.decode()
    assert "0 emergencias" in html


CSV = (
    "linea;inicio;fin;telefono;categoria;motivo;canal;ubigeo;resumen\n"
    "0800-2-3232;01/03/2025 10:00;01/03/2025 10:05;987654321;Reporte de posible trata;;Teléfono;170101;Mina\n"
    "0800-2-3232;01/03/2025 11:00;01/03/2025 10:05;987654322;Solicitud de información;;phone;;Fin antes\n"
    "0800-2-3232;01/03/2025 12:00;01/03/2025 12:00;;No sustantivo;Colgó;phone;;\n"
)


def test_a_supervisor_uploads_a_call_log_with_row_errors(client, supervisor):
    client.force_login(supervisor)
    upload = SimpleUploadedFile("llamadas.csv", CSV.encode())
    html = client.post(reverse("hotline:import"), {"file": upload}).content.decode()
    assert "No se importó nada" in html
    assert "no puede ser anterior a la hora de inicio" in html
    assert not Contact.objects.exists()
    upload = SimpleUploadedFile("llamadas.csv", CSV.encode())
    html = client.post(reverse("hotline:import"), {"file": upload, "skip_invalid": "on"}).content.decode()
    assert "Importación realizada" in html
    assert Contact.objects.count() == 2


def test_an_upload_of_another_format_is_refused(client, supervisor):
    client.force_login(supervisor)
    upload = SimpleUploadedFile("llamadas.pdf", b"%PDF-1.7")
    html = client.post(reverse("hotline:import"), {"file": upload}).content.decode()
    assert "use un archivo CSV o XLSX" in html
