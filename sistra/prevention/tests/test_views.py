import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sistra.audit.models import AccessLog
from sistra.prevention import services
from sistra.prevention.models import AtRiskFamily, Campaign, Participant, TrainingEvent

from .test_imports import good_rows, sheet


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


def test_a_prevention_officer_lands_on_the_prevention_home(officer_client):
    response = officer_client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("prevention:home")
    assert "Registrar capacitación" in response.content.decode()


def test_a_prosecutor_gets_a_404_on_prevention_pages(client, prosecutor):
    client.force_login(prosecutor)
    assert client.get(reverse("prevention:home")).status_code == 404
    assert client.get(reverse("prevention:event_create")).status_code == 404


def test_an_event_is_created_from_the_form(officer_client):
    response = officer_client.post(
        reverse("prevention:event_create"),
        {
            "title": "Ruta de atención",
            "topic": "ruta",
            "organiser": "TdH",
            "starts_on": "04/05/2026",
            "ends_on": "05/05/2026",
            "ubigeo": "170101",
            "modality": "in_person",
            "score_max": 20,
        },
    )
    event = TrainingEvent.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "prevention:event_detail", args=[event.uuid]
    )
    assert event.departamento_code == "17"


def test_an_event_ending_before_it_starts_is_refused_with_a_spanish_message(officer_client):
    response = officer_client.post(
        reverse("prevention:event_create"),
        {
            "title": "Ruta",
            "topic": "ruta",
            "organiser": "TdH",
            "starts_on": "05/05/2026",
            "ends_on": "04/05/2026",
            "ubigeo": "170101",
            "modality": "in_person",
            "score_max": 20,
        },
    )
    assert response.status_code == 200
    assert "no puede ser anterior" in response.content.decode()
    assert not TrainingEvent.objects.exists()


def test_another_agencys_event_is_a_404(client, other_officer, event):
    client.force_login(other_officer)
    assert client.get(reverse("prevention:event_detail", args=[event.uuid])).status_code == 404
    url = reverse("prevention:event_import", args=[event.uuid])
    assert client.get(url).status_code == 404


def test_the_import_page_shows_the_row_report(officer_client, event):
    rows = good_rows(3)
    rows[1][3] = "Astronauta"
    upload = SimpleUploadedFile("lista.xlsx", sheet(rows))
    response = officer_client.post(reverse("prevention:event_import", args=[event.uuid]), {"file": upload})
    html = response.content.decode()
    assert "No se importó nada" in html and "Astronauta" in html and "<td>3</td>" in html
    assert event.participants.count() == 0


