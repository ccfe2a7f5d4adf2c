"""An attacker who holds only what an open-data release publishes (its CSV tables and metadata.json) and tries
to recover the cells it hides, by linear programming over everything published at once.

Model (the strongest we can state linearly):
- one unknown per cell of every table, and one per yearly total of every table that publishes a "Total" row;
- a published number is an equality; a hidden cell ("x") is only known to be ≥ 0 (a hidden cell may be a
  zero, a small count or a complementary suppression: the attacker cannot tell which);
- a table with a "Total" row: its cells add up to its total in every year;
- tables that count the same unit (the prefix of their code: `cases_`, `victims_`) share their yearly totals,
  as the counts of one population cut two ways do;
- a differentially private table is taken at face value (the attacker is given the noise: its published
  values are exact for the noisy table, which is the worst case for the noisy table's hidden cells), and tied
  to the exact table of the same code (if the release publishes one) within the noise bound w of its
  mechanism (95 % of discrete Laplace noise is within w = scale · ln 20): the exact cell lies in
  [noisy − w, noisy + w]; a noisy «0» says the exact cell is ≤ w; a noisy «x» says it is ≤ threshold − 1 + w.
  Persons (noisy tables) are not victim records (exact tables), so if these ties make the system infeasible
  only their lower bounds (noisy − w ≤ exact) are kept.

For every hidden cell the attacker minimises and maximises it (HiGHS through scipy.optimize.linprog). A cell
is *pinned* when the interval is narrower than the release's threshold. The LP relaxation gives an interval
at least as wide as the integer one; the constraint matrices here are network matrices (sums over rows of
tables), whose vertices are integral, so the two agree.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, field

SUPPRESSED = "x"


@dataclass
class PublishedTable:
    code: str
    method: str  # "suppression" | "dp"
    years: list[str]
    rows: dict[str, list[int | None]]  # category → values per year (None: hidden)
    totals: list[int | None] | None  # the "Total" row, when published
    scale: float = 0.0

    @property
    def unit(self) -> str:
        # each noisy table has its own noise, hence its own totals
        return self.code if self.method == "dp" else self.code.split("_", 1)[0]


@dataclass
class Finding:
    table: str
    category: str
    year: str
    low: float
    high: float

    @property
    def width(self) -> float:
        return self.high - self.low


@dataclass
class AttackResult:
    threshold: int
    findings: list[Finding] = field(default_factory=list)
    dp_ties: str = "none"  # "both" | "lower" | "none": which DP ↔ exact ties the model could use

    @property
    def pinned(self) -> list[Finding]:
        return [f for f in self.findings if f.width < self.threshold]


def _value(text: str) -> int | None:
    text = text.strip()
    return None if text == SUPPRESSED else int(text)


def read_release(files: dict[str, bytes]) -> tuple[dict, list[PublishedTable]]:
    metadata = json.loads(files["metadata.json"])
    tables = []
    for info in metadata["tables"]:
        if info["method"] not in ("suppression", "dp"):
            continue
        rows_ = list(csv.reader(io.StringIO(files[info["file"]].decode("utf-8-sig"))))
        header, body = rows_[0], rows_[1:]
        years = header[2:]
        rows: dict[str, list[int | None]] = {}
        totals = None
        for row in body:
            if row[0] == "" and row[1] in ("Total", "total"):
                totals = [_value(v) for v in row[2:]]
            else:
                rows[row[0]] = [_value(v) for v in row[2:]]
        tables.append(
            PublishedTable(
                code=info["code"],
                method=info["method"],
                years=years,
                rows=rows,
                totals=totals,
                scale=float(info.get("scale") or 0.0),
            )
        )
    return metadata, tables


def attack(files: dict[str, bytes]) -> AttackResult:
    metadata, tables = read_release(files)
    threshold = int(metadata["threshold"])
    result = AttackResult(threshold=threshold)
    for ties in ("both", "lower", "none"):
        model = _Model(tables, threshold, ties)
        findings = model.solve()
        if findings is not None:
            result.findings, result.dp_ties = findings, ties
            return result
    raise AssertionError("the published numbers contradict themselves")


class _Model:
    def __init__(self, tables: list[PublishedTable], threshold: int, ties: str) -> None:
        self.index: dict[tuple, int] = {}
        self.lower: list[float] = []
        self.upper: list[float | None] = []
        self.eq: list[tuple[dict[int, float], float]] = []
        self.le: list[tuple[dict[int, float], float]] = []
        self.hidden: list[tuple[PublishedTable, str, int]] = []
        shared_totals: dict[tuple[str, str], int] = {}
        exact = {t.code: t for t in tables if t.method != "dp"}
        for table in tables:
            for category, values in table.rows.items():
                for j, value in enumerate(values):
                    self._var((table.code, category, j), value)
                    if value is None:
                        self.hidden.append((table, category, j))
            if table.totals is None:
                continue
            for j, value in enumerate(table.totals):
                key = (table.unit, table.years[j])
                if key not in shared_totals:
                    shared_totals[key] = self._var(("total", table.unit, table.years[j]), value)
                total = shared_totals[key]
                if value is not None:
                    self.eq.append(({total: 1.0}, float(value)))
                row = {self.index[(table.code, c, j)]: 1.0 for c in table.rows}
                row[total] = row.get(total, 0.0) - 1.0
                self.eq.append((row, 0.0))
        if ties == "none":
            return
        for table in tables:
            twin = exact.get(table.code.removeprefix("dp_")) if table.method == "dp" else None
            if twin is None:
                continue
            w = math.ceil(table.scale * math.log(20))
            for category, values in table.rows.items():
                if category not in twin.rows:
                    continue
                for j, noisy in enumerate(values):
                    if j >= len(twin.years) or twin.years[j] != table.years[j]:
                        continue
                    e = self.index[(twin.code, category, j)]
                    if noisy is None:
                        high, low = threshold - 1 + w, None
                    elif noisy == 0:
                        high, low = w, None
                    else:
                        high, low = noisy + w, noisy - w
                    if low is not None:
                        self.le.append(({e: -1.0}, -float(low)))
                    if ties == "both":
                        self.le.append(({e: 1.0}, float(high)))

    def _var(self, key: tuple, value: int | None) -> int:
        i = len(self.lower)
        self.index[key] = i
        if value is None:
            self.lower.append(0.0)
            self.upper.append(None)
        else:
            self.lower.append(float(value))
            self.upper.append(float(value))
        return i

    def solve(self) -> list[Finding] | None:
        from scipy.optimize import linprog
        from scipy.sparse import lil_matrix

        n = len(self.lower)

        def matrix(rows):
            if not rows:
                return None, None
            a = lil_matrix((len(rows), n))
            for r, (coefs, _) in enumerate(rows):
                for i, c in coefs.items():
                    a[r, i] = c
            return a.tocsr(), [b for _, b in rows]

        a_eq, b_eq = matrix(self.eq)
        a_ub, b_ub = matrix(self.le)
        bounds = list(zip(self.lower, self.upper, strict=True))
        findings = []
        for table, category, j in self.hidden:
            i = self.index[(table.code, category, j)]
            ends = []
            for sign in (1.0, -1.0):
                c = [0.0] * n
                c[i] = sign
                res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
                if res.status == 2:  # infeasible
                    return None
                if res.status == 3:  # unbounded
                    ends.append(math.inf if sign < 0 else -math.inf)
                    continue
                if res.status != 0:
                    raise AssertionError(res.message)
                ends.append(sign * res.fun)
            findings.append(Finding(table.code, category, table.years[j], ends[0], ends[1]))
        return findings
