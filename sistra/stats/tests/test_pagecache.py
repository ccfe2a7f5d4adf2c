"""The statistics pages rendered once per aggregates run (sistra.stats.pagecache): the same page for the same
run, filters, language and role; new figures as soon as a new run exists; the clinic's live section never
kept."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from sistra.cases.models import Case
from sistra.cases.testing import make_case
from sistra.stats import views
from sistra.stats.aggregation import refresh_aggregates


def kpis(client, **params) -> list[str]:
    html = client.get(reverse("stats:dashboard"), params).content.decode()
    return re.findall(r'<p class="kpi-value">([^<]*)', html)


def counting(monkeypatch, name):
    calls = []
    original = getattr(views, name)

    def wrapper(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(views, name, wrapper)
    return calls


def test_the_dashboard_is_built_once_per_run_and_filters(client, analyst, run, monkeypatch):
    built = counting(monkeypatch, "build_dashboard")
    client.force_login(analyst)

    first, again = kpis(client), kpis(client)
    filtered = kpis(client, departamento="17")

    assert first == again and first != filtered
    assert len(built) == 2  # the page without filters, then with one


def test_a_new_run_shows_the_new_figures_at_once(client, analyst, prosecutor, run):
    client.force_login(analyst)
    before = int(kpis(client)[0].replace(",", ""))
    make_case(actor=prosecutor, number="C-NUEVO")
    assert int(kpis(client)[0].replace(",", "")) == before  # the run still current: its figures
    refresh_aggregates()

    assert int(kpis(client)[0].replace(",", "")) == before + 1 == Case.objects.count()


@pytest.mark.parametrize("order", [("supervisor", "analyst"), ("analyst", "supervisor")])
def test_links_to_the_case_list_follow_the_role_whoever_came_first(client, request, run, order):
    pages = {}
    for who in order:
        client.force_login(request.getfixturevalue(who))
        pages[who] = client.get(reverse("stats:dashboard")).content.decode()

    assert "/casos/?" in pages["analyst"]  # analysts may open cases
    assert "/casos/?" not in pages["supervisor"]


def test_each_language_is_kept_apart(client, analyst, run):
    client.force_login(analyst)
    spanish = client.get(reverse("stats:dashboard")).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(reverse("stats:dashboard")).content.decode()

    assert 'aria-label="Cifras principales"' in spanish
    assert 'aria-label="Key figures"' in english


def test_the_map_and_the_annual_report_are_built_once_per_run(client, analyst, run, monkeypatch):
    maps, reports = counting(monkeypatch, "build_map"), counting(monkeypatch, "annual_report")
    client.force_login(analyst)
    for _ in range(2):
        assert client.get(reverse("stats:map"), {"nivel": "provincia"}).status_code == 200
        assert client.get(reverse("stats:report", args=[2023])).status_code == 200
    assert client.get(reverse("stats:map"), {"nivel": "departamento"}).status_code == 200

    assert len(maps) == 2 and len(reports) == 1


def test_the_indicators_are_computed_once_per_run_year_and_filters(client, analyst, run, monkeypatch):
    computed = counting(monkeypatch, "national_plan_indicators")
    client.force_login(analyst)
    tables = [
        re.search(
            r"<table.*</table>",
            client.get(reverse("stats:indicators"), {"anio": 2023}).content.decode(),
            re.S,
        ).group(0)
        for _ in range(2)
    ]
    client.get(reverse("stats:indicators"), {"anio": 2022})

    assert tables[0] == tables[1] and "PN-01" in tables[0]
    assert len(computed) == 2


def test_the_figures_api_is_built_once_per_run_and_filters(analyst, prosecutor, run, monkeypatch):
    from rest_framework.test import APIClient

    from sistra.stats import api

    built = []
    original = api.load_figures
    monkeypatch.setattr(api, "load_figures", lambda *a: built.append(a) or original(*a))
    client = APIClient()
    client.force_authenticate(analyst)

    def cases_total(**params):
        body = client.get("/api/v1/estadisticas/cifras/", {"figuras": "cases_total", **params}).json()
        return sum(body["figures"]["cases_total"]["totals"].values())

    first, again, filtered = cases_total(), cases_total(), cases_total(departamento="17")
    assert first == again and len(built) == 2  # the list without filters once, then with one
    make_case(actor=prosecutor, number="C-NUEVO-API")
    assert cases_total() == first
    refresh_aggregates()
    assert cases_total() == first + 1 == Case.objects.count() and filtered <= first
