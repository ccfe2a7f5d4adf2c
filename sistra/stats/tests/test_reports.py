"""The annual report and the National Plan indicators, recomputed from the raw rows: every number the
report publishes is the raw count, and it hides exactly what suppression of the raw counts hides."""

import pytest

from sistra.stats.disclosure import THRESHOLD, protect_median, protect_share, suppress_vector
from sistra.stats.indicators import national_plan_indicators
from sistra.stats.reports import CHAPTERS, OPTIONAL_CHAPTERS, TREND_YEARS, annual_report, render_pdf

from .oracle import Filter, all_figures, median

YEARS = [2022, 2023, 2024]


def raw_by_key(expected, code):
    out = {}
    for (_year, key), v in expected.get(code, {}).items():
        out[key] = out.get(key, 0) + v
    return out


@pytest.mark.parametrize("year", YEARS)
def test_every_report_table_equals_the_protected_raw_counts(run, year):
    report = annual_report(run, year)
    expected = all_figures(Filter(years=(year, year)))
    tables = [b.table for chapter in report["chapters"] for b in chapter.blocks]
    figure_codes = {
        c for code, _title, codes in CHAPTERS if code not in OPTIONAL_CHAPTERS for c in codes
    }
    assert figure_codes <= {t.code for t in tables}
    for table in tables:
        if table.code.startswith(OPTIONAL_CHAPTERS):
            continue
        raw = raw_by_key(expected, table.code)
        keys = [row.key for row in table.rows]
        assert set(raw) <= set(keys), table.code
        additive = table.total_row is not None
        protected = suppress_vector([raw.get(k, 0) for k in keys], total=additive)
        for i, row in enumerate(table.rows):
            assert row.values[0] == protected.cell(i, 0), (table.code, row.key)
            if row.values[0] is not None:
                assert row.values[0] == raw.get(row.key, 0)
        if additive:
            assert table.total_row.values[0] == protected.col_total(0)


@pytest.mark.parametrize("year", YEARS)
def test_the_report_trend_routes_and_durations_equal_the_raw_rows(run, year):
    report = annual_report(run, year)
    expected = all_figures(Filter(years=(year - TREND_YEARS + 1, year)))
    cases_trend, victims_trend = (block.table for block in report["trend"])
    for table, code in ((cases_trend, "cases_total"), (victims_trend, "victims_total")):
        for row in table.rows:
            raw = expected[code].get((int(row.key), ""), 0)
            assert row.values[0] == (None if 0 < raw < THRESHOLD else raw)
    this_year = all_figures(Filter(years=(year, year)))
    routes = raw_by_key(this_year, "victims_routes")
    for row in report["routes"].rows:
        assert row.values[0] is None or row.values[0] == routes[row.key]
        if routes[row.key] >= THRESHOLD:
            assert row.values[0] == routes[row.key]
    durations = this_year["_durations"]
    for row in report["durations"].rows:
        values = [d for (y, c), ds in durations.items() if c == row.key for d in ds]
        n, shown_median = row.values
        assert n == (None if 0 < len(values) < THRESHOLD else len(values))
        assert shown_median == (protect_median(median(values), len(values)) if n is not None else None)


@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize("protect", [False, True])
def test_national_plan_indicators_equal_the_raw_rows(run, year, protect):
    e = all_figures(Filter(years=(year, year)))
    cases = sum(e["cases_total"].values())
    victims = sum(e["victims_total"].values())
    by = {code: raw_by_key(e, code) for code in e if not code.startswith("_")}
    durations = [d for (_y, c), ds in e["_durations"].items() if c == "complaint_sentence" for d in ds]

    def count(v):
        return None if protect and 0 < v < THRESHOLD else v

    def share(part, whole):
        if protect:
            return protect_share(part, whole)
        return 100.0 * part / whole if whole else None

    foreign = sum(v for k, v in by["victims_by_nationality"].items() if k and k != "PE")
    convictions = all_figures(Filter())["convictions_by_year"].get((year, ""), 0)
    convicted = all_figures(Filter())["convicted_persons_by_year"].get((year, ""), 0)
    expected = {
        "PN-01": count(cases),
        "PN-02": count(victims),
        "PN-03": share(by["victims_by_minor"].get("minor", 0), victims),
        "PN-04": share(by["victims_by_sex"].get("female", 0), victims),
        "PN-05": share(foreign, victims),
        "PN-06": share(by["cases_by_status"].get("archived", 0), cases),
        "PN-07": share(by["attrition"].get("formalised", 0), cases),
        "PN-08": count(by["attrition"].get("conviction", 0)),
        "PN-09": count(convictions),
        "PN-10": count(convicted),
        "PN-11": protect_median(median(durations), len(durations)) if protect else median(durations),
    }
    got = {i.code: i.value for i in national_plan_indicators(run, year, protect=protect)}
    for code, value in expected.items():
        assert got[code] == (pytest.approx(value) if isinstance(value, float) else value), code


def test_the_pdf_report_has_several_pages(run):
    from django.template.loader import render_to_string
    from weasyprint import HTML

    context = annual_report(run, 2023)
    pdf = render_pdf(context)
    assert pdf.startswith(b"%PDF") and pdf.rstrip().endswith(b"%%EOF")
    document = HTML(string=render_to_string("stats/report_annual_print.html", context)).render()
    assert len(document.pages) >= 3
