"""The annual national report: every table protected by small-cell suppression (it is a publication), with
its charts and the map of the places of exploitation, in HTML and in PDF (WeasyPrint)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import charts, maps
from . import dimensions as dim
from .disclosure import SUPPRESSED, THRESHOLD
from .indicators import national_plan_indicators
from .selectors import StatsFilters, load_figures
from .tables import Table, category_table, durations_table, series_table

TREND_YEARS = 10
ROUTES_SHOWN = 15

CHAPTERS = [
    (
        "victims",
        gettext_lazy("Víctimas"),
        [
            "victims_by_sex",
            "victims_by_age_band",
            "victims_by_minor",
            "victims_by_nationality",
            "victims_by_form",
            "victims_by_exploitation_dept",
            "victims_by_recruitment_dept",
            "victims_by_origin_dept",
        ],
    ),
    (
        "justice",
        gettext_lazy("Casos penales"),
        [
            "cases_by_month",
            "cases_by_df",
            "cases_by_stage",
            "cases_by_status",
            "cases_by_outcome",
            "defendants_by_outcome",
            "attrition",
        ],
    ),
    (
        "hotline",
        gettext_lazy("Línea de ayuda 0800-2-3232"),
        [
            "hotline_contacts_by_month",
            "hotline_contacts_by_channel",
            "hotline_contacts_by_category",
            "hotline_contacts_by_risk",
            "hotline_police",
        ],
    ),
    (
        "assistance",
        gettext_lazy("Asistencia y derivaciones"),
        [
            "assistance_cases_by_trafficking_status",
            "assistance_cases_by_channel",
            "assistance_referrals_by_status",
            "assistance_services_by_type",
            "assistance_returns_by_scope",
            "assistance_reintegration_by_outcome",
        ],
    ),
    (
        "prevention",
        gettext_lazy("Prevención"),
        [
            "prevention_trained_by_profession",
            "prevention_trained_by_dept",
            "prevention_trainings_by_topic",
            "prevention_reach_counted_by_channel",
            "prevention_reach_audience_by_channel",
            "prevention_reach_estimate_by_channel",
            "prevention_children_by_alternative",
            "prevention_children_school_12m",
        ],
    ),
]
# parts of SISTRA whose chapter appears only when the part is in use
OPTIONAL_CHAPTERS = ("hotline", "assistance", "prevention")


@dataclass
class ReportBlock:
    table: Table
    chart: str = ""


@dataclass
class Chapter:
    code: str
    title: str
    blocks: list[ReportBlock] = field(default_factory=list)


def _chart(table: Table, *, limit: int = 15) -> str:
    items = [charts.Item(label=r.label, value=r.values[0]) for r in table.rows[:limit]]
    if not any(i.value for i in items):
        return ""
    return charts.hbar(items, title=table.title)


def annual_report(run, year: int, *, threshold: int | None = None) -> dict:
    threshold = THRESHOLD if threshold is None else threshold
    filters = StatsFilters(year_from=year, year_to=year)
    codes = [c for _code, _t, figs in CHAPTERS for c in figs] + ["victims_routes", "stage_durations"]
    f = load_figures(run, filters, codes)
    trend = load_figures(
        run, StatsFilters(year_from=year - TREND_YEARS + 1, year_to=year), ["cases_total", "victims_total"]
    )
    years = list(range(year - TREND_YEARS + 1, year + 1))
    # yearly series without a total: the total of ten years would let the reader derive a hidden year
    trend_tables = [
        series_table(
            trend["cases_total"], title=_("Denuncias por año"), protect=True, threshold=threshold, years=years
        ),
        series_table(
            trend["victims_total"],
            title=_("Víctimas por año"),
            protect=True,
            threshold=threshold,
            years=years,
        ),
    ]
    for table in trend_tables:
        table.total_row = None
    trend_blocks = [
        ReportBlock(
            table=t,
            chart=charts.columns(
                [charts.Item(label=r.label, value=r.values[0]) for r in t.rows], title=t.title
            ),
        )
        for t in trend_tables
    ]
    chapters = []
    for code, title, figure_codes in CHAPTERS:
        chapter = Chapter(code=code, title=str(title))
        for figure_code in figure_codes:
            data = f[figure_code]
            if not data.available or (
                code in OPTIONAL_CHAPTERS and code not in (run.sources if run else [])
            ):
                continue
            table = category_table(
                data, protect=True, threshold=threshold, include_zero_keys=bool(data.figure.keys)
            )
            chapter.blocks.append(ReportBlock(table=table, chart=_chart(table)))
        empty = all(not any(r.values[0] for r in b.table.rows) for b in chapter.blocks)
        if chapter.blocks and not (code in OPTIONAL_CHAPTERS and empty):
            chapters.append(chapter)
    durations = durations_table(f["stage_durations"], protect=True, threshold=threshold)
    routes_all = category_table(f["victims_routes"], protect=True, threshold=threshold)
    routes_all.rows = sorted(routes_all.rows, key=lambda r: -(r.values[0] or 0))[:ROUTES_SHOWN]
    routes_all.title = _("Principales rutas de la captación a la explotación")
    exploitation = next(
        (b.table for ch in chapters for b in ch.blocks if b.table.code == "victims_by_exploitation_dept"),
        None,
    )
    map_values = (
        {r.key: r.values[0] for r in exploitation.rows if r.key in dim.DEPARTMENTS} if exploitation else {}
    )
    return {
        "year": year,
        "run": run,
        "threshold": threshold,
        "suppressed_marker": SUPPRESSED,
        "indicators": national_plan_indicators(run, year, protect=True, threshold=threshold),
        "trend": trend_blocks,
        "chapters": chapters,
        "durations": durations,
        "routes": routes_all,
        "map": maps.choropleth(
            "departamento",
            map_values,
            title=_("Víctimas por departamento de explotación, %(year)s") % {"year": year},
        ),
    }


def render_pdf(context: dict, *, request=None) -> bytes:
    from weasyprint import CSS, HTML

    html = render_to_string("stats/report_annual_print.html", context, request=request)
    stylesheet = finders.find("stats/report.css")
    return HTML(string=html).write_pdf(stylesheets=[CSS(filename=stylesheet)] if stylesheet else None)
