"""Prevention figures equal the raw prevention rows; reach is never added across methods; published tables
suppress small cells; hotline contacts are counted before, during and after a campaign."""

import datetime

import pytest
from django.urls import reverse

from sistra.accounts.capabilities import Role
from sistra.accounts.models import Agency
from sistra.core.testing import AgencyFactory, UserFactory
from sistra.hotline.services import contact_create
from sistra.prevention import services
from sistra.prevention.figures import calls_by_phase
from sistra.prevention.services import ParticipantInput, PlaceInput, ReachInput
from sistra.stats.aggregation import refresh_aggregates
from sistra.stats.indicators import national_plan_indicators
from sistra.stats.reports import annual_report
from sistra.stats.selectors import StatsFilters, load_figures

from .conftest import child

D = datetime.date
CODES = [
    "prevention_trainings_total",
    "prevention_trained_total",
    "prevention_trained_by_profession",
    "prevention_trained_by_dept",
    "prevention_reach_counted_by_dept",
    "prevention_reach_audience_by_dept",
    "prevention_reach_audience_by_channel",
    "prevention_reach_counted_by_channel",
    "prevention_families_total",
    "prevention_children_total",
    "prevention_children_with_alternative",
    "prevention_children_by_alternative",
    "prevention_children_school_12m",
    "prevention_campaigns_total",
]


@pytest.fixture
def work(officer):
    cusco = services.event_create(
        actor=officer,
        title="Ley 31146",
        topic="law_31146",
        organiser="TdH",
        starts_on=D(2025, 5, 4),
        ends_on=D(2025, 5, 5),
        ubigeo="080101",
    )
    mdd = services.event_create(
        actor=officer,
        title="Salud",
        topic="identification",
        organiser="TdH",
        starts_on=D(2025, 8, 4),
        ends_on=D(2025, 8, 4),
        ubigeo="170101",
    )
    for i in range(12):
        services.participant_add(
            actor=officer, event=cusco, data=ParticipantInput(full_name=f"Juez {i}", profession="judge")
        )
    for i in range(3):
        services.participant_add(
            actor=officer,
            event=mdd,
            data=ParticipantInput(full_name=f"Salud {i}", profession="health", attended=i != 0),
        )
    services.campaign_create(
        actor=officer,
        name="No te dejes engañar",
        starts_on=D(2025, 3, 1),
        ends_on=D(2025, 3, 31),
        places=[PlaceInput("region", "Cusco", "080101")],
        reach=[
            ReachInput("radio", 345000, "audience", "CPI", "08"),
            ReachInput("radio", 2000, "counted", "Listas", "08"),
            ReachInput("theatre", 4000, "counted", "Entradas", "08"),
        ],
    )
    family = services.family_register(
        actor=officer,
        registered_on=D(2025, 6, 1),
        ubigeo="080101",
        head_name="Juana",
        risk_factors=["poverty"],
        children=[child(), child("Elvis", "Quispe", 2011, "male")],
    )
    luz, elvis = family.children.order_by("birth_year")[1], family.children.order_by("birth_year")[0]
    services.alternative_add(actor=officer, child=luz, kind="schooling", started_on=D(2025, 6, 10))
    services.alternative_add(actor=officer, child=luz, kind="economic", started_on=D(2025, 6, 10))
    services.follow_up_record(actor=officer, child=luz, milestone="12", done_on=D(2026, 6, 1), in_school=True)
    services.follow_up_record(
        actor=officer, child=elvis, milestone="12", done_on=D(2026, 6, 1), in_school=False, migrated=True
    )
    return family


def test_prevention_figures_equal_the_raw_rows(work):
    run = refresh_aggregates()
    assert "prevention" in run.sources
    f = load_figures(run, StatsFilters(), CODES)
    assert f["prevention_trainings_total"].by_year() == {2025: 2}
    assert f["prevention_trained_total"].total() == 14
    assert f["prevention_trained_by_profession"].totals() == {"judge": 12, "health": 2}
    assert f["prevention_trained_by_dept"].totals() == {"08": 12, "17": 2}
    assert f["prevention_reach_audience_by_channel"].totals() == {"radio": 345000}
    assert f["prevention_reach_counted_by_channel"].totals() == {"radio": 2000, "theatre": 4000}
    assert f["prevention_reach_counted_by_dept"].totals() == {"08": 6000}
    assert f["prevention_reach_audience_by_dept"].totals() == {"08": 345000}
    assert f["prevention_campaigns_total"].total() == 1
    assert f["prevention_families_total"].total() == 1
    assert f["prevention_children_total"].total() == 2
    assert f["prevention_children_with_alternative"].total() == 1
    assert f["prevention_children_by_alternative"].totals() == {"schooling": 1, "economic": 1}
    assert f["prevention_children_school_12m"].totals() == {"in_school": 1, "migrated": 1}
    madre = load_figures(run, StatsFilters(dept="17"), CODES)
    assert madre["prevention_trained_total"].total() == 2
    assert madre["prevention_families_total"].total() == 0


