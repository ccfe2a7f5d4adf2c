import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from sistra.assistance import services
from sistra.assistance.models import AssistanceCase, Consent, FamilyContact, Referral
from sistra.audit.models import AccessLog
from sistra.core.testing import ubigeo

from .conftest import consent_to_share, service

IN_3_DAYS = lambda: timezone.localdate() + datetime.timedelta(days=3)  # noqa: E731


def client_for(client, user):
    client.force_login(user)
    return client


def pdf_text(response) -> str:
    """The PDF's text on one line (a long value wraps), to search it like a page."""
    reader = PdfReader(io.BytesIO(response.content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def send(actor, case, agency, codes=("shelter",), **extra):
    return services.referral_send(actor=actor, case=case, to_agency=agency, services=[service(c) for c in codes],
                                  due_on=extra.pop("due_on", IN_3_DAYS()), **extra)


# --- dashboard --------------------------------------------------------------------------------------------

def test_the_dashboard_shows_received_and_sent_referrals(client, clinic_case, health_worker, mimp, mimp_worker):
    send(health_worker, clinic_case, mimp)
    response = client_for(client, mimp_worker).get(reverse("assistance:dashboard"))
    assert response.status_code == 200
    inbox = response.context["inbox"]
    assert [r.case for r in inbox] == [clinic_case]
    response = client_for(client, health_worker).get(reverse("assistance:dashboard"))
    assert [r.case for r in response.context["outbox"]] == [clinic_case]
    assert clinic_case.code in response.content.decode()


def test_overdue_referrals_appear_on_both_dashboards_and_not_elsewhere(client, clinic_case, health_worker, mimp,
                                                                      mimp_worker, ngo_worker):
    referral = send(health_worker, clinic_case, mimp)
    Referral.objects.filter(pk=referral.pk).update(due_on=timezone.localdate() - datetime.timedelta(days=2))
    services.overdue_alerts_raise()
    for user in (health_worker, mimp_worker):
        response = client_for(client, user).get(reverse("assistance:dashboard"))
        assert [r.pk for r in response.context["overdue"]] == [referral.pk]
        assert [a.referral_id for a in response.context["alerts"]] == [referral.pk]
        assert "Vencida" in response.content.decode()
    response = client_for(client, ngo_worker).get(reverse("assistance:dashboard"))
    assert response.context["overdue"] == [] and response.context["alerts"] == []
    assert clinic_case.code not in response.content.decode()


def test_the_dashboard_is_refused_to_roles_outside_the_pathway(client, analyst):
    assert client_for(client, analyst).get(reverse("assistance:dashboard")).status_code == 403


# --- identification and case pages ------------------------------------------------------------------------

def test_the_clinic_identifies_a_person_through_the_form(client, health_worker, victim):
    response = client_for(client, health_worker).post(reverse("assistance:case_create"), {
        "person": str(victim.uuid), "identified_on": timezone.localdate().strftime("%d/%m/%Y"),
        "identification_channel": "clinic", "trafficking_status": "PossibleVictimOfTrafficking",
        "status_decision_org": "NonPoliceGovernmentalOrganization"})
    case = AssistanceCase.objects.get()
    assert response.status_code == 302 and response.url == reverse("assistance:case_detail", args=[case.uuid])
    assert case.person == victim and case.owner_agency == health_worker.agency


def test_a_future_identification_is_refused_with_a_message(client, health_worker, victim):
    day = (timezone.localdate() + datetime.timedelta(days=2)).strftime("%d/%m/%Y")
    response = client_for(client, health_worker).post(reverse("assistance:case_create"), {
        "person": str(victim.uuid), "identified_on": day, "identification_channel": "clinic",
        "trafficking_status": "PossibleVictimOfTrafficking", "status_decision_org": "Other"})
    assert response.status_code == 422
    assert "no puede ser una fecha futura" in response.content.decode()
    assert not AssistanceCase.objects.exists()


def test_the_case_page_shows_the_identity_and_logs_the_read(client, clinic_case, health_worker):
    response = client_for(client, health_worker).get(reverse("assistance:case_detail", args=[clinic_case.uuid]))
    assert response.status_code == 200
    assert "Rosa Elena Huamán Quispe" in response.content.decode()
    log = AccessLog.objects.get(object_uuid=clinic_case.uuid)
    assert log.purpose == "assistance" and log.person_uuid == clinic_case.person.uuid


def test_another_agencys_case_is_a_404(client, clinic_case, mimp_worker, ngo_worker):
    for user in (mimp_worker, ngo_worker):
        response = client_for(client, user).get(reverse("assistance:case_detail", args=[clinic_case.uuid]))
        assert response.status_code == 404
    assert client.get(reverse("assistance:case_pdf", args=[clinic_case.uuid])).status_code == 404


def test_after_a_transfer_the_clinic_no_longer_sees_the_case(client, transferred_case, health_worker, mimp_worker):
    url = reverse("assistance:case_detail", args=[transferred_case.uuid])
    assert client_for(client, health_worker).get(url).status_code == 404
    assert client_for(client, mimp_worker).get(url).status_code == 200


def test_closing_with_open_referrals_is_refused_with_a_clear_message(client, transferred_case, mimp_worker, ngo,
                                                                    ngo_worker):
    send(mimp_worker, transferred_case, ngo, ("health",))
    response = client_for(client, mimp_worker).post(reverse("assistance:case_close", args=[transferred_case.uuid]), {
        "closure_reason": "goals_met", "closed_on": timezone.localdate().strftime("%d/%m/%Y")})
    assert response.status_code == 422
    assert "hay derivaciones en curso (ONG Otra" in response.content.decode()
    transferred_case.refresh_from_db()
    assert transferred_case.is_open


def test_a_service_before_identification_is_refused_on_the_page(client, transferred_case, mimp_worker):
    day = (transferred_case.identified_on - datetime.timedelta(days=1)).strftime("%d/%m/%Y")
    response = client_for(client, mimp_worker).post(reverse("assistance:delivery_add", args=[transferred_case.uuid]),
                                                    {"service_type": "shelter", "delivered_on": day, "cost": "1,200.00"})
    assert response.status_code == 422
    assert "no puede ser anterior a la identificación" in response.content.decode()
    assert not transferred_case.deliveries.exists()


def test_a_cost_is_read_in_the_peruvian_format(client, transferred_case, mimp_worker):
    response = client_for(client, mimp_worker).post(reverse("assistance:delivery_add", args=[transferred_case.uuid]), {
        "service_type": "shelter", "delivered_on": timezone.localdate().strftime("%d/%m/%Y"), "cost": "1,200.50"})
    assert response.status_code == 302
    assert str(transferred_case.deliveries.get().cost) == "1200.50"


# --- referrals --------------------------------------------------------------------------------------------

def test_sending_without_consent_says_the_referral_carries_no_identity(client, clinic_case, health_worker, iom,
                                                                      iom_worker):
    response = client_for(client, health_worker).post(
        reverse("assistance:referral_send", args=[clinic_case.uuid]),
        {"to_agency": iom.code, "kind": "services", "services": ["return_domestic"], "reason": "MigrationOrChangeOfLocation",
         "due_on": IN_3_DAYS().strftime("%d/%m/%Y"), "destination_ubigeo": "080000"}, follow=True)
    assert response.status_code == 200
    text = response.content.decode()
    assert "la derivación no incluye datos de identidad" in text
    referral = Referral.objects.get()
    assert referral.include_identity is False


def test_the_receiver_of_a_referral_without_consent_sees_no_name_or_document(client, clinic_case, health_worker,
                                                                            iom, iom_worker):
    referral = send(health_worker, clinic_case, iom, ("return_domestic",), destination_ubigeo=ubigeo("080000"))
    client_for(client, iom_worker)
    for url in (reverse("assistance:referral_detail", args=[referral.uuid]), reverse("assistance:dashboard"),
                reverse("assistance:timeline", args=[clinic_case.person.uuid])):
        text = client.get(url).content.decode()
        assert "Rosa" not in text and "Huamán" not in text and "45678912" not in text
    text = client.get(reverse("assistance:referral_detail", args=[referral.uuid])).content.decode()
    assert clinic_case.person.code in text and "Derivación sin datos de identidad" in text
    pdf = pdf_text(client.get(reverse("assistance:referral_pdf", args=[referral.uuid])))
    assert clinic_case.person.code in pdf
    assert "Rosa" not in pdf and "Huamán" not in pdf and "45678912" not in pdf
    data = client.get(reverse("api-referral-detail", args=[referral.uuid])).json()
    assert "full_name" not in data["person"] and "documents" not in data["person"]
    assert "Rosa" not in str(data)
    assert not AccessLog.objects.filter(actor=iom_worker).exists()


def test_the_receiver_with_consent_sees_the_name_on_the_referral(client, clinic_case, health_worker, mimp,
                                                                 mimp_worker, days_ago):
    consent_to_share(health_worker, clinic_case, mimp, days_ago(1))
    referral = send(health_worker, clinic_case, mimp)
    client_for(client, mimp_worker)
    assert "Rosa Elena Huamán Quispe" in client.get(
        reverse("assistance:referral_detail", args=[referral.uuid])).content.decode()
    assert "Rosa Elena Huamán Quispe" in pdf_text(client.get(reverse("assistance:referral_pdf", args=[referral.uuid])))
    assert AccessLog.objects.filter(actor=mimp_worker, purpose="assistance").count() == 2


def test_a_referral_is_a_404_for_agencies_not_involved(client, clinic_case, health_worker, mimp, mimp_worker,
                                                      ngo_worker):
    referral = send(health_worker, clinic_case, mimp)
    client_for(client, ngo_worker)
    assert client.get(reverse("assistance:referral_detail", args=[referral.uuid])).status_code == 404
    assert client.get(reverse("assistance:referral_pdf", args=[referral.uuid])).status_code == 404
    assert client.post(reverse("assistance:referral_accept", args=[referral.uuid])).status_code == 404
    assert client.get(reverse("api-referral-detail", args=[referral.uuid])).status_code == 404


def test_accepting_a_transfer_takes_the_receiver_to_its_new_case(client, clinic_case, health_worker, mimp,
                                                                 mimp_worker, days_ago):
    consent_to_share(health_worker, clinic_case, mimp, days_ago(1))
    referral = send(health_worker, clinic_case, mimp, kind="transfer")
    response = client_for(client, mimp_worker).post(reverse("assistance:referral_accept", args=[referral.uuid]))
    assert response.status_code == 302
    assert response.url == reverse("assistance:case_detail", args=[clinic_case.uuid])
    clinic_case.refresh_from_db()
    assert clinic_case.owner_agency == mimp


def test_the_sender_cannot_accept_its_own_referral(client, clinic_case, health_worker, mimp, mimp_worker):
    referral = send(health_worker, clinic_case, mimp)
    response = client_for(client, health_worker).post(reverse("assistance:referral_accept", args=[referral.uuid]))
    assert response.status_code == 403


def test_declining_without_a_reason_is_refused(client, clinic_case, health_worker, mimp, mimp_worker):
    referral = send(health_worker, clinic_case, mimp)
    response = client_for(client, mimp_worker).post(reverse("assistance:referral_decline", args=[referral.uuid]),
                                                    {"reason": ""})
    assert response.status_code == 422
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SENT


def test_withdrawing_consent_in_flight_shows_what_happened(client, clinic_case, health_worker, mimp, mimp_worker,
                                                           days_ago):
    consent = consent_to_share(health_worker, clinic_case, mimp, days_ago(2))
    referral = send(health_worker, clinic_case, mimp)
    response = client_for(client, health_worker).post(
        reverse("assistance:consent_withdraw", args=[clinic_case.uuid, consent.uuid]),
        {"withdrawn_on": timezone.localdate().strftime("%d/%m/%Y")}, follow=True)
    text = response.content.decode()
    assert "ya no incluye datos de identidad" in text
    referral.refresh_from_db()
    assert referral.identity_withdrawn_at is not None
    client_for(client, mimp_worker)
    page = client.get(reverse("assistance:referral_detail", args=[referral.uuid])).content.decode()
    assert "retiró su consentimiento" in page and "Rosa" not in page


def test_consents_are_recorded_by_the_clinic(client, clinic_case, health_worker, mimp, mimp_worker):
    response = client_for(client, health_worker).post(reverse("assistance:consent_add", args=[clinic_case.uuid]), {
        "kind": "share_data", "agency": mimp.code, "given_on": timezone.localdate().strftime("%d/%m/%Y"),
        "given_by": "victim", "method": "written"})
    assert response.status_code == 302
    assert clinic_case.consents.filter(kind=Consent.Kind.SHARE_DATA, agency=mimp).exists()


# --- family contacts --------------------------------------------------------------------------------------

def test_the_sheet_for_a_relative_involved_in_the_trafficking_hides_where_the_victim_is(client, transferred_case,
                                                                                       mimp_worker):
    services.case_update(actor=mimp_worker, case=transferred_case, expected_version=transferred_case.version,
                         current_ubigeo=ubigeo("170101"), current_location="Hogar Refugio Santa Rosa")
    uncle = services.family_contact_add(actor=mimp_worker, case=transferred_case, full_name="Juan Captador",
                                        relationship=FamilyContact.Relationship.OTHER_RELATIVE,
                                        involved_in_trafficking=True)
    mother = services.family_contact_add(actor=mimp_worker, case=transferred_case, full_name="Carmen Quispe",
                                         relationship=FamilyContact.Relationship.MOTHER)
    client_for(client, mimp_worker)
    page = client.get(reverse("assistance:family_detail", args=[uncle.uuid])).content.decode()
    assert "CONTACTO INVOLUCRADO EN LA TRATA" in page
    assert "hogar refugio santa rosa" not in page.lower() and "tambopata" not in page.lower()
    pdf = pdf_text(client.get(reverse("assistance:family_pdf", args=[uncle.uuid])))
    assert "INVOLUCRADO EN LA TRATA" in pdf and "Oculto por seguridad" in pdf
    assert "hogar refugio santa rosa" not in pdf.lower() and "tambopata" not in pdf.lower()
    assert "MIMP" not in pdf
    pdf = pdf_text(client.get(reverse("assistance:family_pdf", args=[mother.uuid])))
    assert "Hogar Refugio Santa Rosa" in pdf and "tambopata" in pdf.lower()
    # the case page flags the contact prominently
    case_page = client.get(reverse("assistance:case_detail", args=[transferred_case.uuid])).content.decode()
    assert "ALERTA DE SEGURIDAD" in case_page and "Juan Captador" in case_page


def test_a_family_contact_of_another_agency_is_a_404(client, transferred_case, mimp_worker, ngo_worker):
    contact = services.family_contact_add(actor=mimp_worker, case=transferred_case, full_name="Madre",
                                          relationship=FamilyContact.Relationship.MOTHER)
    client_for(client, ngo_worker)
    assert client.get(reverse("assistance:family_detail", args=[contact.uuid])).status_code == 404
    assert client.get(reverse("assistance:family_pdf", args=[contact.uuid])).status_code == 404


# --- PDFs, timeline, catalogue ----------------------------------------------------------------------------

def test_the_case_summary_pdf_is_in_spanish(client, transferred_case, mimp_worker):
    response = client_for(client, mimp_worker).get(reverse("assistance:case_pdf", args=[transferred_case.uuid]))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response)
    assert "Resumen del caso de asistencia" in text and transferred_case.code in text
    assert "Rosa Elena Huamán Quispe" in text


def test_the_timeline_shows_what_the_viewer_may_see(client, transferred_case, mimp_worker, ngo_worker, prosecutor,
                                                    mimp):
    from sistra.cases.services import case_share, victim_add
    from sistra.cases.testing import make_case

    criminal = make_case(actor=prosecutor, number="2026-777")
    victim_add(actor=prosecutor, case=criminal, person=transferred_case.person)
    client_for(client, mimp_worker)
    url = reverse("assistance:timeline", args=[transferred_case.person.uuid])
    text = client.get(url).content.decode()
    assert "Identificación" in text and "Derivación de Caravana de la Vida a MIMP" in text
    assert "2026-777" not in text  # not shared with MIMP
    case_share(actor=prosecutor, case=criminal, agency=mimp, level="read", reason="Asistencia")
    assert "2026-777" in client.get(url).content.decode()
    assert client_for(client, ngo_worker).get(url).status_code == 404


def test_the_catalogue_lists_the_services_and_filters_providers(client, mimp_worker):
    services.provider_create(actor=mimp_worker, name="Albergue Madre de Dios", kind="public",
                             services=[service("shelter")], regions=[ubigeo("170000")])
    response = client_for(client, mimp_worker).get(reverse("assistance:catalogue"), {"region": "080000"})
    text = response.content.decode()
    assert "Retorno internacional" in text and "Interpretación" in text
    assert "Albergue Madre de Dios" not in text
    response = client.get(reverse("assistance:catalogue"), {"region": "170000", "service": "shelter"})
    assert "Albergue Madre de Dios" in response.content.decode()


@pytest.mark.parametrize("name", ["case_edit", "case_close", "delivery_add", "assessment_add", "plan_add",
                                  "family_add", "followup_add", "consent_add", "referral_send"])
def test_case_forms_of_another_agency_are_404(client, clinic_case, ngo_worker, name):
    response = client_for(client, ngo_worker).get(reverse(f"assistance:{name}", args=[clinic_case.uuid]))
    assert response.status_code == 404


def test_a_health_worker_cannot_record_services(client, clinic_case, health_worker):
    response = client_for(client, health_worker).get(reverse("assistance:delivery_add", args=[clinic_case.uuid]))
    assert response.status_code == 404
