"""Small-cell suppression, differential privacy and k-anonymity. The property tests check the published
tables from the outside: no published cell under the threshold, at least two unknowns in every row and
column that has one, and for every suppressed cell another non-negative table that agrees with everything
published — verified here independently of the search that found it."""

import itertools
import statistics

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sistra.stats.disclosure import (
    THRESHOLD,
    alternative_table,
    dp_counts,
    k_anonymise,
    protect_median,
    protect_share,
    suppress_sharing_totals,
    suppress_table,
    suppress_vector,
)

# small counts are the interesting ones: most cells in 0..25, a few large
counts = st.one_of(st.integers(0, 12), st.integers(0, 25), st.integers(0, 200))
tables = st.integers(1, 5).flatmap(
    lambda rows: st.integers(1, 5).flatmap(
        lambda cols: st.lists(st.lists(counts, min_size=cols, max_size=cols), min_size=rows, max_size=rows)
    )
)


def published_values(table):
    return {
        (i, j): table.values[i][j]
        for i in range(table.n_rows + 1)
        for j in range(table.n_cols + 1)
        if (i, j) not in table.hidden
    }


def check_equations(grid):
    """Every row and column of the grid adds up to its margin."""
    n_rows, n_cols = len(grid) - 1, len(grid[0]) - 1
    for i in range(n_rows + 1):
        assert sum(grid[i][:n_cols]) == grid[i][n_cols]
    for j in range(n_cols + 1):
        assert sum(grid[i][j] for i in range(n_rows)) == grid[n_rows][j]


def assert_protected(table, threshold=THRESHOLD):
    published = published_values(table)
    # 1. nothing published in 1..threshold-1
    assert all(v == 0 or v >= threshold for v in published.values())
    # 2. every row/column with a suppressed cell has at least two unknowns (suppressed or not published)
    n_rows, n_cols = table.n_rows, table.n_cols
    lines = [[(i, j) for j in range(n_cols + 1)] for i in range(n_rows + 1)]
    lines += [[(i, j) for i in range(n_rows + 1)] for j in range(n_cols + 1)]
    for line in lines:
        unknown = [c for c in line if c in table.hidden]
        if any(c in table.suppressed for c in line):
            assert len(unknown) >= 2, (line, table.hidden)
    # 3. no suppressed cell is determined: an alternative table agrees with all that is published
    for cell in table.suppressed:
        other = alternative_table(table, cell)
        assert other is not None, f"cell {cell} could be recovered"
        check_equations(other)
        assert all(v >= 0 for row in other for v in row)
        assert all(other[i][j] == v for (i, j), v in published.items())
        assert other[cell[0]][cell[1]] != table.values[cell[0]][cell[1]]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables)
def test_no_published_table_has_a_small_cell_or_a_recoverable_one(cells):
    assert_protected(suppress_table(cells))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables, st.booleans(), st.booleans())
def test_protection_holds_when_some_margins_are_not_published(cells, row_totals, col_totals):
    table = suppress_table(cells, row_totals=row_totals, col_totals=col_totals)
    assert_protected(table)
    if not row_totals:
        assert all(table.row_total(i) is None for i in range(table.n_rows))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(counts, min_size=1, max_size=12), st.booleans())
def test_vectors_are_protected(values, total):
    assert_protected(suppress_vector(values, total=total))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(2, 4).flatmap(
        lambda cols: st.lists(
            st.lists(st.lists(counts, min_size=cols, max_size=cols), min_size=1, max_size=4),
            min_size=2,
            max_size=3,
        )
    )
)
def test_tables_sharing_yearly_totals_hide_the_same_totals(group):
    results = suppress_sharing_totals(group, row_totals=False)
    hidden_totals = [{j for (i, j) in t.hidden if i == t.n_rows} for t in results]
    assert all(h == hidden_totals[0] for h in hidden_totals)
    for table in results:
        assert_protected(table)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(1, 3).flatmap(
        lambda rows: st.integers(1, 3).flatmap(
            lambda cols: st.lists(
                st.lists(st.integers(0, 12), min_size=cols, max_size=cols), min_size=rows, max_size=rows
            )
        )
    )
)
def test_brute_force_finds_every_suppressed_cell_ambiguous(cells):
    """An exhaustive check on tiny tables, sharing no code with the suppression: enumerate every
    non-negative table matching the published numbers and see each suppressed cell take two values."""
    table = suppress_table(cells)
    published = published_values(table)
    n_rows, n_cols = table.n_rows, table.n_cols
    interior_hidden = [(i, j) for (i, j) in sorted(table.hidden) if i < n_rows and j < n_cols]
    bound = max(max(row) for row in table.values) + 2
    seen: dict = {c: set() for c in table.suppressed}
    if bound ** len(interior_hidden) > 100_000:
        return  # too many to enumerate; the witness tests cover these
    for guess in itertools.product(range(bound), repeat=len(interior_hidden)):
        grid = [row[:] for row in table.values]
        for (i, j), v in zip(interior_hidden, guess, strict=True):
            grid[i][j] = v
        for i in range(n_rows):
            grid[i][n_cols] = sum(grid[i][:n_cols])
        for j in range(n_cols + 1):
            grid[n_rows][j] = sum(grid[i][j] for i in range(n_rows))
        if all(grid[i][j] == v for (i, j), v in published.items()):
            for c in seen:
                seen[c].add(grid[c[0]][c[1]])
    for cell, values in seen.items():
        assert len(values) >= 2, (cell, cells)


