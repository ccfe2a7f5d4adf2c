"""Assistance and referral figures equal the raw assistance rows."""

import datetime
from collections import Counter

import pytest
from django.urls import reverse

from sistra.accounts.models import Agency
from sistra.assistance.models import AssistanceCase, Referral, ServiceDelivery, ServiceType
from sistra.core.testing import AgencyFactory, ubigeo
from sistra.people.testing import make_person
from sistra.stats.aggregation import refresh_aggregates
from sistra.stats.indicators import national_plan_indicators
from sistra.stats.selectors import StatsFilters, load_figures

D = datetime.date


@pytest.fixture
def assistance_rows(prosecutor):
    mimp = AgencyFactory(code="mimp-x", name="MIMP", kind=Agency.Kind.MIMP)
    ngo = AgencyFactory(code="ong-x", name="ONG", kind=Agency.Kind.NGO)
    service = ServiceType.objects.order_by("sort_order").first()
    rows = [
        (D(2023, 2, 1), "170101", "ActualVictimOfTrafficking", "police"),
        (D(2023, 5, 1), "150101", "PossibleVictimOfTrafficking", "hotline"),
        (D(2024, 1, 9), "170101", "PossibleVictimOfTrafficking", "clinic"),
    ]
    cases = []
    for n, (day, place, status, channel) in enumerate(rows):
        person = make_person(actor=prosecutor, first_names=f"Persona {n}")
        case = AssistanceCase.objects.create(
            person=person,
            owner_agency=mimp,
            trafficking_status=status,
            identification_channel=channel,
            identified_on=day,
            identification_place=ubigeo(place),
        )
        cases.append(case)
        Referral.objects.create(
            case=case,
            person=person,
            from_agency=mimp,
            to_agency=ngo,
            due_on=day,
            sent_by=prosecutor,
            sent_at=datetime.datetime(day.year, day.month, day.day, 12, tzinfo=datetime.UTC),
        )
        ServiceDelivery.objects.create(
            case=case, service_type=service, agency=mimp, delivered_on=day, delivered_by=prosecutor
        )
    return cases


def test_assistance_figures_equal_the_raw_rows(assistance_rows):
    run = refresh_aggregates()
    assert "assistance" in run.sources
    for dept in (None, "17"):
        f = load_figures(
            run,
            StatsFilters(dept=dept),
            [
                "assistance_cases_total",
                "assistance_cases_by_channel",
                "assistance_cases_by_trafficking_status",
                "assistance_referrals_by_status",
                "assistance_services_by_type",
            ],
        )
        chosen = [
            c
            for c in AssistanceCase.objects.select_related("identification_place")
            if not dept or c.identification_place.departamento_code == dept
        ]
        assert f["assistance_cases_total"].cells == Counter((c.identified_on.year, "") for c in chosen)
        assert f["assistance_cases_by_channel"].cells == Counter(
            (c.identified_on.year, c.identification_channel) for c in chosen
        )
        assert f["assistance_cases_by_trafficking_status"].cells == Counter(
            (c.identified_on.year, c.trafficking_status) for c in chosen
        )
        referrals = [r for r in Referral.objects.select_related("case") if r.case in chosen]
        assert f["assistance_referrals_by_status"].cells == Counter(
            (r.sent_at.year, r.status) for r in referrals
        )
        deliveries = [d for d in ServiceDelivery.objects.all() if d.case in chosen]
        assert f["assistance_services_by_type"].cells == Counter(
            (d.delivered_on.year, d.service_type_id) for d in deliveries
        )


def test_assistance_indicators_and_dashboard(client, analyst, assistance_rows):
    run = refresh_aggregates()
    values = {i.code: i.value for i in national_plan_indicators(run, 2023)}
    assert values["PN-14"] == 2 and values["PN-15"] == 2
    client.force_login(analyst)
    html = client.get(reverse("stats:dashboard")).content.decode()
    assert 'id="fig-assistance_referrals_by_status"' in html
