"""Disclosure control for everything SISTRA publishes: small-cell suppression with complementary suppression,
differentially private counts (OpenDP), and k-anonymity for victim-level records (CTDC).

Suppression works on the table *with its margins* (row totals, column totals, grand total): an (R+1)×(C+1)
grid in which every row and every column is one linear equation (the last cell is the sum of the others).
A margin that is not published is simply one more unknown. A suppressed cell is safe when the published
numbers admit another non-negative table that differs in that cell; `find_witness` searches for one along
alternating cycles of suppressed cells, which is complete for tables of counts (every feasible change of a
2-D table with margins decomposes into such cycles)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings

# Cells 1..THRESHOLD-1 are never published (0 may be). CTDC: "no published cell under 10".
THRESHOLD: int = getattr(settings, "STATS_SMALL_CELL_THRESHOLD", 10)
# CTDC publishes victim-level data k-anonymised with k = 11.
CTDC_K: int = getattr(settings, "STATS_CTDC_K", 11)
SUPPRESSED = "x"
WITNESS_SEARCH_LIMIT = 200_000

Cell = tuple[int, int]


@dataclass
class SuppressedTable:
    """A table after suppression. `values` is the full grid with margins (row R holds the column totals,
    column C the row totals, [R][C] the grand total); `hidden` the cells not published (suppressed, or a
    margin the table does not publish)."""

    values: list[list[int]]
    hidden: set[Cell]
    unpublished: set[Cell] = field(default_factory=set)
    primary: set[Cell] = field(default_factory=set)

    @property
    def n_rows(self) -> int:
        return len(self.values) - 1

    @property
    def n_cols(self) -> int:
        return len(self.values[0]) - 1 if self.values else 0

    @property
    def suppressed(self) -> set[Cell]:
        return self.hidden - self.unpublished

    @property
    def complementary(self) -> set[Cell]:
        return self.suppressed - self.primary

    def get(self, i: int, j: int) -> int | None:
        return None if (i, j) in self.hidden else self.values[i][j]

    def cell(self, i: int, j: int) -> int | None:
        return self.get(i, j)

    def row_total(self, i: int) -> int | None:
        return self.get(i, self.n_cols)

    def col_total(self, j: int) -> int | None:
        return self.get(self.n_rows, j)

    def grand_total(self) -> int | None:
        return self.get(self.n_rows, self.n_cols)

    def published_grid(self) -> list[list[int | None]]:
        return [[self.get(i, j) for j in range(self.n_cols + 1)] for i in range(self.n_rows + 1)]

    def is_published(self, i: int, j: int) -> bool:
        return (i, j) not in self.unpublished


def extend(cells: Sequence[Sequence[int]]) -> list[list[int]]:
    """The grid with its margins."""
    rows = [list(map(int, row)) + [sum(row)] for row in cells]
    n_cols = len(rows[0]) if rows else 1
    totals = [sum(row[j] for row in rows) for j in range(n_cols)]
    return rows + [totals]


MARGIN_COST = 10**9


def _cost(values, cell: Cell, n_rows: int, n_cols: int) -> int:
    """What hiding a cell costs: its value (a zero costs like a one), and a margin far more than any interior
    cell, because a margin is often published again in another table (see the decision record)."""
    i, j = cell
    return (MARGIN_COST if i == n_rows or j == n_cols else 0) + max(values[i][j], 1)


def suppress_table(
    cells: Sequence[Sequence[int]],
    *,
    threshold: int | None = None,
    row_totals: bool = True,
    col_totals: bool = True,
    force_hidden: set[Cell] | None = None,
) -> SuppressedTable:
    """Primary suppression of every published cell (margins included) in 1..threshold-1, then complementary
    suppression until every suppressed cell has a witness: another non-negative table consistent with all
    that is published, differing in that cell. Each unprotected cell is completed with the cheapest
    rectangle of cells (the smallest values, interior before margins) that protects it."""
    threshold = THRESHOLD if threshold is None else threshold
    values = extend(cells) if cells else [[0]]
    n_rows, n_cols = len(values) - 1, len(values[0]) - 1
    unpublished: set[Cell] = set()
    if not row_totals:
        unpublished |= {(i, n_cols) for i in range(n_rows)}
    if not col_totals:
        unpublished |= {(n_rows, j) for j in range(n_cols)}
    if not row_totals and not col_totals:
        unpublished.add((n_rows, n_cols))
    primary = {
        (i, j)
        for i in range(n_rows + 1)
        for j in range(n_cols + 1)
        if (i, j) not in unpublished and 0 < values[i][j] < threshold
    }
    hidden = set(unpublished) | primary | (set(force_hidden or ()) - unpublished)
    everything = {(i, j) for i in range(n_rows + 1) for j in range(n_cols + 1)}
    while True:
        weak = next(
            (
                c
                for c in sorted(hidden - unpublished, key=lambda c: (c not in primary, c))
                if find_witness(values, hidden, c) is None
            ),
            None,
        )
        if weak is None:
            break
        addition = _cheapest_rectangle(values, hidden, weak, n_rows, n_cols)
        if addition is None:
            # no rectangle protects it alone: hide the cheapest cell on its lines and look again
            lines = [c for c in everything - hidden if c[0] == weak[0] or c[1] == weak[1]]
            rest = lines or sorted(everything - hidden)
            if not rest:
                break
            addition = {min(rest, key=lambda c: (_cost(values, c, n_rows, n_cols), c))}
        hidden |= addition
    return SuppressedTable(values=values, hidden=hidden, unpublished=unpublished, primary=primary)


def _cheapest_rectangle(
    values, hidden: set[Cell], target: Cell, n_rows: int, n_cols: int
) -> set[Cell] | None:
    ti, tj = target
    best: tuple | None = None
    for i in range(n_rows + 1):
        if i == ti:
            continue
        for j in range(n_cols + 1):
            if j == tj:
                continue
            corners = [(ti, j), (i, tj), (i, j)]
            new = [c for c in corners if c not in hidden]
            if not _rectangle_feasible(values, [target, *corners], n_rows, n_cols):
                continue
            cost = (sum(_cost(values, c, n_rows, n_cols) for c in new), len(new), i, j)
            if best is None or cost < best[0]:
                best = (cost, set(new))
    return best[1] if best else None


def _rectangle_feasible(values, corners: list[Cell], n_rows: int, n_cols: int) -> bool:
    (a, b, c, d) = corners  # target, same row, same column, opposite
    signs = {a: 1, b: -1, c: -1, d: 1}
    for direction in (1, -1):
        ok = True
        for cell, y in signs.items():
            s = (-1 if cell[0] == n_rows else 1) * (-1 if cell[1] == n_cols else 1)
            if values[cell[0]][cell[1]] + direction * y * s < 0:
                ok = False
                break
        if ok:
            return True
    return False


def suppress_sharing_totals(
    tables: Sequence[Sequence[Sequence[int]]], *, threshold: int | None = None, row_totals: bool = True
) -> list[SuppressedTable]:
    """Tables with the same columns (years) publish the same column totals: a total hidden in one must be
    hidden in all, or the other tables would give it away. Repeat until the hidden totals agree."""
    shared: set[int] = set()
    while True:
        results = []
        for cells in tables:
            n_rows = len(cells)
            n_cols = len(cells[0]) if cells else 0
            force = {(n_rows, j) for j in shared if j <= n_cols}
            results.append(
                suppress_table(cells, threshold=threshold, row_totals=row_totals, force_hidden=force)
            )
        hidden_totals = {j for t in results for (i, j) in t.hidden if i == t.n_rows}
        if hidden_totals <= shared:
            return results
        shared |= hidden_totals


def protect_columns(
    tables: Sequence[Sequence[Sequence[int]]], *, threshold: int | None = None, totals: bool = True
) -> list[SuppressedTable]:
    """Suppression for release tables of categories × years that publish, at most, their yearly totals (no
    period totals per category), where the tables of one group count the same population and so share their
    yearly totals. Each year is then one equation, and a hidden cell can be anything between 0 and the sum of
    the hidden cells of its year. So:

    - primary: every cell and total under the threshold, **zeros included** (a zero must look like a small
      count, or the «x» next to it is one);
    - complementary: in a year with hidden cells and a published total, hide the smallest published cells
      until at least two are hidden and together they hold at least `threshold` — then every hidden cell
      ranges over an interval at least `threshold` wide (0 … their sum), whatever else is published;
    - a total hidden in one table is hidden in all (it is the same number), and a year with a hidden total
      publishes none of its cells under the threshold (they are all ≤ the total).

    Without totals (`totals=False`: categories that overlap) each hidden cell is unbounded and only the
    primary rule applies."""
    threshold = THRESHOLD if threshold is None else threshold
    grids = [extend(cells) if cells else [[0]] for cells in tables]
    n_years = max((len(g[0]) - 1 for g in grids), default=0)
    hidden_totals = set()
    if totals:
        for grid in grids:
            last = len(grid) - 1
            hidden_totals |= {j for j in range(len(grid[0]) - 1) if grid[last][j] < threshold}
    results = []
    for grid in grids:
        n_rows, n_cols = len(grid) - 1, len(grid[0]) - 1
        unpublished = {(i, n_cols) for i in range(n_rows + 1)}
        if not totals:
            unpublished |= {(n_rows, j) for j in range(n_cols)}
        primary = {(i, j) for i in range(n_rows) for j in range(n_cols) if grid[i][j] < threshold}
        primary |= {(n_rows, j) for j in hidden_totals if j < n_cols}
        hidden = set(unpublished) | primary
        for j in range(min(n_cols, n_years)):
            if not totals or (n_rows, j) in hidden:
                continue
            column = [i for i in range(n_rows) if (i, j) in hidden]
            if not column:
                continue
            shown = sorted((grid[i][j], i) for i in range(n_rows) if (i, j) not in hidden)
            while len(column) < 2 or sum(grid[i][j] for i in column) < threshold:
                if not shown:  # cannot happen when the total ≥ threshold is published; hide it anyway
                    hidden.add((n_rows, j))
                    break
                _, i = shown.pop(0)
                hidden.add((i, j))
                column.append(i)
        results.append(SuppressedTable(values=grid, hidden=hidden, unpublished=unpublished, primary=primary))
    return results


def find_witness(values: list[list[int]], hidden: set[Cell], target: Cell) -> dict[Cell, int] | None:
    """A change (cell → +1/-1) of hidden cells only, keeping every row and column equation and every count
    non-negative, that changes `target`; None if there is none (the target could be recovered)."""
    search = _CycleSearch(values, hidden, target)
    for direction in (1, -1):
        found = search.run(direction)
        if found is not None:
            return found
    return None


class _CycleSearch:
    """Depth-first search for an alternating cycle of hidden cells through the target: rows and columns are
    nodes, hidden cells are edges, and the change alternates +1/-1 along the cycle (in the margins' signs)."""

    def __init__(self, values: list[list[int]], hidden: set[Cell], target: Cell) -> None:
        self.values = values
        self.n_rows, self.n_cols = len(values) - 1, len(values[0]) - 1
        self.target = target
        self.by_row: dict[int, list[Cell]] = {}
        self.by_col: dict[int, list[Cell]] = {}
        for cell in sorted(hidden):
            self.by_row.setdefault(cell[0], []).append(cell)
            self.by_col.setdefault(cell[1], []).append(cell)
        self.budget = WITNESS_SEARCH_LIMIT

    def sign(self, cell: Cell) -> int:  # margins enter their equation with the opposite sign
        return (-1 if cell[0] == self.n_rows else 1) * (-1 if cell[1] == self.n_cols else 1)

    def fits(self, cell: Cell, change: int) -> bool:
        return self.values[cell[0]][cell[1]] + change >= 0

    def run(self, direction: int) -> dict[Cell, int] | None:
        first = direction * self.sign(self.target)
        if not self.fits(self.target, first):
            return None
        self.direction = direction
        self.path: list[tuple[Cell, int]] = [(self.target, first)]
        self.used_rows, self.used_cols = {self.target[0]}, {self.target[1]}
        return dict(self.path) if self._from_column(self.target[1]) else None

    def _from_column(self, col: int) -> bool:
        """Standing on a column reached by a +1 edge: leave by a -1 edge to a row, then by a +1 edge."""
        self.budget -= 1
        if self.budget < 0:
            return False
        for cell in self.by_col.get(col, ()):
            if cell == self.target:
                continue
            row = cell[0]
            change = -self.sign(cell) * self.direction
            if not self.fits(cell, change):
                continue
            if row == self.target[0]:
                self.path.append((cell, change))
                return True
            if row in self.used_rows:
                continue
            self.used_rows.add(row)
            self.path.append((cell, change))
            for cell2 in self.by_row.get(row, ()):
                col2 = cell2[1]
                if cell2 == cell or col2 in self.used_cols:
                    continue
                change2 = self.sign(cell2) * self.direction
                if not self.fits(cell2, change2):
                    continue
                self.used_cols.add(col2)
                self.path.append((cell2, change2))
                if self._from_column(col2):
                    return True
                self.path.pop()
                self.used_cols.discard(col2)
            self.path.pop()
            self.used_rows.discard(row)
        return False


def alternative_table(table: SuppressedTable, target: Cell) -> list[list[int]] | None:
    """Another grid consistent with everything `table` publishes, differing at `target` (for audits)."""
    witness = find_witness(table.values, table.hidden, target)
    if witness is None:
        return None
    grid = [row[:] for row in table.values]
    for (i, j), d in witness.items():
        grid[i][j] += d
    return grid


def suppress_vector(
    values: Sequence[int], *, threshold: int | None = None, total: bool = True
) -> SuppressedTable:
    """A one-column table (categories → counts) with, optionally, its total."""
    return suppress_table([[v] for v in values], threshold=threshold, row_totals=False, col_totals=total)


def protect_share(
    numerator: int | None, denominator: int | None, *, threshold: int | None = None
) -> float | None:
    """A percentage, or None when it would reveal a small count (the part, the rest or the whole)."""
    threshold = THRESHOLD if threshold is None else threshold
    if numerator is None or denominator is None or denominator <= 0:
        return None
    for count in (numerator, denominator - numerator, denominator):
        if 0 < count < threshold:
            return None
    return 100.0 * numerator / denominator


def protect_median(median: float | None, n: int, *, threshold: int | None = None) -> float | None:
    threshold = THRESHOLD if threshold is None else threshold
    return None if median is None or n < threshold else median


# --- differential privacy -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoisyCounts:
    values: list[int]
    epsilon: float
    sensitivity: int
    scale: float
    mechanism: str = "laplace (discrete, OpenDP make_laplace on integers)"


def dp_counts(counts: Sequence[int], *, epsilon: float, sensitivity: int = 1) -> NoisyCounts:
    """Counts with discrete Laplace noise of scale sensitivity/ε (ε-differential privacy when one person
    changes the vector by at most `sensitivity` in L1 norm). Negative results are clamped to 0, which is
    post-processing and costs no privacy."""
    import opendp.prelude as dp

    if epsilon <= 0 or not math.isfinite(epsilon):
        raise ValueError("epsilon must be positive")
    dp.enable_features("contrib")
    scale = sensitivity / epsilon
    space = dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int)
    measurement = dp.m.make_laplace(*space, scale=scale)
    # the budget the library certifies for this sensitivity must be within what was asked
    spent = measurement.map(sensitivity)
    if spent > epsilon * (1 + 1e-9):
        raise ValueError(f"mechanism spends {spent} > {epsilon}")
    noisy = measurement([int(c) for c in counts])
    return NoisyCounts(
        values=[max(0, int(v)) for v in noisy], epsilon=float(spent), sensitivity=sensitivity, scale=scale
    )


