"""The registry of aggregate sources. A source turns one part of SISTRA (criminal cases, the hotline, and
later assistance and referrals) into cells of named figures; the refresh asks every available source, and
the dashboard shows the figures of the sources that exist. A new part plugs in by registering a source in
its AppConfig.ready():

    from sistra.stats.sources import register_source
    register_source(MySource())

See docs/decisions/0006-statistics-and-disclosure-control.md."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

# Filter dimensions a cell may be scoped by (besides the year, which every cell has), in the order they are
# written in a scope: a cell for "department 17 and forced labour" has scope "dept+form", value
# "17|forced_labour".
SCOPES = ("dept", "df", "agency", "form")

# (figure, year, scope, scope_value, key)
CellKey = tuple[str, int, str, str, str]


def scope_of(values: dict[str, str]) -> tuple[str, str]:
    """The stored scope of a combination of filters (dimension → value)."""
    dims = [d for d in SCOPES if values.get(d)]
    return "+".join(dims), "|".join(values[d] for d in dims)


def scope_combinations(
    options: dict[str, Sequence[str]], max_dims: int = len(SCOPES)
) -> list[tuple[str, str]]:
    """Every scope a record belongs to: for each dimension, no filter or any of its values (a record with two
    departments of exploitation is in both), in every combination of at most `max_dims` dimensions."""
    dims = [d for d in SCOPES if d in options]
    choices = [[None, *options[d]] for d in dims]
    out = []
    for combo in itertools.product(*choices):
        names = [d for d, v in zip(dims, combo, strict=True) if v is not None]
        if len(names) <= max_dims:
            out.append(("+".join(names), "|".join(v for v in combo if v is not None)))
    return out


class CellSink:
    """Collects cells while a source computes them (values of the same cell add up); `flush` hands them to
    the writer and starts afresh, so a source can write figure by figure without holding them all."""

    def __init__(self, writer: Callable[[CellSink], int] | None = None) -> None:
        self.values: dict[CellKey, int] = defaultdict(int)
        self.histograms: dict[CellKey, Counter] = {}
        self.writer = writer
        self.written = 0

    def flush(self) -> None:
        if self.writer is not None and self.values:
            self.written += self.writer(self)
            self.values = defaultdict(int)
            self.histograms = {}

    def add(self, figure: str, year: int, scope: str, scope_value: str, key: str, value: int) -> None:
        self.values[(figure, year, scope, scope_value, key)] += value

    def add_duration(
        self, figure: str, year: int, scope: str, scope_value: str, key: str, days: int, count: int
    ) -> None:
        cell = (figure, year, scope, scope_value, key)
        self.values[cell] += count
        self.histograms.setdefault(cell, Counter())[days] += count

    def __iter__(self) -> Iterator[tuple[CellKey, int, dict | None]]:
        for cell, value in self.values.items():
            hist = self.histograms.get(cell)
            yield cell, value, ({str(d): n for d, n in sorted(hist.items())} if hist is not None else None)

    def __len__(self) -> int:
        return len(self.values)


@dataclass(frozen=True)
class Figure:
    """One figure a source produces. `keys` gives the fixed, ordered domain of its keys when there is one
    (a published table must show its zeros too); `label` names a key; `drilldown` gives the case-list query
    parameters that list the records behind a key (None where the case list cannot express it)."""

    code: str
    title: object
    unit: str  # "victims", "cases", "defendants", "contacts", "days"
    source: str = ""
    # the keys partition the unit (each record in exactly one key), so a total can be shown beside them
    additive: bool = True
    distribution: bool = False  # cells hold durations (histogram of days)
    year_basis: object = ""
    keys: Callable[[], list[str]] | None = None
    label: Callable[[str], str] = str
    drilldown: Callable[[str], dict | None] | None = None
    note: object = ""
    # cells are stored for combinations of up to this many filters; more are grouped from the facts (the
    # province and route figures, with hundreds of keys, store up to two)
    max_scope_dims: int = len(SCOPES)


@dataclass
class Source:
    code: str
    title: object
    # the filter dimensions this source can be cut by; it stores cells for every combination of them
    scopes: frozenset[str] = frozenset()
    figures: list[Figure] = field(default_factory=list)

    def available(self) -> bool:
        return True

    def build(self, *, run, sink: CellSink) -> dict:
        """Compute every cell, for the combinations of its scopes each figure stores, into the sink (flushing
        it as it goes); return row counts for the run."""
        raise NotImplementedError

    def filtered(self, *, run, filters, figures: list[str], sink: CellSink) -> bool:
        """Cells (scope "") of figures for a combination of filters not stored, grouped from the source's
        facts. False if the source cannot (the figures are then shown as not available)."""
        return False

    def figure(self, code: str) -> Figure:
        for f in self.figures:
            if f.code == code:
                return f
        raise KeyError(code)


SOURCES: dict[str, Source] = {}


def register_source(source: Source) -> None:
    for figure in source.figures:
        object.__setattr__(figure, "source", source.code)
    SOURCES[source.code] = source


def available_sources() -> list[Source]:
    return [s for s in SOURCES.values() if s.available()]


def find_figure(code: str) -> Figure | None:
    for source in SOURCES.values():
        for figure in source.figures:
            if figure.code == code:
                return figure
    return None
