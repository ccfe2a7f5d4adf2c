"""Hotline figures: volumes by month, channel, category, risk and department, and contacts passed to the
police — equal to the raw contacts, by year of the contact in Lima time."""

import datetime
import zoneinfo
from collections import Counter

import pytest
from django.urls import reverse

from sistra.hotline.models import Contact, PoliceNotification, PoliceReport
from sistra.stats.aggregation import refresh_aggregates
from sistra.stats.selectors import StatsFilters, load_figures

LIMA = zoneinfo.ZoneInfo("America/Lima")


@pytest.fixture
def contacts(supervisor, police_unit):
    agency = supervisor.agency
    rows = [
        # 31/12/2023 22:00 in Lima is already 2024 in UTC: it belongs to 2023
        (
            datetime.datetime(2023, 12, 31, 22, 0, tzinfo=LIMA),
            "phone",
            "trafficking_report",
            "high",
            "17",
            True,
        ),
        (datetime.datetime(2024, 1, 2, 10, 0, tzinfo=LIMA), "whatsapp", "information", "none", "15", False),
        (datetime.datetime(2024, 1, 3, 10, 0, tzinfo=LIMA), "phone", "information", "none", "15", False),
        (datetime.datetime(2024, 2, 3, 10, 0, tzinfo=LIMA), "phone", "non_substantive", "none", "", False),
    ]
    made = []
    for started, channel, category, risk, dep, report in rows:
        contact = Contact.objects.create(
            owner_agency=agency,
            operator=supervisor,
            started_at=started,
            ended_at=started,
            channel=channel,
            category=category,
            non_substantive_reason="silent" if category == "non_substantive" else "",
            risk_level=risk,
            departamento_code=dep,
        )
        if report:
            PoliceReport.objects.create(
                contact=contact,
                recipient=police_unit,
                facts="Hechos",
                sent_by=supervisor,
                sent_at=started,
                ack_due_at=started + datetime.timedelta(days=1),
            )
            PoliceNotification.objects.create(contact=contact, unit=police_unit, notified_at=started)
        made.append(contact)
    return made


def raw(contacts, key, *, dept=None):
    counts = Counter()
    for c in contacts:
        if dept and c.departamento_code != dept:
            continue
        counts[(c.started_at.astimezone(LIMA).year, key(c))] += 1
    return counts


def test_hotline_figures_equal_the_raw_contacts(contacts):
    run = refresh_aggregates()
    assert "hotline" in run.sources
    codes = [
        "hotline_contacts_total",
        "hotline_contacts_by_month",
        "hotline_contacts_by_channel",
        "hotline_contacts_by_category",
        "hotline_contacts_by_risk",
        "hotline_contacts_by_dept",
        "hotline_police",
    ]
    for dept in (None, "15"):
        f = load_figures(run, StatsFilters(dept=dept), codes)
        assert f["hotline_contacts_total"].cells == raw(contacts, lambda c: "", dept=dept)
        assert f["hotline_contacts_by_month"].cells == raw(
            contacts, lambda c: f"{c.started_at.astimezone(LIMA).month:02d}", dept=dept
        )
        assert f["hotline_contacts_by_channel"].cells == raw(contacts, lambda c: c.channel, dept=dept)
        assert f["hotline_contacts_by_category"].cells == raw(contacts, lambda c: c.category, dept=dept)
        assert f["hotline_contacts_by_risk"].cells == raw(contacts, lambda c: c.risk_level, dept=dept)
        assert f["hotline_contacts_by_dept"].cells == raw(
            contacts, lambda c: c.departamento_code or "none", dept=dept
        )
        expected_police = Counter()
        for c in contacts:
            if dept and c.departamento_code != dept:
                continue
            year = c.started_at.astimezone(LIMA).year
            if c.reports.exists():
                expected_police[(year, "report")] += 1
            if c.police_notifications.exists():
                expected_police[(year, "notification")] += 1
        assert f["hotline_police"].cells == expected_police


def test_hotline_figures_cannot_be_cut_by_distrito_fiscal(contacts):
    run = refresh_aggregates()
    f = load_figures(run, StatsFilters(df="cusco"), ["hotline_contacts_total"])
    assert not f["hotline_contacts_total"].available


def test_the_dashboard_shows_the_hotline_section(client, analyst, contacts):
    refresh_aggregates()
    client.force_login(analyst)
    html = client.get(reverse("stats:dashboard")).content.decode()
    assert 'id="fig-hotline_contacts_by_channel"' in html
    assert "Contactos con la línea" in html
