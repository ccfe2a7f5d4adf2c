"""The statistics pages: who may open them, what they show (checked against the raw rows), where their
links lead, and that nothing on them breaks the Content-Security-Policy."""

import io
import re
import uuid

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from sistra.cases.models import Case, CaseVictim
from sistra.stats.aggregation import refresh_aggregates
from sistra.stats.disclosure import THRESHOLD
from sistra.stats.models import AggregateRun

from .oracle import Filter, all_figures


@pytest.fixture
def as_analyst(client, analyst):
    client.force_login(analyst)
    return client


def numbers_in(html: str) -> list[int]:
    return [int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", html)]


# --- access -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,args",
    [
        ("stats:dashboard", []),
        ("stats:map", []),
        ("stats:indicators", []),
        ("stats:open_data", []),
        ("stats:report", [2023]),
        ("stats:export", ["victims_by_sex", "csv"]),
    ],
)
def test_a_role_without_statistics_is_refused(client, prosecutor, name, args):
    client.force_login(prosecutor)
    assert client.get(reverse(name, args=args)).status_code == 403


def test_an_anonymous_visitor_is_sent_to_the_login(client, db):
    response = client.get(reverse("stats:dashboard"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize("fixture", ["supervisor", "prevention_officer", "analyst"])
def test_roles_with_statistics_open_the_dashboard(client, request, fixture, handmade):
    refresh_aggregates()
    client.force_login(request.getfixturevalue(fixture))
    assert client.get(reverse("stats:dashboard")).status_code == 200


# --- dashboard ----------------------------------------------------------------------------------------------


def test_the_dashboard_shows_the_totals_of_the_raw_rows_and_the_time_of_the_data(as_analyst, run):
    html = as_analyst.get(reverse("stats:dashboard")).content.decode()
    assert "Datos al" in html
    kpis = re.findall(r'<p class="kpi-value">([^<]*)', html)
    cases, victims = Case.objects.count(), CaseVictim.objects.count()
    assert int(kpis[0].replace(",", "")) == cases
    assert int(kpis[1].replace(",", "")) == victims
    expected = all_figures(Filter())
    minors = sum(v for (_y, k), v in expected["victims_by_minor"].items() if k == "minor")
    assert kpis[2].strip().startswith(f"{100 * minors / victims:.1f}")
    convictions = sum(v for (_y, k), v in expected["attrition"].items() if k == "conviction")
    assert int(kpis[4]) == convictions


def test_the_dashboard_with_a_filter_shows_the_filtered_raw_rows(as_analyst, run):
    html = as_analyst.get(
        reverse("stats:dashboard"), {"departamento": "17", "explotacion": "forced_labour"}
    ).content.decode()
    kpis = re.findall(r'<p class="kpi-value">([^<]*)', html)
    expected = all_figures(Filter(dept="17", form="forced_labour"))
    assert int(kpis[0].replace(",", "")) == sum(expected["cases_total"].values())
    assert int(kpis[1].replace(",", "")) == sum(expected["victims_total"].values())


def test_figures_link_to_the_case_list_with_the_matching_filters(as_analyst, run):
    html = as_analyst.get(reverse("stats:dashboard"), {"departamento": "17"}).content.decode()
    expected = all_figures(Filter(dept="17"))
    base = "/casos/?region=17"
    assert f'href="{base}"' in html
    links = [("stage", k) for (_y, k) in expected["cases_by_stage"]]
    links += [("status", k) for (_y, k) in expected["cases_by_status"]]
    links += [("exploitation", k) for (_y, k) in expected["victims_by_form"] if k != "none"]
    assert links
    for name, value in links:
        assert f'href="{base}&amp;{name}={value}"' in html
    if any(k == "minor" for (_y, k) in expected["victims_by_minor"]):
        assert f'href="{base}&amp;minor_victim=1"' in html


def test_the_case_list_behind_a_figure_lists_as_many_cases_as_the_figure(as_analyst, run):
    html = as_analyst.get(reverse("stats:dashboard"), {"desde": 2023, "hasta": 2023}).content.decode()
    match = re.search(r'href="(/casos/\?year=2023&amp;stage=diligencias_preliminares)"', html)
    assert match
    expected = sum(
        v
        for (y, k), v in all_figures(Filter(years=(2023, 2023)))["cases_by_stage"].items()
        if k == "diligencias_preliminares"
    )
    assert (
        Case.objects.filter(complaint_date__year=2023, current_stage_id="diligencias_preliminares").count()
        == expected
    )


def test_users_who_cannot_open_cases_get_no_links_to_them(client, supervisor, run):
    client.force_login(supervisor)
    html = client.get(reverse("stats:dashboard")).content.decode()
    assert "/casos/?" not in html


def test_the_dashboard_runs_no_inline_script_or_style(as_analyst, run):
    response = as_analyst.get(reverse("stats:dashboard"))
    html = response.content.decode()
    assert " style=" not in html
    assert "<style" not in html
    for tag in re.findall(r"<script[^>]*>", html):
        assert "nonce=" in tag and "src=" in tag
    assert "'unsafe-inline'" not in response.headers.get("Content-Security-Policy", "")


def test_the_dashboard_without_data_offers_a_refresh(as_analyst):
    html = as_analyst.get(reverse("stats:dashboard")).content.decode()
    assert "Aún no hay estadísticas calculadas" in html
    assert reverse("stats:refresh") in html


def test_refreshing_from_the_dashboard_builds_a_new_snapshot(
    as_analyst, handmade, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_analyst.post(reverse("stats:refresh"))
    assert response.status_code == 302
    assert AggregateRun.objects.filter(status=AggregateRun.Status.DONE).count() == 1


def test_a_second_refresh_right_after_the_first_is_not_queued(
    as_analyst, run, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = as_analyst.post(reverse("stats:refresh"), follow=True)
    assert callbacks == []
    assert "hace un momento" in response.content.decode()
    assert AggregateRun.objects.count() == 1


def test_refresh_needs_a_post(as_analyst):
    assert as_analyst.get(reverse("stats:refresh")).status_code == 405


# --- map ----------------------------------------------------------------------------------------------------


def test_the_map_draws_every_department_as_an_area_and_never_a_point(as_analyst, run):
    html = as_analyst.get(reverse("stats:map")).content.decode()
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert len(re.findall(r'class="area[^"]*" data-code="\d\d"', svg)) == 25
    assert "<circle" not in svg and "<ellipse" not in svg
    assert 'class="flow"' in svg


def test_the_map_values_equal_the_raw_rows(as_analyst, run):
    html = as_analyst.get(reverse("stats:map"), {"medida": "captacion"}).content.decode()
    expected = {k: 0 for k in []}
    for (_y, key), v in all_figures(Filter())["victims_by_recruitment_dept"].items():
        expected[key] = expected.get(key, 0) + v
    for code, name in [("08", "Cusco"), ("15", "Lima")]:
        if expected.get(code):
            assert f"{name}: {expected[code]:,}" in html


def test_the_province_map_has_the_provinces(as_analyst, run):
    html = as_analyst.get(reverse("stats:map"), {"nivel": "provincia", "medida": "origen"}).content.decode()
    assert len(re.findall(r'data-code="\d{4}"', html)) >= 190


def test_the_sankey_shows_the_routes(as_analyst, run):
    html = as_analyst.get(reverse("stats:map")).content.decode()
    assert 'class="chart sankey"' in html
    assert "Cusco → Madre de Dios" in html


# --- exports ------------------------------------------------------------------------------------------------


def test_a_csv_export_suppresses_small_cells(as_analyst, run):
    response = as_analyst.get(reverse("stats:export", args=["victims_by_nationality", "csv"]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    text = response.content.decode("utf-8-sig")
    rows = [line.split(",") for line in text.splitlines()]
    cells = [c for row in rows[1:] for c in row[1:] if c.strip().isdigit()]
    assert all(int(c) == 0 or int(c) >= THRESHOLD for c in cells)
    assert "x" in {c for row in rows for c in row}


def test_an_xlsx_export_opens_and_suppresses_small_cells(as_analyst, run):
    response = as_analyst.get(reverse("stats:export", args=["cases_by_stage", "xlsx"]))
    workbook = load_workbook(io.BytesIO(response.content))
    values = [c.value for row in workbook.active.iter_rows(min_row=2) for c in row[1:]]
    assert all(not isinstance(v, int) or v == 0 or v >= THRESHOLD for v in values)


def test_an_unknown_figure_or_format_is_not_found(as_analyst, run):
    assert as_analyst.get(reverse("stats:export", args=["nope", "csv"])).status_code == 404
    assert as_analyst.get(reverse("stats:export", args=["victims_by_sex", "pdf"])).status_code == 404


# --- report -------------------------------------------------------------------------------------------------


def test_the_annual_report_publishes_the_raw_numbers_or_hides_them(as_analyst, run):
    html = as_analyst.get(reverse("stats:report", args=[2023])).content.decode()
    expected = all_figures(Filter(years=(2023, 2023)))
    total = sum(expected["victims_total"].values())
    # the tables of the report: every number shown is 0, at least the threshold, or a percentage/year/median
    for table in re.findall(r"<table.*?</table>", html, flags=re.S):
        for cell in re.findall(r'<td class="num">([^<%]*)</td>', table):
            cell = cell.strip().replace(",", "")
            if cell.isdigit():
                assert int(cell) == 0 or int(cell) >= THRESHOLD
    sex = {k: v for (_y, k), v in expected["victims_by_sex"].items()}
    female = sex.get("female", 0)
    if female >= THRESHOLD and total - female >= THRESHOLD:
        assert re.search(rf"<th scope=\"row\">Mujer</th>\s*<td class=\"num\">{female:,}</td>", html)


def test_the_annual_report_downloads_as_pdf(as_analyst, run):
    response = as_analyst.get(reverse("stats:report_pdf", args=[2023]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_the_report_without_a_year_opens_the_last_year_with_data(as_analyst, run):
    response = as_analyst.get(reverse("stats:report_latest"))
    assert response.status_code == 302
    years = sorted({y for (y, _k) in all_figures(Filter())["cases_total"]})
    assert response["Location"] == reverse("stats:report", args=[years[-1]])


def test_a_report_of_a_year_out_of_range_is_not_found(as_analyst, run):
    assert as_analyst.get(reverse("stats:report", args=[1800])).status_code == 404


# --- indicators ---------------------------------------------------------------------------------------------


def test_the_indicators_page_shows_the_year(as_analyst, run):
    response = as_analyst.get(reverse("stats:indicators"), {"anio": 2023})
    html = response.content.decode()
    expected = all_figures(Filter(years=(2023, 2023)))
    assert "PN-01" in html and "PN-11" in html
    row = re.search(r"PN-01</td><th scope=\"row\">[^<]*</th>\s*<td class=\"num\">([^<]*)</td>", html)
    assert int(row.group(1).replace(",", "")) == sum(expected["cases_total"].values())


def test_the_indicators_download_hides_small_numbers(as_analyst, run):
    response = as_analyst.get(reverse("stats:indicators"), {"anio": 2023, "formato": "csv"})
    rows = response.content.decode("utf-8-sig").splitlines()[1:]
    for row in rows:
        value = row.split(",")[3]
        if value.isdigit() and row.split(",")[2] == "n":
            assert int(value) == 0 or int(value) >= THRESHOLD


# --- open data ----------------------------------------------------------------------------------------------


def test_the_open_data_page_lists_releases_to_every_statistics_role(client, supervisor, run):
    client.force_login(supervisor)
    html = client.get(reverse("stats:open_data")).content.decode()
    assert "Todavía no hay publicaciones" in html
    assert 'name="epsilon_per_table"' not in html


def test_a_role_that_may_not_publish_is_refused(client, supervisor, run):
    client.force_login(supervisor)
    response = client.post(
        reverse("stats:open_data"),
        {"year_from": 2020, "year_to": 2023, "epsilon_per_table": 0.5, "threshold": 10},
    )
    assert response.status_code == 403


def test_an_unknown_release_is_not_found(as_analyst, db):
    assert as_analyst.get(reverse("stats:open_data_detail", args=[uuid.uuid4()])).status_code == 404
    assert (
        as_analyst.get(reverse("stats:open_data_file", args=[uuid.uuid4(), "metadata.json"])).status_code
        == 404
    )


def test_publishing_asks_for_a_valid_budget(as_analyst, run):
    response = as_analyst.post(
        reverse("stats:open_data"),
        {"year_from": 2020, "year_to": 2023, "epsilon_per_table": 5, "threshold": 10},
    )
    assert response.status_code == 200
    assert "supera el máximo" in response.content.decode()
