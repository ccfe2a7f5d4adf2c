"""Monitoring indicators of the National Plan against trafficking in persons, computed from the aggregates.
The set, its definitions and its sources are documented in docs/decisions/0006; every indicator is for one
calendar year and, where it says "cohort", for the complaints registered in that year."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .disclosure import THRESHOLD, protect_median, protect_share
from .selectors import StatsFilters, load_figures


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    definition: str
    unit: str  # "n", "%", "días"
    value: float | int | None
    available: bool = True


DEFINITIONS = [
    (
        "PN-01",
        _("Denuncias registradas"),
        "n",
        _("Casos de trata de personas con fecha de denuncia en el año."),
    ),
    (
        "PN-02",
        _("Víctimas identificadas"),
        "n",
        _("Víctimas registradas en las denuncias del año (una persona en dos casos cuenta en cada uno)."),
    ),
    (
        "PN-03",
        _("Víctimas menores de edad"),
        "%",
        _("Porcentaje de las víctimas del año que eran menores de 18 años durante la explotación."),
    ),
    ("PN-04", _("Víctimas mujeres"), "%", _("Porcentaje de las víctimas del año registradas como mujeres.")),
    (
        "PN-05",
        _("Víctimas extranjeras"),
        "%",
        _(
            "Porcentaje de las víctimas del año con nacionalidad distinta de la peruana "
            "(sobre el total de víctimas)."
        ),
    ),
    (
        "PN-06",
        _("Denuncias archivadas"),
        "%",
        _("Porcentaje de las denuncias del año que hoy están archivadas o sobreseídas (cohorte)."),
    ),
    (
        "PN-07",
        _("Denuncias con investigación preparatoria formalizada"),
        "%",
        _(
            "Porcentaje de las denuncias del año que llegaron a la investigación preparatoria "
            "o más allá (cohorte)."
        ),
    ),
    (
        "PN-08",
        _("Denuncias del año con condena"),
        "n",
        _("Denuncias del año en las que al menos un imputado ya fue condenado (cohorte)."),
    ),
    (
        "PN-09",
        _("Casos con primera condena en el año"),
        "n",
        _(
            "Casos cuya primera sentencia condenatoria tiene fecha en el año, "
            "cualquiera sea el año de la denuncia."
        ),
    ),
    (
        "PN-10",
        _("Personas condenadas en el año"),
        "n",
        _("Imputados condenados en los casos cuya primera condena tiene fecha en el año."),
    ),
    (
        "PN-11",
        _("Mediana de días de la denuncia a la sentencia"),
        "días",
        _(
            "Mediana de los días entre la denuncia y la primera entrada en la etapa de sentencia, "
            "para las denuncias "
            "del año que ya llegaron a sentencia (cohorte)."
        ),
    ),
    (
        "PN-12",
        _("Contactos con la línea de ayuda"),
        "n",
        _("Contactos registrados por la línea 0800-2-3232 en el año."),
    ),
    (
        "PN-13",
        _("Reportes de la línea a la policía o fiscalía"),
        "n",
        _("Contactos del año de los que se envió un reporte a la policía o a una fiscalía."),
    ),
    (
        "PN-14",
        _("Personas identificadas y atendidas"),
        "n",
        _("Casos de asistencia abiertos en el año (fecha de identificación) en la ruta de atención."),
    ),
    ("PN-15", _("Derivaciones entre instituciones"), "n", _("Derivaciones enviadas en el año.")),
    # prevention (sistra.prevention.figures)
    ("PN-P1", _("Capacitaciones realizadas"), "n", _("Capacitaciones que empezaron en el año.")),
    (
        "PN-P2",
        _("Personas capacitadas"),
        "n",
        _("Participantes que asistieron a las capacitaciones del año (una persona en dos cuenta dos veces)."),
    ),
    (
        "PN-P3",
        _("Niñas, niños y adolescentes de familias en riesgo con una alternativa"),
        "n",
        _("Niñas, niños y adolescentes de las familias registradas en el año que recibieron al menos una "
          "alternativa a la migración."),
    ),
    (
        "PN-P4",
        _("Siguen estudiando a los 12 meses"),
        "%",
        _("Porcentaje de quienes tuvieron el seguimiento de los 12 meses (familias registradas en el año) que "
          "siguen estudiando."),
    ),
]

FIGURES = [
    "cases_total",
    "victims_total",
    "victims_by_minor",
    "victims_by_sex",
    "victims_by_nationality",
    "cases_by_status",
    "attrition",
    "convictions_by_year",
    "convicted_persons_by_year",
    "stage_durations",
    "hotline_contacts_total",
    "hotline_police",
    "assistance_cases_total",
    "assistance_referrals_by_kind",
    "prevention_trainings_total",
    "prevention_trained_total",
    "prevention_children_with_alternative",
    "prevention_children_school_12m",
]


def national_plan_indicators(
    run,
    year: int,
    *,
    filters: StatsFilters | None = None,
    protect: bool = False,
    threshold: int | None = None,
) -> list[Indicator]:
    threshold = THRESHOLD if threshold is None else threshold
    base = filters or StatsFilters()
    filters = StatsFilters(
        year_from=year, year_to=year, dept=base.dept, df=base.df, agency=base.agency, form=base.form
    )
    f = load_figures(run, filters, FIGURES)

    def count(value: int | None) -> int | None:
        if value is None:
            return None
        return None if protect and 0 < value < threshold else value

    def share(part: int, whole: int) -> float | None:
        if protect:
            return protect_share(part, whole, threshold=threshold)
        return 100.0 * part / whole if whole else None

    victims = f["victims_total"].total()
    cases = f["cases_total"].total()
    nationality = f["victims_by_nationality"].totals()
    foreign = sum(v for k, v in nationality.items() if k and k != "PE")
    attrition = f["attrition"].totals()
    durations = f["stage_durations"]
    n_sentence = durations.total("complaint_sentence")
    median = durations.median("complaint_sentence")
    values = {
        "PN-01": count(cases),
        "PN-02": count(victims),
        "PN-03": share(f["victims_by_minor"].total("minor"), victims),
        "PN-04": share(f["victims_by_sex"].total("female"), victims),
        "PN-05": share(foreign, victims),
        "PN-06": share(f["cases_by_status"].total("archived"), cases),
        "PN-07": share(attrition.get("formalised", 0), cases),
        "PN-08": count(attrition.get("conviction", 0)),
        "PN-09": count(f["convictions_by_year"].total()),
        "PN-10": count(f["convicted_persons_by_year"].total()),
        "PN-11": protect_median(median, n_sentence, threshold=threshold) if protect else median,
        "PN-12": count(f["hotline_contacts_total"].total()),
        "PN-13": count(f["hotline_police"].total("report")),
        "PN-14": count(f["assistance_cases_total"].total()),
        "PN-15": count(sum(f["assistance_referrals_by_kind"].totals().values())),
        "PN-P1": count(f["prevention_trainings_total"].total()),
        "PN-P2": count(f["prevention_trained_total"].total()),
        "PN-P3": count(f["prevention_children_with_alternative"].total()),
        "PN-P4": share(f["prevention_children_school_12m"].total("in_school"),
                       sum(f["prevention_children_school_12m"].totals().values())),
    }
    sources = run.sources if run else []
    available = {
        "PN-12": f["hotline_contacts_total"].available and "hotline" in sources,
        "PN-13": f["hotline_police"].available and "hotline" in sources,
        "PN-14": f["assistance_cases_total"].available and "assistance" in sources,
        "PN-15": f["assistance_referrals_by_kind"].available and "assistance" in sources,
        **{code: f[figure].available and "prevention" in sources for code, figure in (
            ("PN-P1", "prevention_trainings_total"), ("PN-P2", "prevention_trained_total"),
            ("PN-P3", "prevention_children_with_alternative"), ("PN-P4", "prevention_children_school_12m"))},
    }
    return [
        Indicator(
            code=code,
            name=str(name),
            definition=str(definition),
            unit=unit,
            value=values[code],
            available=available.get(code, True) and run is not None,
        )
        for code, name, unit, definition in DEFINITIONS
    ]
