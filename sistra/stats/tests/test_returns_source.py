"""Return and reintegration figures equal the raw rows, and leave SISTRA with small cells suppressed."""

import datetime
from collections import Counter

import pytest
from django.urls import reverse

from sistra.accounts.models import Agency
from sistra.assistance.models import AssistanceCase, ReintegrationPlan, ReturnTravel
from sistra.core.models import Country
from sistra.core.testing import AgencyFactory, ubigeo
from sistra.people.testing import make_person
from sistra.stats.aggregation import refresh_aggregates
from sistra.stats.selectors import StatsFilters, load_figures

D = datetime.date
FIGURES = [
    "assistance_returns_by_status",
    "assistance_returns_by_scope",
    "assistance_returns_by_payer",
    "assistance_reintegration_by_outcome",
]


@pytest.fixture
def return_rows(prosecutor):
    mimp = AgencyFactory(code="mimp-r", name="MIMP", kind=Agency.Kind.MIMP)
    us = Country.objects.get(code="US")
    for n in range(12):
        person = make_person(actor=prosecutor, first_names=f"Persona {n}")
        case = AssistanceCase.objects.create(
            person=person,
            owner_agency=mimp,
            identification_channel="clinic",
            identified_on=D(2025, 1, 5),
            identification_place=ubigeo("170101" if n % 2 else "150101"),
        )
        abroad = n == 0
        travel = ReturnTravel.objects.create(
            case=case,
            created_by=prosecutor,
            agency=mimp,
            planned_departure=D(2025, 2, 1),
            origin_country=us if abroad else None,
            origin_ubigeo=None if abroad else ubigeo("170101"),
            destination_ubigeo=ubigeo("080101"),
            paid_by="iom" if abroad else "mimp",
            status="arrived" if n < 11 else "planned",
        )
        closed = n < 11
        ReintegrationPlan.objects.create(
            case=case,
            return_travel=travel,
            community=ubigeo("080101"),
            goals="Metas",
            starts_on=D(2025, 3, 1),
            created_by=prosecutor,
            agency=mimp,
            status="closed" if closed else "active",
            outcome=("reintegrated" if n < 10 else "retrafficked") if closed else "",
            outcome_on=D(2025, 12, 1) if closed else None,
        )


def test_return_and_reintegration_figures_equal_the_raw_rows(return_rows):
    run = refresh_aggregates()
    for dept in (None, "17"):
        f = load_figures(run, StatsFilters(dept=dept), FIGURES)
        travels = [
            t
            for t in ReturnTravel.objects.select_related("case__identification_place")
            if not dept or t.case.identification_place.departamento_code == dept
        ]
        assert f["assistance_returns_by_status"].cells == Counter((2025, t.status) for t in travels)
        assert f["assistance_returns_by_scope"].cells == Counter(
            (2025, "international" if t.is_international else "domestic") for t in travels
        )
        assert f["assistance_returns_by_payer"].cells == Counter((2025, t.paid_by) for t in travels)
        plans = [
            p
            for p in ReintegrationPlan.objects.select_related("case__identification_place")
            if not dept or p.case.identification_place.departamento_code == dept
        ]
        assert f["assistance_reintegration_by_outcome"].cells == Counter(
            (2025, p.outcome or "active") for p in plans
        )


@pytest.mark.parametrize("code", ["assistance_returns_by_scope", "assistance_reintegration_by_outcome"])
def test_a_return_figure_leaves_sistra_with_small_cells_suppressed(client, analyst, return_rows, code):
    refresh_aggregates()
    client.force_login(analyst)
    response = client.get(reverse("stats:export", args=[code, "csv"]))
    assert response.status_code == 200
    rows = [line.split(",") for line in response.content.decode("utf-8-sig").splitlines()]
    cells = [c for row in rows[1:] for c in row[1:] if c.strip().isdigit()]
    assert all(int(c) == 0 or int(c) >= 10 for c in cells)
    assert "x" in {c for row in rows for c in row}


def test_the_dashboard_shows_the_return_figures(client, analyst, return_rows):
    refresh_aggregates()
    client.force_login(analyst)
    html = client.get(reverse("stats:dashboard")).content.decode()
    assert 'id="fig-assistance_returns_by_scope"' in html
    assert 'id="fig-assistance_reintegration_by_outcome"' in html
