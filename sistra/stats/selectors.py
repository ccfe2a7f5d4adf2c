"""Reads of the aggregate tables. A figure for no filter or for one filter (besides the period) is a few
stored cells; a combination of filters is grouped from the source's fact tables. Nothing here reads the raw
registry."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from .aggregation import current_run
from .models import AggregateCell, AggregateRun
from .pagecache import run_cached
from .sources import SCOPES, SOURCES, CellSink, Figure, find_figure, scope_of


@dataclass(frozen=True)
class StatsFilters:
    year_from: int | None = None
    year_to: int | None = None
    dept: str | None = None  # INEI department code of a place of exploitation
    df: str | None = None  # distrito fiscal code
    agency: str | None = None  # fiscalía (Agency.code)
    form: str | None = None  # top-level Term code of a form of exploitation

    @property
    def dimensions(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in SCOPES if getattr(self, name)}

    def scope(self) -> tuple[str, str]:
        """The stored scope (and its value) that answers these filters."""
        return scope_of(self.dimensions)

    @property
    def years(self) -> tuple[int, int] | None:
        if self.year_from is None and self.year_to is None:
            return None
        return (self.year_from or 1900, self.year_to or 9999)

    @property
    def single_year(self) -> int | None:
        return self.year_from if self.year_from is not None and self.year_from == self.year_to else None

    def case_list_params(self) -> dict[str, str]:
        """The filters the case list understands (it takes one year, and has no fiscalía filter)."""
        params = {}
        if self.single_year:
            params["year"] = str(self.single_year)
        if self.df:
            params["distrito_fiscal"] = self.df
        if self.dept:
            params["region"] = self.dept
        if self.form:
            params["exploitation"] = self.form
        return params

    def query(self) -> dict[str, str]:
        names = {"dept": "departamento", "df": "distrito_fiscal", "agency": "fiscalia", "form": "explotacion"}
        params = {names[k]: v for k, v in self.dimensions.items()}
        if self.year_from:
            params["desde"] = str(self.year_from)
        if self.year_to:
            params["hasta"] = str(self.year_to)
        return params


@dataclass
class FigureData:
    figure: Figure
    available: bool = True
    cells: dict[tuple[int, str], int] = field(default_factory=dict)
    histograms: dict[tuple[int, str], Counter] = field(default_factory=dict)

    def totals(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for (_year, key), value in self.cells.items():
            out[key] += value
        return dict(out)

    def total(self, key: str = "") -> int:
        return sum(v for (_y, k), v in self.cells.items() if k == key)

    def by_year(self, key: str = "") -> dict[int, int]:
        out: dict[int, int] = defaultdict(int)
        for (year, k), value in self.cells.items():
            if k == key:
                out[year] += value
        return dict(sorted(out.items()))

    def by_year_and_key(self) -> dict[int, dict[str, int]]:
        out: dict[int, dict[str, int]] = defaultdict(dict)
        for (year, key), value in sorted(self.cells.items()):
            out[year][key] = value
        return dict(out)

    def distribution(self, key: str) -> Counter:
        merged: Counter = Counter()
        for (_year, k), hist in self.histograms.items():
            if k == key:
                merged.update(hist)
        return merged

    def median(self, key: str) -> float | None:
        return median_of(self.distribution(key))

    def ordered_keys(self) -> list[str]:
        """The figure's fixed keys in their order, then any other key by decreasing value."""
        totals = self.totals()
        fixed = self.figure.keys() if self.figure.keys else []
        rest = sorted((k for k in totals if k not in fixed), key=lambda k: (-totals[k], k))
        return [*fixed, *rest]


def median_of(hist: Counter) -> float | None:
    """The median of a distribution given as value → count (the mean of the two middle values if even)."""
    n = sum(hist.values())
    if not n:
        return None
    values = sorted(hist.items())

    def nth(i: int) -> int:  # the i-th smallest value, 0-based
        seen = 0
        for value, count in values:
            seen += count
            if i < seen:
                return value
        raise IndexError(i)

    if n % 2:
        return float(nth(n // 2))
    return statistics.fmean((nth(n // 2 - 1), nth(n // 2)))


def load_figures(run: AggregateRun | None, filters: StatsFilters, codes: list[str]) -> dict[str, FigureData]:
    """The figures for these filters: stored cells of their scope (one query), or — for more filters at once
    than a figure stores — grouped from its source's facts."""
    figures = {code: find_figure(code) for code in codes}
    out = {code: FigureData(figure=f) for code, f in figures.items() if f is not None}
    if run is None:
        return out
    dims = set(filters.dimensions)
    stored: list[str] = []
    grouped: dict[str, list[str]] = defaultdict(list)
    for code, data in out.items():
        source = SOURCES.get(data.figure.source)
        if source is None or source.code not in run.sources or not dims <= source.scopes:
            data.available = False
        elif len(dims) <= data.figure.max_scope_dims:
            stored.append(code)
        else:
            grouped[source.code].append(code)
    years = filters.years
    if stored:
        scope, scope_value = filters.scope()
        qs = AggregateCell.objects.filter(run=run, scope=scope, scope_value=scope_value, figure__in=stored)
        if years:
            qs = qs.filter(year__gte=years[0], year__lte=years[1])
        rows = qs.values_list("figure", "year", "key", "value", "histogram")
        _collect(out, ((f, y, k, v, h) for f, y, k, v, h in rows))
    for source_code, source_figures in grouped.items():
        sink = CellSink()
        if not SOURCES[source_code].filtered(run=run, filters=filters, figures=source_figures, sink=sink):
            for code in source_figures:
                out[code].available = False
            continue
        _collect(
            out,
            (
                (f, y, k, v, h)
                for (f, y, _s, _v, k), v, h in sink
                if f in out and (not years or years[0] <= y <= years[1])
            ),
        )
    return out


def _collect(out: dict[str, FigureData], rows) -> None:
    for figure, year, key, value, histogram in rows:
        data = out[figure]
        data.cells[(year, key)] = data.cells.get((year, key), 0) + value
        if histogram:
            data.histograms[(year, key)] = Counter({int(d): n for d, n in histogram.items()})


def available_years(run: AggregateRun | None) -> list[int]:
    if run is None:
        return []
    # a DISTINCT over the run's cells (20 ms at the design scale), asked by every statistics page
    return run_cached(run, ("years",), lambda: sorted(
        AggregateCell.objects.filter(run=run, figure="cases_total", scope="")
        .values_list("year", flat=True)
        .distinct()
    ))


def latest_run() -> AggregateRun | None:
    return current_run()
