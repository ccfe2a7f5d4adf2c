"""Figures as tables: exact ones for the dashboard (people with STATS_VIEW, inside SISTRA) and protected
ones for anything that leaves it (exports, the annual report, open data), where small cells are suppressed
with their complements (sistra.stats.disclosure)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .disclosure import SUPPRESSED, THRESHOLD, protect_median, suppress_table, suppress_vector
from .selectors import FigureData


@dataclass
class Row:
    key: str
    label: str
    values: list[int | float | None]
    total: int | None = None
    href: str | None = None


@dataclass
class Table:
    code: str
    title: str
    header: list[str]
    rows: list[Row]
    total_row: Row | None = None
    note: str = ""
    protected: bool = False
    suppressed: int = 0
    has_total_column: bool = False
    notes: list[str] = field(default_factory=list)

    def html(self) -> SafeString:
        return render_html(self)

    def as_rows(self) -> tuple[list[str], list[list]]:
        """Header and rows for CSV/XLSX ("x" where a cell is suppressed, empty where there is no value)."""
        missing = SUPPRESSED if self.protected else ""
        rows = []
        for row in [*self.rows, *([self.total_row] if self.total_row else [])]:
            values = [*row.values, *([row.total] if self.has_total_column else [])]
            rows.append([row.label, *[missing if v is None else v for v in values]])
        return self.header, rows


def _keys(data: FigureData, *, include_zero_keys: bool) -> list[str]:
    totals = data.totals()
    keys = data.ordered_keys()
    if not include_zero_keys:
        keys = [k for k in keys if totals.get(k)]
    return keys


def category_table(
    data: FigureData,
    *,
    protect: bool = False,
    threshold: int | None = None,
    links: dict[str, str] | None = None,
    include_zero_keys: bool = False,
    value_header: str | None = None,
) -> Table:
    """Keys → totals over the period; a total row when the keys partition the unit."""
    figure = data.figure
    keys = _keys(data, include_zero_keys=include_zero_keys or protect)
    totals = data.totals()
    values = [totals.get(k, 0) for k in keys]
    header = [_("Categoría"), value_header or _("Cantidad")]
    table = Table(
        code=figure.code,
        title=str(figure.title),
        header=header,
        rows=[],
        note=str(figure.note or ""),
        protected=protect,
    )
    if protect:
        protected = suppress_vector(values, threshold=threshold, total=figure.additive)
        shown = [protected.cell(i, 0) for i in range(len(keys))]
        total = protected.col_total(0) if figure.additive else None
        table.suppressed = len(protected.suppressed)
    else:
        shown = values
        total = sum(values)
    for key, value in zip(keys, shown, strict=True):
        table.rows.append(Row(key=key, label=figure.label(key), values=[value], href=(links or {}).get(key)))
    if figure.additive:
        table.total_row = Row(key="", label=_("Total"), values=[total])
    return table


def year_table(
    data: FigureData,
    years: list[int],
    *,
    protect: bool = False,
    threshold: int | None = None,
    include_zero_keys: bool = False,
) -> Table:
    """Keys × years, with row and column totals when the keys partition the unit."""
    figure = data.figure
    keys = _keys(data, include_zero_keys=include_zero_keys or protect)
    grid = [[data.cells.get((y, k), 0) for y in years] for k in keys]
    header = [_("Categoría"), *[str(y) for y in years]] + ([_("Total")] if figure.additive else [])
    table = Table(
        code=figure.code,
        title=str(figure.title),
        header=header,
        rows=[],
        note=str(figure.note or ""),
        protected=protect,
        has_total_column=figure.additive,
    )
    if not keys:
        return table
    if protect:
        protected = suppress_table(
            grid, threshold=threshold, row_totals=figure.additive, col_totals=figure.additive
        )
        table.suppressed = len(protected.suppressed)

        def get(i, j):
            return protected.get(i, j)
    else:

        def get(i, j):
            if i < len(keys) and j < len(years):
                return grid[i][j]
            if i < len(keys):
                return sum(grid[i])
            if j < len(years):
                return sum(row[j] for row in grid)
            return sum(map(sum, grid))

    for i, key in enumerate(keys):
        table.rows.append(
            Row(
                key=key,
                label=figure.label(key),
                values=[get(i, j) for j in range(len(years))],
                total=get(i, len(years)) if figure.additive else None,
            )
        )
    if figure.additive:
        table.total_row = Row(
            key="",
            label=_("Total"),
            values=[get(len(keys), j) for j in range(len(years))],
            total=get(len(keys), len(years)),
        )
    return table


def series_table(
    data: FigureData,
    *,
    key: str = "",
    title: str | None = None,
    protect: bool = False,
    threshold: int | None = None,
    years: list[int] | None = None,
) -> Table:
    """One value per year (a trend)."""
    by_year = data.by_year(key)
    years = years or sorted(by_year)
    values = [by_year.get(y, 0) for y in years]
    table = Table(
        code=data.figure.code,
        title=title or str(data.figure.title),
        header=[_("Año"), _("Cantidad")],
        rows=[],
        note=str(data.figure.note or ""),
        protected=protect,
    )
    if protect:
        protected = suppress_vector(values, threshold=threshold, total=data.figure.additive)
        shown = [protected.cell(i, 0) for i in range(len(years))]
        total = protected.col_total(0)
        table.suppressed = len(protected.suppressed)
    else:
        shown, total = values, sum(values)
    table.rows = [Row(key=str(y), label=str(y), values=[v]) for y, v in zip(years, shown, strict=True)]
    if data.figure.additive:
        table.total_row = Row(key="", label=_("Total"), values=[total])
    return table


def durations_table(data: FigureData, *, protect: bool = False, threshold: int | None = None) -> Table:
    """For each pair of stages: how many cases reached both, and the median days between them."""
    threshold = THRESHOLD if threshold is None else threshold
    figure = data.figure
    keys = figure.keys() if figure.keys else sorted(data.totals())
    totals = data.totals()
    counts = [totals.get(k, 0) for k in keys]
    table = Table(
        code=figure.code,
        title=str(figure.title),
        header=[_("Tramo"), _("Casos"), _("Mediana (días)")],
        rows=[],
        note=str(figure.note or ""),
        protected=protect,
    )
    shown_counts = counts
    if protect:
        protected = suppress_vector(counts, threshold=threshold, total=False)
        shown_counts = [protected.cell(i, 0) for i in range(len(keys))]
        table.suppressed = len(protected.suppressed)
    for key, n, shown in zip(keys, counts, shown_counts, strict=True):
        median = data.median(key)
        if protect:
            median = protect_median(median, n, threshold=threshold) if shown is not None else None
        table.rows.append(Row(key=key, label=figure.label(key), values=[shown, median]))
    return table


def _cell(value, *, protected: bool) -> str:
    if value is None:
        if protected:
            return f'<abbr title="{escape(_("Dato reservado"))}">{SUPPRESSED}</abbr>'
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return number_format(value, decimal_pos=1, force_grouping=True)
    return number_format(int(value), force_grouping=True)


def render_html(table: Table) -> SafeString:
    """The table as HTML, built here rather than in a template: a dashboard has two dozen of them."""
    head = "".join(
        f'<th scope="col"{' class="num"' if n else ""}>{escape(h)}</th>' for n, h in enumerate(table.header)
    )
    body = []
    for row in table.rows:
        label = f'<a href="{escape(row.href)}">{escape(row.label)}</a>' if row.href else escape(row.label)
        cells = "".join(f'<td class="num">{_cell(v, protected=table.protected)}</td>' for v in row.values)
        if table.has_total_column:
            cells += f'<td class="num total">{_cell(row.total, protected=True)}</td>'
        body.append(f'<tr><th scope="row">{label}</th>{cells}</tr>')
    if not table.rows:
        body.append(
            f'<tr><td colspan="{len(table.header)}" class="empty">'
            f"{escape(_('Sin datos para estos filtros.'))}</td></tr>"
        )
    foot = ""
    if table.total_row:
        cells = "".join(f'<td class="num">{_cell(v, protected=True)}</td>' for v in table.total_row.values)
        if table.has_total_column:
            cells += f'<td class="num total">{_cell(table.total_row.total, protected=True)}</td>'
        foot = f'<tfoot><tr><th scope="row">{escape(table.total_row.label)}</th>{cells}</tr></tfoot>'
    return mark_safe(
        f'<div class="table-wrap"><table class="data-table stats-table"><caption class="visually-hidden">'
        f"{escape(table.title)}</caption><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody>{foot}"
        f"</table></div>"
    )