def test_a_small_cell_is_suppressed_with_its_cheapest_complement():
    table = suppress_table([[3, 20, 15], [12, 40, 0], [25, 11, 30]])
    assert table.primary == {(0, 0)}
    assert table.cell(0, 0) is None
    # the zero and the next smallest cells of its row and column protect it; the totals stay published
    assert table.suppressed == {(0, 0), (0, 2), (1, 0), (1, 2)}
    assert table.grand_total() == 156
    assert table.row_total(0) == 38


def test_zero_cells_are_published_and_large_tables_untouched():
    table = suppress_table([[0, 10], [25, 0]])
    assert table.suppressed == set()
    assert table.published_grid() == [[0, 10, 10], [25, 0, 25], [25, 10, 35]]


def test_a_small_total_is_suppressed_too():
    table = suppress_vector([3, 0, 0])
    assert table.col_total(0) is None
    assert table.cell(0, 0) is None
    assert table.cell(1, 0) == 0


def test_threshold_is_configurable():
    assert suppress_vector([12, 30], threshold=15).cell(0, 0) is None
    assert suppress_vector([12, 30], threshold=10).cell(0, 0) == 12


def test_shares_that_would_reveal_a_small_count_are_withheld():
    assert protect_share(50, 100) == 50.0
    assert protect_share(5, 100) is None  # the part is small
    assert protect_share(95, 100) is None  # the rest is small
    assert protect_share(5, 8) is None  # the whole is small
    assert protect_share(0, 100) == 0.0


def test_medians_of_few_cases_are_withheld():
    assert protect_median(120.0, 9) is None
    assert protect_median(120.0, 10) == 120.0


def test_dp_counts_spend_the_budget_asked_and_add_noise_of_the_right_scale():
    result = dp_counts([100] * 4000, epsilon=0.5, sensitivity=1)
    assert result.epsilon <= 0.5 + 1e-9
    assert result.scale == pytest.approx(2.0)
    errors = [v - 100 for v in result.values]
    # discrete Laplace with scale 2: mean 0, standard deviation about 2.8
    assert abs(statistics.fmean(errors)) < 0.3
    assert 2.0 < statistics.pstdev(errors) < 3.6
    assert any(e != 0 for e in errors)


def test_dp_counts_never_publish_a_negative_count():
    assert min(dp_counts([0] * 500, epsilon=0.1).values) >= 0


def test_dp_sensitivity_scales_the_noise():
    assert dp_counts([10], epsilon=1.0, sensitivity=2).scale == pytest.approx(2.0)


def test_dp_refuses_a_non_positive_epsilon():
    with pytest.raises(ValueError):
        dp_counts([1, 2], epsilon=0)


records = st.lists(
    st.fixed_dictionaries(
        {
            "year": st.sampled_from(["2019", "2020", "2021"]),
            "gender": st.sampled_from(["Female", "Male", ""]),
            "age": st.sampled_from(["9--17", "18--20", "21--23", "48+"]),
            "country": st.sampled_from(["PE", "VE", "CO"]),
            "flag": st.sampled_from(["0", "1"]),
        }
    ),
    max_size=150,
)


@settings(max_examples=100, deadline=None)
@given(records)
def test_k_anonymity_leaves_no_combination_of_quasi_identifiers_under_k(rows):
    qis = ["year", "gender", "age", "country"]
    kept, report = k_anonymise(rows, quasi_identifiers=qis, ladder=["age", "country", "year", "gender"], k=11)
    combos = {}
    for r in kept:
        key = tuple(r[q] for q in qis)
        combos[key] = combos.get(key, 0) + 1
    assert all(n >= 11 for n in combos.values())
    assert report["output"] == len(kept)
    assert report["input"] == len(rows)


def test_k_anonymity_generalises_before_it_suppresses():
    rows = [{"y": "2020", "a": str(n % 3)} for n in range(15)]
    kept, report = k_anonymise(rows, quasi_identifiers=["y", "a"], ladder=["a"], k=11)
    assert len(kept) == 15
    assert {r["a"] for r in kept} == {""}
    assert report["generalised"]["a"] == 15


# --- release tables: one equation per year ------------------------------------------------------------------


def test_release_suppression_hides_zeros_like_small_counts_and_protects_each_year():
    from sistra.stats.disclosure import protect_columns

    grid = [[0, 40, 12], [30, 3, 15], [25, 50, 11]]
    (table,) = protect_columns([grid], threshold=10)
    assert table.get(0, 0) is None  # a zero is hidden like a small count
    assert table.get(1, 1) is None
    for j in range(3):
        hidden = [i for i in range(3) if table.get(i, j) is None]
        if hidden:
            assert len(hidden) >= 2
            assert sum(grid[i][j] for i in hidden) >= 10
    assert table.get(0, 2) == 12 and table.get(1, 2) == 15  # a year with nothing small hides nothing
    assert [table.col_total(j) for j in range(3)] == [55, 93, 38]


def test_release_suppression_hides_a_small_total_in_every_table_of_the_group():
    from sistra.stats.disclosure import protect_columns

    a, b = protect_columns([[[3, 40], [2, 30]], [[5, 69], [0, 1]]], threshold=10)
    assert a.col_total(0) is None and b.col_total(0) is None
    assert a.col_total(1) == 70 and b.col_total(1) == 70


def test_noisy_partition_is_non_negative_and_its_totals_are_the_sums():
    from sistra.stats.disclosure import dp_partition_by_year

    noisy = dp_partition_by_year([[100, 0, 3], [0, 0, 1], [55, 7, 0]], epsilon=0.5)
    assert noisy.epsilon == pytest.approx(0.5)
    assert all(v >= 0 for row in noisy.grid for v in row)
    assert noisy.totals == [sum(row[j] for row in noisy.grid) for j in range(3)]
