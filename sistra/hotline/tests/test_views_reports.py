"""Reports to the police on screen: sending, the recipient's inbox (and nobody else's), the PDF, the
acknowledgement, opening or attaching a case."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from sistra.audit.models import AccessLog
from sistra.cases.models import Case
from sistra.cases.testing import make_case
from sistra.hotline import services
from sistra.hotline.models import PoliceReport

from .conftest import make_contact

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def report(operator, contact, police_unit):
    return services.police_report_send(actor=operator, contact=contact, recipient=police_unit,
                                       facts="Su hermana está retenida en un campamento minero de La Pampa.",
                                       include_caller_contact=True)


def test_the_operator_sends_a_report_to_the_chosen_unit(client, operator, contact, police_unit, fiscalia):
    client.force_login(operator)
    page = client.get(reverse("hotline:report_new", args=[contact.uuid])).content.decode()
    assert police_unit.name in page and fiscalia.name in page
    response = client.post(reverse("hotline:report_new", args=[contact.uuid]),
                           {"recipient": police_unit.pk, "facts": "Hechos del reporte"})
    assert response.status_code == 302
    report = PoliceReport.objects.get()
    assert report.recipient == police_unit and report.sent_by == operator


def test_the_report_reaches_the_chosen_agencys_inbox_and_no_other(client, report, police_officer,
                                                                  other_police_officer, prosecutor,
                                                                  foreign_operator):
    client.force_login(police_officer)
    assert report.code in client.get(reverse("hotline:inbox")).content.decode()
    for user in (other_police_officer, prosecutor):
        client.force_login(user)
        inbox = client.get(reverse("hotline:inbox"))
        assert inbox.status_code == 200 and report.code not in inbox.content.decode()
        assert client.get(reverse("hotline:report_detail", args=[report.uuid])).status_code == 404
        assert client.get(reverse("hotline:report_pdf", args=[report.uuid])).status_code == 404
        assert client.post(reverse("hotline:report_acknowledge", args=[report.uuid])).status_code == 404
    client.force_login(foreign_operator)
    assert client.get(reverse("hotline:inbox")).status_code == 403
    assert client.get(reverse("hotline:report_detail", args=[report.uuid])).status_code == 404


def test_the_pdf_renders_in_spanish_with_the_report(client, report, police_officer):
    client.force_login(police_officer)
    response = client.get(reverse("hotline:report_pdf", args=[report.uuid]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Reporte a la Policía Nacional" in text
    assert report.code in text and report.contact.code in text
    assert "campamento minero de La Pampa" in text
    assert "Oferta de trabajo o estudio engañosa" in text
    assert "Juana Pérez" in text  # the caller consented and the line included the details
    assert AccessLog.objects.filter(actor=police_officer, object_uuid=report.contact.uuid,
                                    purpose="hotline").exists()


def test_the_pdf_leaves_out_the_callers_details_without_consent(client, operator, police_unit, police_officer):
    contact = make_contact(operator, caller_phone="987654321")
    report = services.police_report_send(actor=operator, contact=contact, recipient=police_unit, facts="Hechos")
    client.force_login(police_officer)
    text = pdf_text(client.get(reverse("hotline:report_pdf", args=[report.uuid])).content)
    assert "987" not in text
    assert "No se comparten" in text
    assert not AccessLog.objects.exists()


def test_the_pdf_is_in_spanish_even_for_an_english_interface(client, report, police_officer):
    client.force_login(police_officer)
    client.cookies.load({"django_language": "en"})
    text = pdf_text(client.get(reverse("hotline:report_pdf", args=[report.uuid])).content)
    assert "Hechos que se reportan" in text


def test_the_recipient_acknowledges_from_the_report_page(client, report, police_officer, operator):
    client.force_login(police_officer)
    page = client.get(reverse("hotline:report_detail", args=[report.uuid])).content.decode()
    assert "Acusar recibo" in page and "Juana Pérez" in page
    client.post(reverse("hotline:report_acknowledge", args=[report.uuid]), {"reference": "Parte 12"})
    report.refresh_from_db()
    assert report.status == "acknowledged" and report.acknowledged_by == police_officer
    client.force_login(operator)
    page = client.get(reverse("hotline:contact_detail", args=[report.contact.uuid])).content.decode()
    assert "Recibido por" in page


def test_the_sender_cannot_acknowledge_its_own_report(client, report, operator):
    client.force_login(operator)
    assert client.get(reverse("hotline:report_detail", args=[report.uuid])).status_code == 200
    assert client.post(reverse("hotline:report_acknowledge", args=[report.uuid])).status_code == 404
    report.refresh_from_db()
    assert report.status == "sent"


def test_a_prosecutor_opens_a_case_from_the_inbox(client, operator, contact, fiscalia, prosecutor):
    report = services.police_report_send(actor=operator, contact=contact, recipient=fiscalia, facts="Hechos")
    client.force_login(prosecutor)
    client.post(reverse("hotline:report_open_case", args=[report.uuid]),
                {"number": "2026-0900", "distrito_fiscal": fiscalia.distrito_fiscal_id})
    report.refresh_from_db()
    assert report.case.number == "2026-0900" and report.case.source == Case.Source.HOTLINE
    html = client.get(reverse("hotline:report_detail", args=[report.uuid])).content.decode()
    assert reverse("cases:detail", args=[report.case.uuid]) in html


def test_a_report_is_attached_to_an_existing_case_by_number(client, operator, contact, fiscalia, prosecutor,
                                                            outsider):
    make_case(actor=outsider, number="2026-0100")  # same number, another fiscalía: not visible
    report = services.police_report_send(actor=operator, contact=contact, recipient=fiscalia, facts="Hechos")
    client.force_login(prosecutor)
    client.post(reverse("hotline:report_link_case", args=[report.uuid]), {"number": "2026-0100"})
    report.refresh_from_db()
    assert report.case is None
    own = make_case(actor=prosecutor, number="2026-0100")
    client.post(reverse("hotline:report_link_case", args=[report.uuid]), {"number": "2026-0100"})
    report.refresh_from_db()
    assert report.case == own


def test_an_overdue_report_is_marked_in_the_inbox(client, report, police_officer):
    PoliceReport.objects.filter(pk=report.pk).update(ack_due_at=report.sent_at)
    client.force_login(police_officer)
    assert "Sin acuse: vencido" in client.get(reverse("hotline:inbox")).content.decode()
