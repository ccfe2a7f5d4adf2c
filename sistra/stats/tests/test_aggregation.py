"""Every figure, for no filter, for each single filter and for combinations of filters (all stored cells),
equals the same figure recomputed from the raw registry rows."""

import pytest

from sistra.stats.aggregation import current_run, refresh_aggregates
from sistra.stats.models import AggregateCell, AggregateRun, FactCase, FactVictim
from sistra.stats.selectors import StatsFilters, available_years, load_figures
from sistra.stats.sources.cases import FIGURES

from .oracle import Filter, all_figures, median

CASE_FIGURES = [f.code for f in FIGURES]


def compare(run, stats_filters: StatsFilters, oracle_filter: Filter):
    expected = all_figures(oracle_filter)
    got = load_figures(run, stats_filters, CASE_FIGURES)
    for code in CASE_FIGURES:
        want = {k: v for k, v in expected.get(code, {}).items() if v}
        have = {k: v for k, v in got[code].cells.items() if v}
        assert have == want, code
    durations = expected["_durations"]
    data = got["stage_durations"]
    for code in {c for _y, c in durations}:
        values = [d for (y, c), ds in durations.items() if c == code for d in ds]
        assert data.median(code) == median(values), code
        assert data.total(code) == len(values), code


def test_national_figures_equal_the_raw_rows(run):
    compare(run, StatsFilters(), Filter())


def test_figures_for_a_period_equal_the_raw_rows(run):
    compare(run, StatsFilters(year_from=2022, year_to=2023), Filter(years=(2022, 2023)))


@pytest.mark.parametrize(
    "dimension,value",
    [
        ("dept", "17"),
        ("dept", "21"),
        ("dept", "15"),
        ("df", "cusco"),
        ("df", "madre-de-dios"),
        ("agency", "fiscalia-lima"),
        ("form", "sexual_exploitation"),
        ("form", "forced_labour"),
    ],
)
def test_figures_with_one_filter_equal_the_raw_rows(run, dimension, value):
    filters = StatsFilters(**{dimension: value})
    assert filters.scope() == (dimension, value)
    compare(run, filters, Filter(**{dimension: value}))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"dept": "17", "form": "sexual_exploitation"},
        {"df": "cusco", "agency": "fiscalia-cusco"},
        {"dept": "15", "df": "lima-centro", "form": "forced_labour"},
        {"agency": "fiscalia-lima", "form": "servitude"},
    ],
)
def test_figures_with_several_filters_equal_the_raw_rows(run, kwargs):
    filters = StatsFilters(year_from=2015, year_to=2026, **kwargs)
    assert "+" in filters.scope()[0]
    compare(run, filters, Filter(years=(2015, 2026), **kwargs))


def test_the_handmade_cases_give_the_expected_numbers(handmade):
    run = refresh_aggregates()
    f = load_figures(
        run,
        StatsFilters(),
        [
            "victims_total",
            "victims_by_form",
            "victims_routes",
            "attrition",
            "defendants_by_outcome",
            "cases_by_outcome",
            "victims_by_minor",
            "stage_durations",
            "victims_by_exploitation_dept",
        ],
    )
    assert f["victims_total"].total() == 4
    # the girl counts under both forms; the total stays 4
    assert f["victims_by_form"].totals() == {
        "sexual_exploitation": 1,
        "forced_labour": 2,
        "servitude": 1,
        "none": 1,
    }
    assert f["victims_by_exploitation_dept"].totals() == {"17": 2, "21": 2, "ext:CL": 1, "none": 1}
    assert f["victims_routes"].totals() == {"08>17": 2, "08>21": 2, "15>ext:CL": 1}
    assert f["attrition"].totals() == {
        "complaint": 3,
        "formalised": 1,
        "accusation": 1,
        "trial": 1,
        "sentence": 1,
        "conviction": 1,
    }
    assert f["defendants_by_outcome"].totals() == {"convicted": 1, "acquitted": 1, "pending": 1}
    assert f["cases_by_outcome"].totals() == {"convicted": 1, "archived": 1, "pending": 1}
    assert f["victims_by_minor"].totals() == {"minor": 1, "adult": 3}
    # 10/03/2022 → 30/09/2023
    assert f["stage_durations"].median("complaint_sentence") == 569


def test_a_refresh_replaces_the_previous_snapshot(handmade, prosecutor):
    first = refresh_aggregates()
    second = refresh_aggregates()
    assert current_run() == second
    assert not AggregateCell.objects.filter(run=first).exists()
    assert not FactVictim.objects.filter(run_id=first.pk).exists()
    assert not AggregateRun.objects.filter(pk=first.pk).exists()
    assert FactCase.objects.filter(run=second).count() == 3
    assert second.counts["fact_victims"] == 4
    assert second.status == AggregateRun.Status.DONE and second.finished_at >= second.started_at


def test_a_failed_refresh_keeps_the_last_good_snapshot(handmade, monkeypatch):
    good = refresh_aggregates()
    from sistra.stats.sources import cases as cases_source

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(cases_source, "compute_cells", boom)
    with pytest.raises(RuntimeError):
        refresh_aggregates()
    assert current_run() == good
    failed = AggregateRun.objects.get(status=AggregateRun.Status.FAILED)
    assert failed.error == "RuntimeError"
    assert not FactVictim.objects.filter(run_id=failed.pk).exists()


def test_without_a_refresh_there_are_no_figures(db):
    assert current_run() is None
    data = load_figures(None, StatsFilters(), ["victims_total"])
    assert data["victims_total"].cells == {}
    assert available_years(None) == []


def test_the_facts_hold_no_identity(run, handmade):
    names = {"Ana", "Rosa", "Yelitza", "Pedro", "Juan", "Luis", "Raúl"}
    fields = {f.name for f in FactVictim._meta.get_fields()}
    assert not fields & {"first_names", "last_name_paternal", "date_of_birth", "documents"}
    for row in FactVictim.objects.values():
        assert not set(map(str, row.values())) & names


def test_figures_that_cannot_be_cut_by_a_filter_say_so(run):
    data = load_figures(run, StatsFilters(df="cusco"), ["hotline_contacts_total"])
    assert data["hotline_contacts_total"].available is False