@dataclass(frozen=True)
class NoisyPartition:
    """A categories × years table of noisy counts made consistent: every value a non-negative integer, and
    the yearly totals (`totals`) the sums of the cells."""

    grid: list[list[int]]
    totals: list[int]
    epsilon: float
    sensitivity: int
    scale: float
    mechanism: str = (
        "laplace (discrete) on a b-ary tree per year, OpenDP make_b_ary_tree + make_consistent_b_ary_tree"
    )


def dp_partition_by_year(grid: Sequence[Sequence[int]], *, epsilon: float) -> NoisyPartition:
    """Noisy counts of a table whose categories are a partition of the persons of each year, each person in
    one year only (so the years compose in parallel and the table costs ε once). Per year, OpenDP builds the
    two-level tree (the year's total over its categories), adds discrete Laplace noise to every node — the
    library certifies ε for one person, who changes one node per level — and makes the tree consistent by
    least squares (`make_consistent_b_ary_tree`). Rounding to non-negative integers and taking the totals as
    the sums of the rounded cells is post-processing: it costs no privacy."""
    import opendp.prelude as dp

    if epsilon <= 0 or not math.isfinite(epsilon):
        raise ValueError("epsilon must be positive")
    dp.enable_features("contrib")
    n_cats = len(grid)
    n_years = len(grid[0]) if grid else 0
    if n_cats == 0:
        return NoisyPartition(grid=[], totals=[0] * n_years, epsilon=epsilon, sensitivity=1, scale=0.0)
    branching = max(n_cats, 2)
    levels = 2
    scale = levels / epsilon
    space = dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int)
    tree = dp.t.make_b_ary_tree(*space, leaf_count=branching, branching_factor=branching)
    measurement = tree >> dp.m.then_laplace(scale=scale)
    spent = measurement.map(1)
    if spent > epsilon * (1 + 1e-9):
        raise ValueError(f"mechanism spends {spent} > {epsilon}")
    consistent = dp.t.make_consistent_b_ary_tree(branching_factor=branching)
    out = [[0] * n_years for _ in range(n_cats)]
    for j in range(n_years):
        leaves = [int(grid[i][j]) for i in range(n_cats)] + [0] * (branching - n_cats)
        estimate = consistent(measurement(leaves))
        for i in range(n_cats):
            out[i][j] = max(0, round(estimate[i]))
    totals = [sum(out[i][j] for i in range(n_cats)) for j in range(n_years)]
    return NoisyPartition(grid=out, totals=totals, epsilon=float(spent), sensitivity=1, scale=scale)


