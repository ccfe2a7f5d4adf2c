"""The mobile clinic offline, in headless Chromium: a nurse downloads her itinerary packet, goes offline,
registers 20 patients with their consultations and 2 confidential screenings (one positive, referred to MIMP),
reloads the page without network and still has them, comes back online and syncs. The server then holds
exactly those records, MIMP sees the referral, and the browser's storage holds nothing readable."""

import datetime
import json

import pytest
from django.utils import timezone

from sistra.accounts.capabilities import Role
from sistra.accounts.models import Agency
from sistra.core.testing import AgencyFactory, UserFactory

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "contraseña-de-prueba-segura"
PATIENTS = 20
SURNAMES = ["Huamán", "Quispe", "Mamani", "Condori", "Apaza", "Ccama", "Choque", "Flores", "Ramos", "Vargas"]

DUMP_STORAGE = """async () => {
  const out = {local: JSON.stringify(localStorage), session: JSON.stringify(sessionStorage), idb: [], caches: []};
  for (const info of await indexedDB.databases()) {
    const db = await new Promise((ok, ko) => { const r = indexedDB.open(info.name); r.onsuccess = () => ok(r.result);
                                                r.onerror = () => ko(r.error); });
    for (const name of db.objectStoreNames) {
      const rows = await new Promise((ok) => { const r = db.transaction(name).objectStore(name).getAll();
                                               r.onsuccess = () => ok(r.result); });
      const text = rows.map((row) => {
        if (row instanceof CryptoKey) { return "CryptoKey extractable=" + row.extractable; }
        return JSON.stringify(row, (k, v) => (v instanceof ArrayBuffer ? new TextDecoder().decode(v) : v));
      });
      out.idb.push({db: info.name, store: name, rows: text});
    }
    db.close();
  }
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      const response = await cache.match(request);
      out.caches.push({url: request.url, body: await response.text()});
    }
  }
  return out;
}"""


def patient_name(i: int) -> tuple[str, str, str]:
    return (f"Paciente{i:02d}", SURNAMES[i % len(SURNAMES)], SURNAMES[(i + 3) % len(SURNAMES)])


@pytest.fixture
def clinic_world(db):
    from django.apps import apps

    from sistra.assistance.catalogue import load_service_types
    from sistra.assistance.models import ServiceType
    from sistra.clinic.models import Profession
    from sistra.clinic.testing import ensure_itinerary, make_team

    if not ServiceType.objects.exists():  # a transactional test's flush empties the catalogue
        load_service_types(apps)
    agency, users = make_team()
    today = timezone.localdate()
    ensure_itinerary(
        agency,
        name="Ruta Interoceánica",
        starts_on=today - datetime.timedelta(days=2),
        members=list(users.values()),
        days_per_stop=1,
    )
    mimp = AgencyFactory(code="mimp-upe-mdd", name="MIMP — UPE Madre de Dios", kind=Agency.Kind.MIMP)
    mimp_worker = UserFactory(username="gestora-mimp", agency=mimp, role=Role.CASEWORKER)
    return {"nurse": users[Profession.NURSE], "mimp": mimp, "mimp_worker": mimp_worker}


