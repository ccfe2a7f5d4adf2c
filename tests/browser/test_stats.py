"""The statistics pages in a real browser: the dashboard and the maps render under the strict CSP with no
script of their own, a figure leads to the case list, and the screenshots in docs/screenshots are taken."""

import datetime

import pytest
from django.conf import settings

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = settings.BASE_DIR / "docs" / "screenshots"
PASSWORD = "contraseña-de-prueba-segura"


@pytest.fixture
def analyst_with_data(transactional_db):
    from django.apps import apps

    from sistra.accounts.capabilities import Role
    from sistra.accounts.models import Agency
    from sistra.cases.seed import seed_cases
    from sistra.core import reference
    from sistra.core.models import DistritoFiscal, Ubigeo
    from sistra.core.testing import AgencyFactory, UserFactory
    from sistra.stats import dimensions
    from sistra.stats.aggregation import refresh_aggregates

    # a transactional test before this one may have flushed the tables the data migration filled
    if not Ubigeo.objects.filter(code="170101").exists():
        reference.load_all(apps)
    dimensions.clear_caches()
    fiscalias = [
        AgencyFactory(
            code=f"fistrap-{df}",
            name=f"FISTRAP {name}",
            kind=Agency.Kind.FISCALIA,
            distrito_fiscal=DistritoFiscal.objects.get(code=df),
        )
        for df, name in (
            ("cusco", "Cusco"),
            ("lima-centro", "Lima"),
            ("madre-de-dios", "Madre de Dios"),
            ("loreto", "Loreto"),
            ("puno", "Puno"),
        )
    ]
    seed_cases(count=600, seed=2026, fiscalias=fiscalias, batch_size=300, today=datetime.date(2026, 11, 22))
    refresh_aggregates()
    agency = AgencyFactory(code="mininter-analisis", name="MININTER — Análisis", kind=Agency.Kind.MININTER)
    return UserFactory(username="analista", agency=agency, role=Role.ANALYST)


def test_dashboard_and_map_render_and_lead_to_the_cases(page, analyst_with_data):
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    login(page, "analista", PASSWORD)

    page.goto("/estadisticas/")
    assert page.get_by_role("heading", name="Estadísticas de trata de personas").is_visible()
    assert page.locator(".as-of-time").inner_text().startswith("Datos al")
    assert page.locator(".kpi").count() >= 7
    assert page.locator("#fig-attrition svg").is_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "dashboard.png"), full_page=True)

    # a filter narrows every figure; the page still answers without scripts of its own
    page.select_option("#id_departamento", "17")
    page.get_by_role("button", name="Aplicar filtros").click()
    page.wait_for_load_state("networkidle")
    assert "departamento=17" in page.url

    # drill down: a bar of the stages opens the case list with the same filters
    link = page.locator("#fig-cases_by_stage a.chart-link").first
    href = link.get_attribute("href")
    assert href.startswith("/casos/?") and "region=17" in href and "stage=" in href
    link.click()
    page.wait_for_load_state("networkidle")
    assert "/casos/" in page.url

    page.goto("/estadisticas/mapa/")
    assert page.locator("svg.map-departamento path.area").count() == 25
    assert page.locator("svg.map-departamento path.flow").count() >= 1
    assert page.locator("svg.map-departamento circle").count() == 0
    page.screenshot(path=str(SHOTS / "map.png"), full_page=True)

    page.goto("/estadisticas/mapa/?nivel=provincia&medida=origen")
    assert page.locator("svg.map-provincia path.area").count() >= 190
    page.screenshot(path=str(SHOTS / "map-provinces.png"), full_page=True)

    page.goto("/estadisticas/informe/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Informe estadístico anual")
    page.screenshot(path=str(SHOTS / "annual-report.png"), full_page=True)

    csp = [p for p in problems if "Content Security Policy" in p or "Refused" in p]
    assert not csp, csp
