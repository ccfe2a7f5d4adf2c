"""The hotline operator's screen with the KEYBOARD ONLY (no clicks, no fill): a full report-of-trafficking call
with the police notified and a report sent to a PNP unit, and a non-substantive call in at most three key
presses. Then the report is in that unit's inbox and in no other."""

import re

import pytest
from django.utils import timezone

from sistra.accounts.capabilities import Role
from sistra.accounts.models import Agency
from sistra.core.testing import AgencyFactory, UserFactory
from sistra.hotline import services
from sistra.hotline.models import Contact, PoliceReport

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "contraseña-de-prueba-segura"


class Keyboard:
    """Every key the operator presses goes through here, so the test can count them."""

    def __init__(self, page):
        self.page = page
        self.presses = 0

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.presses += 1

    def type(self, text: str) -> None:
        self.page.keyboard.type(text, delay=5)
        self.presses += len(text)

    def focused(self) -> dict:
        return self.page.evaluate(
            "() => { const e = document.activeElement; "
            "return e ? {name: e.name || '', id: e.id || '', value: e.value || '', type: e.type || ''} : {}; }")

    def tab_to(self, name: str, value: str | None = None, limit: int = 120) -> None:
        """Press Tab until the field (by name or id, and value for a checkbox) has the focus."""
        for _ in range(limit):
            focused = self.focused()
            if name in (focused.get("name"), focused.get("id")) and (value is None or focused.get("value") == value):
                return
            self.press("Tab")
        raise AssertionError(f"{name} {value or ''} never got the focus")

    def choose(self, name: str, text: str, expected_value: str) -> None:
        """Focus a list and type the start of an option, as a keyboard user does."""
        self.tab_to(name)
        self.type(text)
        actual = self.page.evaluate(f"() => document.querySelector('[name={name}]').value")
        assert actual == expected_value, f"{name}: {actual!r} instead of {expected_value!r}"


@pytest.fixture
def reference_data(transactional_db):
    """A transactional test before this one flushed the tables the data migration filled: load them again (the
    loader upserts, so this is harmless when they are there)."""
    from django.apps import apps

    from sistra.core import reference
    from sistra.core.models import Ubigeo

    if not Ubigeo.objects.filter(code="170101").exists():
        reference.load_all(apps)


@pytest.fixture
def people(reference_data):
    hotline = AgencyFactory(code="linea-0800", name="Línea 0800-2-3232", kind=Agency.Kind.HOTLINE)
    unit = AgencyFactory(code="depincri-tambopata", name="Depincri Tambopata", kind=Agency.Kind.POLICE)
    other_unit = AgencyFactory(code="comisaria-laberinto", name="Comisaría Laberinto", kind=Agency.Kind.POLICE)
    return {
        "operator": UserFactory(username="operadora", agency=hotline, role=Role.HOTLINE_OPERATOR),
        "unit": unit,
        "police": UserFactory(username="policia-tambopata", agency=unit, role=Role.POLICE),
        "other_police": UserFactory(username="policia-laberinto", agency=other_unit, role=Role.POLICE),
    }