# --- k-anonymity --------------------------------------------------------------------------------------------


def k_anonymise(
    records: list[dict],
    *,
    quasi_identifiers: Sequence[str],
    ladder: Sequence[str],
    k: int | None = None,
    blank: str = "",
) -> tuple[list[dict], dict]:
    """Generalise, then suppress, so that every combination of quasi-identifier values occurs ≥ k times.

    `ladder` lists quasi-identifiers in the order they may be blanked (local recoding: only the records in
    classes smaller than k lose the value). Records still in a class smaller than k at the end are dropped.
    Returns the records (copies) and a report of what was done."""
    k = CTDC_K if k is None else k
    rows = [dict(r) for r in records]
    report: dict = {"input": len(rows), "generalised": {}, "suppressed": 0, "k": k}

    def key(r):
        return tuple(r.get(q, blank) for q in quasi_identifiers)

    for attribute in ladder:
        sizes = Counter(key(r) for r in rows)
        changed = 0
        for r in rows:
            if sizes[key(r)] < k and r.get(attribute, blank) != blank:
                r[attribute] = blank
                changed += 1
        report["generalised"][attribute] = changed
    sizes = Counter(key(r) for r in rows)
    kept = [r for r in rows if sizes[key(r)] >= k]
    report["suppressed"] = len(rows) - len(kept)
    report["output"] = len(kept)
    return kept, report
