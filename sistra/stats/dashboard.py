"""What the dashboard and the map page show, assembled from the aggregates: figures as charts and tables,
each linked to the case list with the matching filters when the user may open cases."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sistra.accounts.capabilities import Capability, has_capability

from . import charts, maps
from . import dimensions as dim
from .selectors import FigureData, StatsFilters, load_figures
from .tables import Table, category_table, durations_table

TREND_MONTHS = 36
# prevention (sistra.prevention.figures); reach has one figure per method of estimation, never added up
PREVENTION_REACH = [f"prevention_reach_{m}_by_channel" for m in ("counted", "audience", "estimate")]
PREVENTION_REACH_DEPT = [f"prevention_reach_{m}_by_dept" for m in ("counted", "audience", "estimate")]
PREVENTION_FIGURES = [
    "prevention_trainings_total", "prevention_trainings_by_dept", "prevention_trainings_by_topic",
    "prevention_trained_total", "prevention_trained_by_profession", "prevention_trained_by_dept",
    *PREVENTION_REACH, *PREVENTION_REACH_DEPT, "prevention_campaigns_total", "prevention_calls_by_campaign_phase",
    "prevention_families_total", "prevention_children_total", "prevention_children_with_alternative",
    "prevention_children_by_alternative",
    "prevention_children_school_12m",
]


@dataclass
class Block:
    code: str
    title: str
    chart: str = ""
    table: Table | None = None
    note: str = ""
    available: bool = True
    exports: dict[str, str] = field(default_factory=dict)
    href: str | None = None
    wide: bool = False


@dataclass
class Section:
    code: str
    title: str
    blocks: list[Block]
    intro: str = ""


@dataclass
class Kpi:
    label: str
    value: float | int | None
    unit: str = ""
    href: str | None = None


class Drill:
    """Links to the case list (which applies access itself); none for users who cannot open cases."""

    def __init__(self, user, filters: StatsFilters):
        self.enabled = has_capability(user, Capability.CASE_VIEW)
        self.base = filters.case_list_params()
        self.url = reverse("cases:list") if self.enabled else ""

    def __call__(self, extra: dict | None = None, *, year: int | None = None) -> str | None:
        if not self.enabled or extra is None:
            return None
        params = {**self.base, **extra}
        if year is not None:
            params["year"] = str(year)
        return self.url + ("?" + urlencode(params) if params else "")


def export_links(code: str, filters: StatsFilters) -> dict[str, str]:
    query = urlencode(filters.query())
    return {
        fmt: reverse("stats:export", args=[code, fmt]) + (f"?{query}" if query else "")
        for fmt in ("csv", "xlsx")
    }


def _links(data: FigureData, drill: Drill) -> dict[str, str]:
    if data.figure.drilldown is None:
        return {}
    out = {}
    for key in data.totals():
        href = drill(data.figure.drilldown(key))
        if href:
            out[key] = href
    return out


def _items(table: Table, *, limit: int | None = None) -> list[charts.Item]:
    rows = table.rows if limit is None else table.rows[:limit]
    return [charts.Item(label=r.label, value=r.values[0], href=r.href) for r in rows]


def category_block(
    data: FigureData,
    filters: StatsFilters,
    drill: Drill,
    *,
    limit: int | None = None,
    sort_by_value: bool = False,
) -> Block:
    figure = data.figure
    block = Block(
        code=figure.code,
        title=str(figure.title),
        note=str(figure.note or ""),
        available=data.available,
        exports=export_links(figure.code, filters),
        href=drill({}) if figure.source == "cases" else None,
    )
    if not data.available:
        return block
    table = category_table(data, links=_links(data, drill))
    if sort_by_value:
        table.rows.sort(key=lambda r: -(r.values[0] or 0))
    block.table = table
    block.chart = charts.hbar(_items(table, limit=limit), title=block.title)
    return block


def year_block(data: FigureData, filters: StatsFilters, drill: Drill, *, title: str | None = None) -> Block:
    figure = data.figure
    by_year = data.by_year()
    years = sorted(by_year)
    if filters.years and years:
        years = list(range(max(filters.years[0], years[0]), min(filters.years[1], years[-1]) + 1))
    elif years:
        years = list(range(years[0], years[-1] + 1))
    cases = figure.source == "cases"
    items = [
        charts.Item(label=str(y), value=by_year.get(y, 0), href=drill({}, year=y) if cases else None)
        for y in years
    ]
    block = Block(
        code=figure.code,
        title=title or str(figure.title),
        available=data.available,
        exports=export_links(figure.code, filters),
        note=str(figure.year_basis or ""),
    )
    if data.available:
        block.chart = charts.columns(items, title=block.title, label_every=1 if len(items) <= 12 else 2)
        from .tables import Row

        block.table = Table(
            code=figure.code,
            title=block.title,
            header=[_("Año"), _("Cantidad")],
            rows=[Row(key=str(i.label), label=i.label, values=[i.value], href=i.href) for i in items],
        )
    return block


def month_block(data: FigureData, filters: StatsFilters, drill: Drill) -> Block:
    figure = data.figure
    cells = sorted(data.cells.items())
    months = [(y, int(k)) for (y, k), _v in cells if k.isdigit()]
    block = Block(
        code=figure.code,
        title=str(figure.title),
        available=data.available,
        exports=export_links(figure.code, filters),
        wide=True,
    )
    if not data.available:
        return block
    if months:
        first, last = months[0], months[-1]
        series = []
        y, m = first
        while (y, m) <= last:
            series.append((y, m))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        series = series[-TREND_MONTHS:]
    else:
        series = []
    cases = figure.source == "cases"
    items = [
        charts.Item(
            label=f"{m:02d}/{y % 100:02d}",
            value=data.cells.get((y, f"{m:02d}"), 0),
            href=drill({}, year=y) if cases else None,
        )
        for y, m in series
    ]
    block.chart = charts.columns(items, title=block.title, label_every=max(1, len(items) // 12))
    if len(series) == TREND_MONTHS:
        block.note = _("Últimos %(n)s meses del periodo.") % {"n": TREND_MONTHS}
    return block


def durations_block(data: FigureData, filters: StatsFilters) -> Block:
    figure = data.figure
    block = Block(
        code=figure.code,
        title=str(figure.title),
        note=str(figure.note or ""),
        available=data.available,
        exports=export_links(figure.code, filters),
    )
    if not data.available:
        return block
    table = durations_table(data)
    block.table = table
    items = []
    for row in table.rows:
        n, median = row.values
        shown = (
            (_("%(d)s días (%(n)s casos)") % {"d": f"{median:,.0f}", "n": f"{n:,}"})
            if median is not None
            else _("sin casos")
        )
        items.append(charts.Item(label=row.label, value=median, display=shown))
    block.chart = charts.hbar(items, title=block.title, label_width=300)
    return block


def attrition_block(data: FigureData, filters: StatsFilters, drill: Drill) -> Block:
    figure = data.figure
    block = Block(
        code=figure.code,
        title=str(figure.title),
        note=str(figure.note or ""),
        available=data.available,
        exports=export_links(figure.code, filters),
        wide=True,
    )
    if not data.available:
        return block
    table = category_table(data, include_zero_keys=True)
    first = table.rows[0].values[0] if table.rows else 0
    items = []
    for row in table.rows:
        value = row.values[0] or 0
        share = f" ({100 * value / first:.1f} %)" if first else ""
        items.append(
            charts.Item(
                label=row.label,
                value=value,
                display=f"{value:,}{share}",
                href=drill({}) if row.key == "complaint" else None,
            )
        )
    block.table = table
    block.chart = charts.funnel(items, title=block.title)
    return block


DASHBOARD_FIGURES = [
    "cases_total",
    "victims_total",
    "cases_by_month",
    "victims_by_sex",
    "victims_by_age_band",
    "victims_by_minor",
    "victims_by_nationality",
    "victims_by_form",
    "victims_by_exploitation_dept",
    "cases_by_df",
    "cases_by_stage",
    "cases_by_status",
    "cases_by_outcome",
    "defendants_by_outcome",
    "attrition",
    "stage_durations",
    "hotline_contacts_total",
    "hotline_contacts_by_month",
    "hotline_contacts_by_channel",
    "hotline_contacts_by_category",
    "hotline_contacts_by_risk",
    "hotline_police",
    "assistance_cases_total",
    "assistance_cases_by_trafficking_status",
    "assistance_cases_by_channel",
    "assistance_cases_by_status",
    "assistance_referrals_by_status",
    "assistance_referrals_by_kind",
    "assistance_services_by_type",
    *PREVENTION_FIGURES,
    "assistance_returns_by_status",
    "assistance_returns_by_scope",
    "assistance_returns_by_payer",
    "assistance_reintegration_by_outcome",
]


# Providers of extra dashboard sections: callables (user, filters) -> Section | None.
DASHBOARD_SECTIONS: list = []


def register_dashboard_section(provider) -> None:
    if provider not in DASHBOARD_SECTIONS:
        DASHBOARD_SECTIONS.append(provider)


def extra_sections(user, filters: StatsFilters) -> list:
    """The sections other parts of SISTRA add (the mobile clinic), registered in their AppConfig.ready(): read
    live, not from the aggregates."""
    return [s for s in (provider(user, filters) for provider in DASHBOARD_SECTIONS) if s is not None]


def build_dashboard(run, filters: StatsFilters, user, *, extra: bool = True) -> dict:
    f = load_figures(run, filters, DASHBOARD_FIGURES)
    drill = Drill(user, filters)
    cases = f["cases_total"].total()
    victims = f["victims_total"].total()
    attrition = f["attrition"].totals()
    durations = f["stage_durations"]

    def pct(part, whole):
        return round(100.0 * part / whole, 1) if whole else None

    kpis = [
        Kpi(_("Denuncias"), cases, href=drill({})),
        Kpi(_("Víctimas"), victims),
        Kpi(
            _("Víctimas menores de edad"),
            pct(f["victims_by_minor"].total("minor"), victims),
            "%",
            href=drill({"minor_victim": "1"}),
        ),
        Kpi(
            _("Denuncias archivadas"),
            pct(f["cases_by_status"].total("archived"), cases),
            "%",
            href=drill({"status": "archived"}),
        ),
        Kpi(_("Casos con condena"), attrition.get("conviction", 0)),
        Kpi(_("Personas condenadas"), f["defendants_by_outcome"].total("convicted")),
        Kpi(_("Mediana denuncia → sentencia"), durations.median("complaint_sentence"), _("días")),
    ]
    has_contacts = bool(f["hotline_contacts_total"].cells)
    if has_contacts:
        kpis.append(Kpi(_("Contactos con la línea"), f["hotline_contacts_total"].total()))
    sections = [
        Section(
            "trends",
            _("Tendencias"),
            [
                year_block(f["cases_total"], filters, drill, title=_("Denuncias por año")),
                year_block(f["victims_total"], filters, drill, title=_("Víctimas por año")),
                month_block(f["cases_by_month"], filters, drill),
            ],
        ),
        Section(
            "victims",
            _("Víctimas"),
            [
                category_block(f["victims_by_sex"], filters, drill),
                category_block(f["victims_by_age_band"], filters, drill),
                category_block(f["victims_by_minor"], filters, drill),
                category_block(f["victims_by_nationality"], filters, drill, limit=10),
                category_block(f["victims_by_form"], filters, drill, sort_by_value=True),
                category_block(f["victims_by_exploitation_dept"], filters, drill, limit=12),
            ],
        ),
        Section(
            "justice",
            _("Casos penales"),
            [
                attrition_block(f["attrition"], filters, drill),
                category_block(f["cases_by_stage"], filters, drill),
                category_block(f["cases_by_status"], filters, drill),
                category_block(f["cases_by_outcome"], filters, drill),
                category_block(f["defendants_by_outcome"], filters, drill),
                durations_block(durations, filters),
                category_block(f["cases_by_df"], filters, drill, limit=15),
            ],
        ),
    ]
    sections.append(
        _part_section(
            run,
            filters,
            "hotline",
            _("Línea de ayuda 0800-2-3232"),
            f,
            lambda: [
                month_block(f["hotline_contacts_by_month"], filters, drill),
                category_block(f["hotline_contacts_by_channel"], filters, drill),
                category_block(f["hotline_contacts_by_category"], filters, drill),
                category_block(f["hotline_contacts_by_risk"], filters, drill),
                category_block(f["hotline_police"], filters, drill),
            ],
            dept_note=_("El departamento es el del contacto."),
        )
    )
    sections.append(
        _part_section(
            run,
            filters,
            "assistance",
            _("Asistencia y derivaciones"),
            f,
            lambda: [
                year_block(f["assistance_cases_total"], filters, drill),
                category_block(f["assistance_cases_by_trafficking_status"], filters, drill),
                category_block(f["assistance_cases_by_channel"], filters, drill),
                category_block(f["assistance_cases_by_status"], filters, drill),
                category_block(f["assistance_referrals_by_status"], filters, drill),
                category_block(f["assistance_referrals_by_kind"], filters, drill),
                category_block(f["assistance_services_by_type"], filters, drill, sort_by_value=True),
                category_block(f["assistance_returns_by_status"], filters, drill),
                category_block(f["assistance_returns_by_scope"], filters, drill),
                category_block(f["assistance_returns_by_payer"], filters, drill),
                category_block(f["assistance_reintegration_by_outcome"], filters, drill),
            ],
            dept_note=_("El departamento es el del lugar de identificación."),
        )
    )
    sections.append(
        _part_section(
            run,
            filters,
            "prevention",
            _("Prevención"),
            f,
            lambda: [
                year_block(f["prevention_trainings_total"], filters, drill),
                year_block(f["prevention_trained_total"], filters, drill),
                category_block(f["prevention_trained_by_profession"], filters, drill, sort_by_value=True),
                category_block(f["prevention_trained_by_dept"], filters, drill, limit=12),
                category_block(f["prevention_trainings_by_dept"], filters, drill, limit=12),
                category_block(f["prevention_trainings_by_topic"], filters, drill),
                prevention_map_block(f["prevention_trained_by_dept"]),
                *[category_block(f[code], filters, drill) for code in PREVENTION_REACH if f[code].cells],
                *[prevention_map_block(f[code]) for code in PREVENTION_REACH_DEPT if f[code].cells],
                category_block(f["prevention_calls_by_campaign_phase"], filters, drill),
                year_block(f["prevention_families_total"], filters, drill),
                year_block(f["prevention_children_total"], filters, drill),
                year_block(f["prevention_children_with_alternative"], filters, drill),
                category_block(f["prevention_children_by_alternative"], filters, drill),
                category_block(f["prevention_children_school_12m"], filters, drill),
            ],
            dept_note=_("El departamento es el de la capacitación, el alcance de la campaña o la familia."),
        )
    )
    if extra:
        sections.extend(extra_sections(user, filters))
    return {"kpis": kpis, "sections": sections, "figures": f}


def prevention_map_block(data: FigureData) -> Block:
    """A figure by department as a map (prevention: people trained, reach of one method of estimation)."""
    values = {k: v for k, v in data.totals().items() if k in dim.DEPARTMENTS}
    title = _("Mapa: %(figure)s") % {"figure": data.figure.title}
    block = Block(code=f"map-{data.figure.code}", title=title, available=data.available,
                  note=str(data.figure.note or ""))
    if data.available:
        block.chart = maps.choropleth("departamento", values, title=title)
    return block


def _part_section(
    run,
    filters: StatsFilters,
    source: str,
    title: str,
    figures: dict[str, FigureData],
    blocks,
    *,
    dept_note: str,
) -> Section:
    """The section of another part of SISTRA (hotline, assistance): its figures, or why there are none."""
    data = [d for code, d in figures.items() if code.startswith(f"{source}_")]
    if source not in (run.sources if run else []):
        intro = _("Estas cifras aparecerán cuando ese módulo esté en uso.")
    elif not all(d.available for d in data):
        intro = _("Estas cifras solo se pueden filtrar por periodo y departamento.")
    elif not any(d.cells for d in data):
        intro = _("No hay registros en el periodo.")
    else:
        return Section(source, title, blocks(), intro=dept_note if filters.dept else "")
    return Section(source, title, [], intro=intro)


# --- map page -----------------------------------------------------------------------------------------------

MEASURES = {
    "explotacion": ("exploitation", gettext_lazy("lugar de explotación")),
    "captacion": ("recruitment", gettext_lazy("lugar de captación")),
    "origen": ("origin", gettext_lazy("lugar de origen de la víctima")),
}
LEVELS = {
    "departamento": ("dept", gettext_lazy("departamentos")),
    "provincia": ("prov", gettext_lazy("provincias")),
}


def map_options(measure: str | None, level: str | None) -> dict:
    """The map asked for (an unknown measure or level is the default one) and the choices of its form."""
    return {
        "measure": measure if measure in MEASURES else "explotacion",
        "level": level if level in LEVELS else "departamento",
        "measures": [(k, v[1]) for k, v in MEASURES.items()],
        "levels": [(k, v[1]) for k, v in LEVELS.items()],
    }


def build_map(run, filters: StatsFilters, user, *, measure: str, level: str) -> dict:
    options = map_options(measure, level)
    measure, level = options["measure"], options["level"]
    code = f"victims_by_{MEASURES[measure][0]}_{LEVELS[level][0]}"
    f = load_figures(run, filters, [code, "victims_routes"])
    data, routes = f[code], f["victims_routes"]
    totals = data.totals()
    drill = Drill(user, filters)
    shapes = maps.areas(level)
    values = {k: v for k, v in totals.items() if k in shapes}
    links = {}
    if measure == "explotacion" and level == "departamento":
        links = {k: href for k in values if (href := drill({"region": k}))}
    title = _("Víctimas por %(measure)s (%(level)s)") % {
        "measure": MEASURES[measure][1],
        "level": LEVELS[level][1],
    }
    flows = []
    for key, value in routes.totals().items():
        origin, destination = key.split(">", 1)
        flows.append((origin, destination, value))
    dept_flows = sorted(
        [fl for fl in flows if fl[0] in dim.DEPARTMENTS and fl[1] in dim.DEPARTMENTS], key=lambda fl: -fl[2]
    )
    svg = maps.choropleth(
        level, values, title=title, links=links, flows=dept_flows[:30] if level == "departamento" else None
    )
    ranking = sorted(((k, v) for k, v in values.items()), key=lambda kv: -kv[1])
    abroad = sorted(
        ((k, v) for k, v in totals.items() if k.startswith(dim.FOREIGN_PREFIX)), key=lambda kv: -kv[1]
    )
    unknown = totals.get("none", 0)
    return {
        **options,
        "svg": svg,
        "title": title,
        "figure": data.figure,
        "ranking": [(dim.place_label(k), v, links.get(k)) for k, v in ranking[:20]],
        "abroad": [(dim.place_label(k), v) for k, v in abroad],
        "unknown": unknown,
        "sankey": maps.sankey(flows, title=_("Rutas de la captación a la explotación")),
        "routes": [
            (dim.place_label(o), dim.place_label(d), v)
            for o, d, v in sorted(flows, key=lambda fl: -fl[2])[:20]
        ],
    }