def test_a_nurse_works_offline_and_syncs_exactly_her_records(browser, live_server, clinic_world):
    from sistra.assistance.access import visible_referrals
    from sistra.clinic.models import Consultation, Patient, Screening

    context = browser.new_context(
        viewport={"width": 1366, "height": 900},
        locale="es-PE",
        timezone_id="America/Lima",
        base_url=live_server.url,
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    login(page, "enfermera", PASSWORD)
    page.goto("/clinica/app/")
    page.wait_for_selector("#clinic-app[data-offline-ready='1']")
    page.click("#download-packet")
    page.wait_for_function(
        "() => document.getElementById('app-status').textContent.includes('Paquete descargado')"
    )
    # the service worker now controls the page and holds the app shell
    page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.wait_for_selector("#patient-form:visible")

    context.set_offline(True)
    page.wait_for_function("() => !navigator.onLine")
    for i in range(PATIENTS):
        first, paternal, maternal = patient_name(i)
        page.select_option("#f-community", index=i % 5)
        page.fill("#f-first-names", first)
        page.fill("#f-last-p", paternal)
        page.fill("#f-last-m", maternal)
        page.select_option("#f-sex", "female" if i % 2 else "male")
        page.fill("#f-age", str(18 + i))
        page.select_option("#f-language", "que" if i % 3 == 0 else "spa")
        page.select_option("#f-service", "triaje")
        page.fill("#f-reason", f"Motivo {i:02d} fiebre")
        page.fill("#f-temp", "37.5")
        page.fill("#f-hr", "88")
        page.fill("#f-dx", "J06, R50")
        page.click("#patient-form button[type=submit]")
        page.wait_for_function(
            f"() => document.querySelectorAll('#pending-list li').length === {2 * (i + 1)}"
        )

    # screening 1: no indicators
    page.select_option("#s-patient", label=f"{' '.join(patient_name(0))} (nuevo)")
    page.select_option("#s-result", "none")
    page.select_option("#s-consent", "not_asked")
    page.click("#screening-form button[type=submit]")
    # screening 2: possible victim, consents, referred to MIMP
    page.select_option("#s-patient", label=f"{' '.join(patient_name(1))} (nuevo)")
    page.check("#s-indicators input[value='deceit']")
    page.check("#s-indicators input[value='debt']")
    page.select_option("#s-result", "possible")
    page.select_option("#s-consent", "given")
    page.select_option("#s-refer", "mimp-upe-mdd")
    page.fill("#s-action", "Orientación en privado")
    page.click("#screening-form button[type=submit]")
    expected = 2 * PATIENTS + 2
    page.wait_for_function(f"() => document.querySelectorAll('#pending-list li').length === {expected}")

    # a reload without network loses nothing
    page.reload()
    page.wait_for_function(f"() => document.querySelectorAll('#pending-list li').length === {expected}")
    assert "Paciente: Paciente07" in page.inner_text("#pending-list")
    assert page.locator("#pending-list li[data-entity='screening']").count() == 2
    assert "Orientación" not in page.inner_text("#pending-list")  # the list never shows screening answers
    # while offline, nothing reached the server
    assert not Patient.objects.exists()

    context.set_offline(False)
    page.wait_for_function("() => navigator.onLine")
    page.click("#sync-now")
    page.wait_for_function(
        "() => document.getElementById('sync-status').textContent.includes('Sincronización completa')",
        timeout=60_000,
    )

    nurse = clinic_world["nurse"]
    assert Patient.objects.count() == PATIENTS
    assert sorted(p.person.first_names for p in Patient.objects.select_related("person")) == [
        patient_name(i)[0] for i in range(PATIENTS)
    ]
    assert Consultation.objects.count() == PATIENTS
    assert set(Consultation.objects.values_list("professional", flat=True)) == {nurse.pk}
    assert Screening.objects.count() == 2
    referred = Screening.objects.get(result="possible")
    assert referred.referral is not None and referred.referral.to_agency == clinic_world["mimp"]
    assert Screening.objects.get(result="none").referral is None

    # the receiving agency sees the referral
    assert visible_referrals(clinic_world["mimp_worker"]).filter(pk=referred.referral_id).exists()
    mimp_context = browser.new_context(locale="es-PE", timezone_id="America/Lima", base_url=live_server.url)
    mimp_page = mimp_context.new_page()
    login(mimp_page, "gestora-mimp", PASSWORD)
    response = mimp_page.goto(f"/asistencia/derivaciones/{referral_uuid(referred)}/")
    assert response.status == 200
    mimp_context.close()

    # nothing readable remains in the browser's storage
    dump = page.evaluate(DUMP_STORAGE)
    text = json.dumps(dump, ensure_ascii=False)
    for i in range(PATIENTS):
        assert patient_name(i)[0] not in text
        assert f"Motivo {i:02d}" not in text
    assert "Orientación" not in text and "deceit" not in text
    rows = [row for store in dump["idb"] for row in store["rows"]]
    assert all(row.startswith("CryptoKey extractable=false") or "uuid" in row for row in rows)
    context.close()


def referral_uuid(screening) -> str:
    return str(screening.referral.uuid)