def test_an_operator_logs_a_trafficking_report_and_a_silent_call_with_the_keyboard(page, browser, live_server,
                                                                                    people):
    operator, unit = people["operator"], people["unit"]
    # the same number called last week, and the line asked not to call back
    earlier = services.contact_create(actor=operator, started_at=timezone.now() - timezone.timedelta(days=7),
                                      ended_at=timezone.now() - timezone.timedelta(days=7, minutes=-3),
                                      category="information", caller_phone="987654321")
    services.caller_flag_add(actor=operator, contact=earlier, kind="do_not_call_back")

    login(page, operator.username, PASSWORD)
    page.goto("/linea/nuevo/")
    keys = Keyboard(page)
    assert keys.focused()["name"] == "channel"  # the form opens ready for the keyboard, the clock running
    page.wait_for_selector("#call-clock:not([hidden])")

    keys.tab_to("caller_phone")
    keys.type("987 654 321")
    # the repeat caller appears at once, with the flag on the number
    page.wait_for_selector(f"#previous-contacts >> text={earlier.code}")
    assert "No devolver la llamada" in page.inner_text("#caller-flags")

    keys.choose("caller_type", "Fam", "relative")
    keys.choose("category", "Rep", "trafficking_report")
    for topic in ("labour_exploitation", "job_offer"):
        keys.tab_to("topics", topic)
        keys.press("Space")
    keys.tab_to("summary")
    keys.type("Su hermana de 16 años viajó a La Pampa por una oferta de trabajo en un restaurante; "
              "le quitaron el DNI y no la dejan salir.")
    for indicator in ("deceptive_offer", "documents_withheld", "movement_restricted", "minor"):
        keys.tab_to("indicators", indicator)
        keys.press("Space")
    keys.choose("risk_level", "Emer", "emergency")
    keys.choose("police_unit", "Dep", str(unit.pk))
    keys.tab_to("police_officer")
    keys.type("SO2 Quispe")
    keys.tab_to("police_notified_at")
    keys.type(timezone.localtime().strftime("%d/%m/%Y %H:%M"))
    keys.tab_to("police_reference")
    keys.type("105-7781")
    keys.tab_to("information_given")
    keys.press("Space")
    keys.tab_to("ubigeo")
    keys.type("170101")
    keys.tab_to("contact_consent")
    keys.press("Space")
    keys.tab_to("caller_name")
    keys.type("Juana Pérez")
    keys.tab_to("follow_up_note")
    keys.type("Llamar mañana a Juana para saber si hubo rescate")
    with page.expect_navigation():
        keys.press("Enter")  # Enter in a text field saves the form

    errors = page.locator(".errorlist, .form-errors")
    assert errors.count() == 0, errors.all_inner_texts()
    contact = Contact.objects.exclude(pk=earlier.pk).get()
    assert page.url.endswith(f"/linea/contactos/{contact.uuid}/")
    assert contact.category == "trafficking_report" and contact.risk_level == "emergency"
    assert contact.topics == ["labour_exploitation", "job_offer"]
    assert set(contact.indicators) == {"deceptive_offer", "documents_withheld", "movement_restricted", "minor"}
    assert contact.ubigeo_id == "170101" and contact.caller_name == "Juana Pérez" and contact.information_given
    notification = contact.police_notifications.get()
    assert (notification.unit, notification.officer, notification.reference) == (unit, "SO2 Quispe", "105-7781")
    assert contact.follow_ups.count() == 1

    # the report to the police, still by keyboard: Tab to the link, Enter, choose the unit, send
    keys.tab_to("send-report")
    with page.expect_navigation():
        keys.press("Enter")
    assert keys.focused()["name"] == "recipient"
    keys.type("Dep")
    keys.tab_to("include_caller_contact")
    keys.press("Space")
    keys.tab_to("send")
    with page.expect_navigation():
        keys.press("Enter")
    report = PoliceReport.objects.get()
    assert report.recipient == unit and report.include_caller_contact
    assert "La Pampa" in report.facts
    assert f"Reporte {report.code} enviado a Depincri Tambopata" in page.inner_text("main")

    # a silent call: one key chooses "Silencio", Enter saves — and the next form is ready
    page.goto("/linea/nuevo/")
    quick = Keyboard(page)
    quick.press("2")
    assert "Silencio" in page.inner_text("#quick-status")
    with page.expect_navigation():
        quick.press("Enter")
    assert quick.presses <= 3
    silent = Contact.objects.get(category="non_substantive")
    assert silent.non_substantive_reason == "silent" and silent.operator == operator
    assert page.url.endswith("/linea/nuevo/")
    assert re.search(rf"{silent.code} registrado", page.inner_text("main"))

    # the report is in the chosen unit's inbox, and not in another unit's
    for user, expected in ((people["police"], True), (people["other_police"], False)):
        context = browser.new_context(base_url=live_server.url, locale="es-PE", timezone_id="America/Lima")
        other_page = context.new_page()
        login(other_page, user.username, PASSWORD)
        other_page.goto("/linea/reportes/")
        assert (report.code in other_page.inner_text("main")) is expected
        context.close()
