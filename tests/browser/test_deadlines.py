"""Issue #15, done when: a browser test walks the prosecutor's deadline overview. The head of FISTRAP Cusco
signs in on a fixed day (Monday 2 March 2026), opens "Mis plazos" from the navigation, finds her overdue case
and the one due in four days, the fiscalía section with her colleague's overdue case, follows a case to its
stage section, filters the case list by "Vencidos", and reads the day's digest notice."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from sistra.accounts.capabilities import Role
from sistra.accounts.models import Agency
from sistra.cases.testing import make_case
from sistra.core.models import DistritoFiscal
from sistra.core.testing import AgencyFactory, UserFactory, stage

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "contraseña-de-prueba-segura"
NOW = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("America/Lima"))


@pytest.fixture
def fixed_day():
    # ticking: the live server and the sessions need time to pass, from a known day
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def world(transactional_db, fixed_day):
    from sistra.cases.services import case_change_stage
    from sistra.deadlines.services import fiscalia_head_designate

    cusco = AgencyFactory(
        code="fistrap-cusco",
        name="FISTRAP Cusco",
        kind=Agency.Kind.FISCALIA,
        distrito_fiscal=DistritoFiscal.objects.get(code="cusco"),
    )
    lima = AgencyFactory(
        code="fistrap-lima",
        name="FISTRAP Lima",
        kind=Agency.Kind.FISCALIA,
        distrito_fiscal=DistritoFiscal.objects.get(code="lima-centro"),
    )
    head = UserFactory(
        username="fiscal-cusco", first_name="Rosa", last_name="Quispe", agency=cusco, role=Role.PROSECUTOR
    )
    colleague = UserFactory(
        username="colega-cusco", first_name="Luis", last_name="Mamani", agency=cusco, role=Role.PROSECUTOR
    )
    outsider = UserFactory(username="fiscal-lima", agency=lima, role=Role.PROSECUTOR)

    def inquiry(actor, number, since):
        case = make_case(actor=actor, number=number, complaint_date=since - datetime.timedelta(days=3))
        case_change_stage(actor=actor, case=case, stage=stage("diligencias_preliminares"), date=since)
        return case

    cases = {
        "overdue": inquiry(head, "2025-00810", datetime.date(2025, 12, 1)),  # due 30/01/2026
        "soon": inquiry(head, "2026-00042", datetime.date(2026, 1, 5)),  # due 06/03/2026
        "colleague": inquiry(colleague, "2025-00777", datetime.date(2025, 12, 20)),  # due 18/02/2026
        "lima": inquiry(outsider, "2025-00999", datetime.date(2025, 12, 1)),  # another fiscalía
    }
    fiscalia_head_designate(actor=None, agency=cusco, user=head)
    return {"head": head, "cases": cases}


def sign_in(page, user) -> None:
    login(page, user.username, PASSWORD)
    page.get_by_role("button", name="Cerrar sesión").wait_for()


def test_a_prosecutor_walks_her_deadline_overview(page, world):
    from sistra.deadlines.services import deadline_digest_send

    sign_in(page, world["head"])
    page.get_by_role("navigation", name="Navegación principal").get_by_role("link", name="Mis plazos").click()
    page.wait_for_url("**/plazos/")
    assert page.get_by_role("heading", level=1).inner_text() == "Mis plazos"
    counts = page.locator("#my-counts").inner_text()
    assert "1 vencido" in counts and "1 vence en 7 días" in counts

    overdue = page.locator("table#mine-overdue")
    assert overdue.get_by_role("link", name="2025-00810").is_visible()
    assert "30/01/2026" in overdue.inner_text() and "vencido hace 31 días" in overdue.inner_text()
    soon = page.locator("table#mine-due-soon")
    assert "2026-00042" in soon.inner_text() and "quedan 4 días" in soon.inner_text()
    assert "2025-00777" not in page.locator("#my-deadlines").inner_text()  # the colleague's, not hers

    # as head of the fiscalía she sees every prosecutor's cases, and never another fiscalía's
    fiscalia = page.locator("#fiscalia-deadlines")
    assert "Plazos de FISTRAP Cusco" in fiscalia.inner_text()
    assert "2025-00777" in page.locator("table#fiscalia-overdue").inner_text()
    assert "Luis Mamani" in page.locator("table#fiscalia-load").inner_text()
    assert "2025-00999" not in page.locator("main").inner_text()

    # from the overview to the case: the stage section with the same deadline
    overdue.get_by_role("link", name="2025-00810").click()
    page.wait_for_url("**/casos/**")
    deadline = page.locator("#deadline").inner_text()
    assert "vence el 30/01/2026" in deadline and "vencido hace 31 días" in deadline
    assert "Plazo ordinario" in deadline

    # the case list, filtered by "Vencidos"
    page.goto("/casos/")
    with page.expect_response(lambda r: "/casos/" in r.url and r.status == 200):
        page.get_by_label("Plazo", exact=True).select_option(label="Vencidos")
    page.locator("#case-table").wait_for()
    page.wait_for_function("() => !document.querySelector('#case-results').innerText.includes('2026-00042')")
    results = page.locator("#case-results").inner_text()
    assert "2025-00810" in results and "2025-00777" in results and "2026-00042" not in results
    assert "Vencido" in results

    # the day's digest, in the notices
    assert deadline_digest_send() == 3  # the head, her colleague and the Lima prosecutor
    page.goto("/plazos/")
    page.get_by_role("link", name="Avisos").click()
    notices = page.locator("#notifications")
    assert "Plazos al 02/03/2026" in notices.inner_text()
    assert "Sus casos: 1 con el plazo vencido y 1 que vencen en los próximos 7 días." in notices.inner_text()
    assert "FISTRAP Cusco: 2 casos con el plazo vencido y 1 que vencen" in notices.inner_text()
    with page.expect_navigation():
        notices.get_by_role("button", name="Marcar como leído y abrir").click()
    page.wait_for_url("**/plazos/")


def test_another_fiscalias_prosecutor_sees_none_of_it(page, world):
    from sistra.accounts.models import User

    sign_in(page, User.objects.get(username="fiscal-lima"))
    page.goto("/plazos/")
    main = page.locator("main").inner_text()
    assert "2025-00999" in main
    assert "2025-00810" not in main and "2025-00777" not in main
    assert page.locator("#fiscalia-deadlines").count() == 0