def test_the_dashboard_shows_a_prevention_section_with_reach_per_method(client, officer, work):
    refresh_aggregates()
    client.force_login(officer)
    html = client.get(reverse("stats:dashboard")).content.decode()
    assert "Prevención" in html
    assert "Alcance de campañas por canal — cifras de audiencia" in html
    assert "Alcance de campañas por canal — conteo directo" in html
    assert (
        'id="fig-map-prevention_trained_by_dept"' in html
        and 'id="fig-map-prevention_reach_audience_by_dept"' in html
    )
    assert "351,000" not in html and "351000" not in html and "351 000" not in html


def test_the_annual_report_suppresses_small_prevention_cells(work):
    run = refresh_aggregates()
    report = annual_report(run, 2025)
    chapter = next(c for c in report["chapters"] if c.code == "prevention")
    by_code = {b.table.code: b.table for b in chapter.blocks}
    professions = {r.key: r.values[0] for r in by_code["prevention_trained_by_profession"].rows}
    assert professions["judge"] == 12
    assert professions["health"] is None  # 2 < 10: suppressed
    school = {r.key: r.values[0] for r in by_code["prevention_children_school_12m"].rows}
    assert school["in_school"] is None and school["migrated"] is None


def test_national_plan_prevention_indicators(work):
    run = refresh_aggregates()
    values = {i.code: i for i in national_plan_indicators(run, 2025)}
    assert values["PN-P1"].value == 2 and values["PN-P2"].value == 14
    assert values["PN-P3"].value == 1 and values["PN-P4"].value == 50.0
    protected = {i.code: i for i in national_plan_indicators(run, 2025, protect=True)}
    assert (
        protected["PN-P2"].value == 14
        and protected["PN-P1"].value is None
        and protected["PN-P4"].value is None
    )


def test_hotline_contacts_before_during_and_after_a_campaign(officer):
    hotline = AgencyFactory(code="linea", name="Línea 0800", kind=Agency.Kind.HOTLINE)
    operator = UserFactory(username="operadora", agency=hotline, role=Role.HOTLINE_OPERATOR)
    campaign = services.campaign_create(
        actor=officer, name="Llama y Vive", starts_on=D(2026, 3, 1), ends_on=D(2026, 3, 10)
    )
    tz = datetime.timezone(datetime.timedelta(hours=-5))
    moments = {
        "before": [
            datetime.datetime(2026, 2, 20, 9, tzinfo=tz),
            datetime.datetime(2026, 2, 28, 23, 30, tzinfo=tz),
        ],
        "during": [
            datetime.datetime(2026, 3, 1, 0, 10, tzinfo=tz),
            datetime.datetime(2026, 3, 5, tzinfo=tz),
            datetime.datetime(2026, 3, 10, 23, tzinfo=tz),
        ],
        "after": [datetime.datetime(2026, 3, 20, 9, tzinfo=tz)],
        "outside": [
            datetime.datetime(2026, 2, 18, 9, tzinfo=tz),
            datetime.datetime(2026, 3, 21, 9, tzinfo=tz),
        ],
    }
    for phase, starts in moments.items():
        for start in starts:
            contact_create(
                actor=operator,
                started_at=start,
                ended_at=start + datetime.timedelta(minutes=5),
                category="information",
                heard_campaign=campaign if phase == "during" else None,
            )
    contact_create(
        actor=operator,
        started_at=datetime.datetime(2026, 3, 6, tzinfo=tz),
        ended_at=datetime.datetime(2026, 3, 6, 0, 1, tzinfo=tz),
        category="non_substantive",
        non_substantive_reason="hung_up",
    )
    assert calls_by_phase(campaign) == {"before": 2, "during": 3, "after": 1, "attributed": 3}
    contact = campaign.hotline_contacts.first()
    assert contact.heard_via == "campaign"


def test_a_campaign_given_with_another_medium_is_refused(officer):
    from django.core.exceptions import ValidationError

    hotline = AgencyFactory(code="linea", name="Línea 0800", kind=Agency.Kind.HOTLINE)
    operator = UserFactory(username="operadora", agency=hotline, role=Role.HOTLINE_OPERATOR)
    campaign = services.campaign_create(
        actor=officer, name="Llama y Vive", starts_on=D(2026, 3, 1), ends_on=D(2026, 3, 10)
    )
    start = datetime.datetime(2026, 3, 5, 12, tzinfo=datetime.UTC)
    with pytest.raises(ValidationError) as exc:
        contact_create(
            actor=operator,
            started_at=start,
            ended_at=start,
            category="information",
            heard_via="friend",
            heard_campaign=campaign,
        )
    assert "heard_campaign" in exc.value.message_dict
