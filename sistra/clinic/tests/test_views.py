"""The clinic's pages: each for the team (or the part of it the page is for), a 404 for anyone else."""

import pytest
from django.urls import reverse

from sistra.clinic import services, sync
from sistra.clinic.models import Device, SyncConflict

from .conftest import TODAY
from .test_services import consult, register


@pytest.fixture
def screened(nurse, huepetuhe):
    patient = register(nurse, huepetuhe)
    consult(nurse, patient, reason="Dolor de cabeza")
    return services.screening_record(
        actor=nurse,
        patient=patient,
        screened_on=TODAY,
        result="possible",
        indicators=["debt"],
        action="Conversación en privado",
        consent="given",
    )


def test_the_team_sees_its_home_with_the_itinerary(client, driver, itinerary):
    client.force_login(driver)
    response = client.get(reverse("clinic:home"))
    assert response.status_code == 200
    assert "Huepetuhe" in response.content.decode()


def test_someone_outside_a_clinic_team_gets_a_404(client, prosecutor, analyst):
    for user in (prosecutor, analyst):
        client.force_login(user)
        assert client.get(reverse("clinic:home")).status_code == 404
        assert client.get(reverse("clinic:app")).status_code == 404


def test_the_consultation_list_never_shows_the_screening(client, screened, dentist):
    client.force_login(dentist)
    content = client.get(reverse("clinic:consultations")).content.decode()
    assert "Dolor de cabeza" in content
    assert "Conversación en privado" not in content and "Posible víctima" not in content


def test_the_consultation_list_pages_the_newest_first(client, nurse, dentist, huepetuhe, monkeypatch):
    # at the design scale the list read 200 consultations with their patients' encrypted person rows (53 ms)
    monkeypatch.setattr("sistra.clinic.views.PAGE_SIZE", 2)
    patient = register(nurse, huepetuhe)
    for reason in ("Primera", "Segunda", "Tercera"):  # one day: the latest recorded first
        consult(nurse, patient, reason=reason)
    client.force_login(dentist)
    first = client.get(reverse("clinic:consultations")).content.decode()
    assert "Tercera" in first and "Segunda" in first and "Primera" not in first
    assert "Página 1 de 2" in first and patient.person.code in first
    second = client.get(reverse("clinic:consultations"), {"page": 2}).content.decode()
    assert "Primera" in second and "Segunda" not in second


def test_the_driver_has_no_consultation_list_or_export(client, driver, screened):
    client.force_login(driver)
    assert client.get(reverse("clinic:consultations")).status_code == 404
    assert client.get(reverse("clinic:consultation_export")).status_code == 404


def test_the_screening_page_for_the_nurse_and_a_404_for_the_dentist(client, screened, nurse, dentist):
    url = reverse("clinic:screening_detail", args=[screened.uuid])
    client.force_login(nurse)
    assert "Conversación en privado" in client.get(url).content.decode()
    client.force_login(dentist)
    assert client.get(url).status_code == 404


def test_the_receiving_agency_opens_the_screening_of_its_referral(client, screened, nurse, mimp, mimp_worker):
    url = reverse("clinic:screening_detail", args=[screened.uuid])
    client.force_login(mimp_worker)
    assert client.get(url).status_code == 404
    services.screening_refer(actor=nurse, screening=screened, to_agency=mimp)
    assert client.get(url).status_code == 200


def test_a_supervisor_resolves_a_conflict_and_a_nurse_cannot(client, nurse, doctor, huepetuhe):
    from .test_sync import _consultation, edit

    device = sync.device_register(actor=nurse, name="t")
    consultation = _consultation(nurse, device, huepetuhe)
    sync.apply_change(
        actor=doctor,
        device=sync.device_register(actor=doctor, name="d"),
        change=edit("consultation", consultation, 1, reason="Dolor"),
    )
    sync.apply_change(actor=nurse, device=device, change=edit("consultation", consultation, 1, reason="Tos"))
    conflict = SyncConflict.objects.get()
    url = reverse("clinic:conflict_resolve", args=[conflict.uuid])
    client.force_login(nurse)
    assert client.post(url, {"keep": "client"}).status_code == 404
    client.force_login(doctor)
    page = client.get(reverse("clinic:conflicts")).content.decode()
    assert "Dolor" in page and "Tos" in page
    client.post(url, {"keep": "server", "note": "Lo confirmó el médico"})
    conflict.refresh_from_db()
    assert conflict.status == "resolved" and conflict.resolved_value == "Dolor"


def test_a_user_revokes_her_own_device_but_not_a_teammates(client, nurse, dentist):
    own = sync.device_register(actor=nurse, name="Mía")
    other = sync.device_register(actor=dentist, name="Ajena")
    client.force_login(nurse)
    assert client.post(reverse("clinic:device_revoke", args=[other.uuid])).status_code == 404
    client.post(reverse("clinic:device_revoke", args=[own.uuid]))
    assert Device.objects.get(pk=own.pk).revoked_at is not None
    assert Device.objects.get(pk=other.pk).revoked_at is None


def test_the_offline_app_its_manifest_and_service_worker(client, nurse):
    client.force_login(nurse)
    app = client.get(reverse("clinic:app"))
    assert app.status_code == 200
    assert "<script>" not in app.content.decode()  # static files only
    manifest = client.get(reverse("clinic:manifest")).json()
    assert manifest["scope"] == "/clinica/"
    worker = client.get(reverse("clinic:service_worker"))
    assert worker["Service-Worker-Allowed"] == "/clinica/"
    assert b"workbox" in worker.content
    assert reverse("clinic:app") in client.get(reverse("clinic:shell")).json()["urls"]


def test_the_statistics_dashboard_shows_clinic_figures_with_screenings_suppressed(client, screened):
    from sistra.accounts.capabilities import Role
    from sistra.core.testing import UserFactory

    analyst = UserFactory(username="analista-clinica", role=Role.ANALYST)
    client.force_login(analyst)
    response = client.get(reverse("stats:dashboard"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Tamizajes de trata por resultado" in content
    assert "Conversación en privado" not in content
    section = content.split('id="sec-clinic"')[1]
    row = section.split("Posible víctima</td><td>")[1][:5]
    assert row.startswith("—")
