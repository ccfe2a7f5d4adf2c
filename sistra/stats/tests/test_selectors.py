from collections import Counter

from sistra.stats import dimensions as dim
from sistra.stats.selectors import StatsFilters, median_of


def test_median_of_a_distribution():
    assert median_of(Counter()) is None
    assert median_of(Counter({5: 1})) == 5
    assert median_of(Counter({1: 1, 3: 1})) == 2
    assert median_of(Counter({1: 2, 10: 1})) == 1
    assert median_of(Counter({1: 1, 2: 1, 100: 2})) == 51


def test_filters_name_the_stored_scope_in_a_fixed_order():
    assert StatsFilters().scope() == ("", "")
    assert StatsFilters(year_from=2020, dept="17").scope() == ("dept", "17")
    assert StatsFilters(form="forced_labour", dept="17").scope() == ("dept+form", "17|forced_labour")
    assert StatsFilters(agency="f-1", df="cusco", dept="08", form="other").scope() == (
        "dept+df+agency+form",
        "08|cusco|f-1|other",
    )


def test_a_record_belongs_to_every_combination_of_its_scopes():
    from sistra.stats.sources import scope_combinations

    combos = scope_combinations({"dept": ["08", "17"], "df": ["cusco"]})
    assert sorted(combos) == sorted(
        [
            ("", ""),
            ("dept", "08"),
            ("dept", "17"),
            ("df", "cusco"),
            ("dept+df", "08|cusco"),
            ("dept+df", "17|cusco"),
        ]
    )


def test_filters_become_case_list_parameters():
    f = StatsFilters(year_from=2023, year_to=2023, dept="17", df="cusco", agency="x", form="servitude")
    assert f.case_list_params() == {
        "year": "2023",
        "distrito_fiscal": "cusco",
        "region": "17",
        "exploitation": "servitude",
    }
    assert "year" not in StatsFilters(year_from=2020, year_to=2023).case_list_params()


def test_age_bands_and_masks():
    assert [dim.age_band(a) for a in (None, 0, 11, 12, 17, 18, 49, 50, 90)] == [
        "unknown",
        "0-11",
        "0-11",
        "12-17",
        "12-17",
        "18-24",
        "40-49",
        "50+",
        "50+",
    ]
    mask = dim.mask_of_departments(["17", "08", "99"])
    assert dim.departments_in(mask) == ["08", "17"]
    assert dim.bits_in(dim.mask_of(["b", "c"], ["a", "b", "c"]), ["a", "b", "c"]) == ["b", "c"]


def test_the_age_rule_matches_the_person_model():
    import datetime

    from sistra.people.models import Person

    day = datetime.date(2024, 3, 1)
    for kwargs in (
        {"date_of_birth": datetime.date(2006, 3, 2)},
        {"date_of_birth": datetime.date(2006, 3, 1)},
        {"estimated_age": 20, "age_estimated_on": datetime.date(2020, 1, 1)},
        {"estimated_age": 30},
    ):
        full = {"date_of_birth": None, "estimated_age": None, "age_estimated_on": None, **kwargs}
        assert dim.age_on(day, **full) == Person(**kwargs).age_on(day)