def test_a_certificate_is_issued_printed_and_verified_publicly(officer_client, client, officer, event):
    p = services.participant_add(
        actor=officer,
        event=event,
        data=services.ParticipantInput(
            full_name="Rosa Quispe Mamani", profession="judge", document_number="45678912"
        ),
    )
    officer_client.post(reverse("prevention:certificate_issue", args=[event.uuid, p.uuid]))
    p.refresh_from_db()
    pdf = officer_client.get(reverse("prevention:certificate_pdf", args=[event.uuid, p.uuid]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert "Rosa" not in pdf["Content-Disposition"]
    officer_client.logout()
    page = client.get(reverse("prevention:verify"), {"codigo": p.certificate_code.lower()})
    html = page.content.decode()
    assert page.status_code == 200 and "Certificado válido" in html
    assert "Rosa Quispe Mamani" in html and event.title in html
    assert "45678912" not in html and "Juez" not in html


def test_an_unknown_code_gets_a_neutral_answer(client, db):
    page = client.get(reverse("prevention:verify"), {"codigo": "CERT-AAAAAAAAAAAAAAAA"})
    assert page.status_code == 200 and "No encontrado" in page.content.decode()


def test_the_pdf_of_a_certificate_not_issued_is_a_404(officer_client, officer, event):
    p = services.participant_add(
        actor=officer,
        event=event,
        data=services.ParticipantInput(full_name="Rosa Quispe", profession="judge"),
    )
    assert (
        officer_client.get(reverse("prevention:certificate_pdf", args=[event.uuid, p.uuid])).status_code
        == 404
    )


def test_a_campaign_with_reach_by_channel_is_recorded_and_totals_stay_per_method(officer_client):
    response = officer_client.post(
        reverse("prevention:campaign_create"),
        {
            "name": "No te dejes engañar",
            "starts_on": "01/03/2026",
            "ends_on": "31/03/2026",
            "channels": ["radio"],
            "place_kind": "region",
            "place_name": "Cusco",
            "place_ubigeo": "080101",
            "reach-0-channel": "radio",
            "reach-0-people": "200000",
            "reach-0-method": "audience",
            "reach-0-source": "CPI",
            "reach-1-channel": "talks",
            "reach-1-people": "1500",
            "reach-1-method": "counted",
            "reach-1-source": "Listas",
        },
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302
    html = officer_client.get(reverse("prevention:campaign_detail", args=[campaign.uuid])).content.decode()
    assert "Total (Cifras de audiencia)" in html and "Total (Conteo directo)" in html
    assert "201,500" not in html and "201500" not in html


def test_reach_without_a_method_is_refused_on_the_form(officer_client):
    response = officer_client.post(
        reverse("prevention:campaign_create"),
        {
            "name": "Llama y Vive",
            "starts_on": "01/03/2026",
            "ends_on": "31/03/2026",
            "reach-0-channel": "radio",
            "reach-0-people": "1000",
            "reach-0-source": "CPI",
        },
    )
    assert response.status_code == 200
    assert "método de estimación" in response.content.decode()
    assert not Campaign.objects.exists()


def test_a_family_is_registered_and_its_page_logs_the_identity_read(officer_client, officer):
    response = officer_client.post(
        reverse("prevention:family_create"),
        {
            "registered_on": "10/01/2026",
            "ubigeo": "080101",
            "head_name": "Juana Huamán",
            "risk_factors": ["poverty"],
            "child-0-first_names": "Luz",
            "child-0-last_names": "Quispe",
            "child-0-birth_year": "2014",
            "child-0-sex": "female",
            "child-0-in_school": "on",
            "child-1-first_names": "Elvis",
            "child-1-last_names": "Quispe",
            "child-1-birth_year": "2011",
            "child-1-sex": "male",
        },
    )
    family = AtRiskFamily.objects.get()
    assert response.status_code == 302 and family.children.count() == 2
    page = officer_client.get(reverse("prevention:family_detail", args=[family.uuid])).content.decode()
    assert "Juana Huamán" in page and "Luz Quispe" in page
    assert AccessLog.objects.filter(actor=officer, object_uuid=family.uuid).count() == 1


def test_another_agencys_family_page_is_a_404(client, other_officer, family):
    client.force_login(other_officer)
    assert client.get(reverse("prevention:family_detail", args=[family.uuid])).status_code == 404
    kid = family.children.first()
    response = client.post(
        reverse("prevention:followup_add", args=[family.uuid]),
        {"fu-child": str(kid.uuid), "fu-milestone": "6", "fu-done_on": "01/12/2025", "fu-in_school": "on"},
    )
    assert response.status_code == 404
    assert not kid.follow_ups.exists()


def test_an_analyst_sees_pseudonyms_only(client, analyst, family):
    client.force_login(analyst)
    listing = client.get(reverse("prevention:family_list")).content.decode()
    page = client.get(reverse("prevention:family_detail", args=[family.uuid])).content.decode()
    assert family.code in listing and family.code in page
    for secret in ("Juana", "Huamán Ccori", "Luz", "Elvis", "Ccatca"):
        assert secret not in page and secret not in listing
    assert not AccessLog.objects.filter(actor=analyst).exists()
    response = client.post(
        reverse("prevention:alternative_add", args=[family.uuid]),
        {
            "alt-child": str(family.children.first().uuid),
            "alt-kind": "schooling",
            "alt-started_on": "01/07/2025",
        },
    )
    assert response.status_code == 404


def test_a_follow_up_before_registration_is_refused_on_the_page(officer_client, family):
    kid = family.children.first()
    response = officer_client.post(
        reverse("prevention:followup_add", args=[family.uuid]),
        {"fu-child": str(kid.uuid), "fu-milestone": "6", "fu-done_on": "01/01/2025", "fu-in_school": "on"},
    )
    assert response.status_code == 400
    assert "anterior al registro de la familia" in response.content.decode()
    assert not kid.follow_ups.exists()


def test_participant_added_twice_from_the_page_is_refused(officer_client, event):
    data = {"full_name": "Rosa Quispe", "profession": "judge", "sex": "female", "attended": "on"}
    officer_client.post(reverse("prevention:participant_add", args=[event.uuid]), data)
    response = officer_client.post(reverse("prevention:participant_add", args=[event.uuid]), data)
    assert response.status_code == 400 and "ya está registrado" in response.content.decode()
    assert Participant.objects.count() == 1
