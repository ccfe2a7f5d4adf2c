"""Criminal cases as an aggregate source: the registry is reduced to one de-identified fact row per case and
per victim (FactCase, FactVictim), and the figures are grouped from those facts by the database, then
spread over the filter scopes (no filter, each department, distrito fiscal, fiscalía and form of
exploitation) in Python. A victim whose case has two departments of exploitation counts once in each
department and once in the national figure: the masks carry the sets, the expansion counts each row once
per scope value.

Long because of FIGURES, the table of every published figure of the cases (one entry each, about 300 lines);
the code that reads the registry (write_facts and its _load_* / _*_rows parts) and the cube are the rest."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import Count, F, Max, Min, Q, QuerySet, Sum
from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _

from sistra.stats import dimensions as dim
from sistra.stats.db import bulk_insert

from . import SCOPES, CellSink, Figure, Source, scope_combinations

CHUNK = 20_000
BASE = ("distrito_fiscal", "agency_id", "dept_mask", "form_mask")


# --- labels ------------------------------------------------------------------------------------------------


def _sex_label(key: str) -> str:
    from sistra.people.models import Person

    return str(Person.Sex(key).label) if key in Person.Sex.values else str(_("Sin dato"))


def _age_label(key: str) -> str:
    if key == dim.AGE_UNKNOWN:
        return str(_("Sin dato"))
    if key.endswith("+"):
        return str(_("%(age)s años a más") % {"age": key[:-1]})
    low, high = key.split("-")
    return str(_("%(low)s a %(high)s años") % {"low": low, "high": high})


def _sex_age_label(key: str) -> str:
    sex, band = key.split("|", 1)
    return f"{_sex_label(sex)}, {_age_label(band)}"


def _minor_label(key: str) -> str:
    return str(_("Menor de edad")) if key == "minor" else str(_("Mayor de edad o edad sin dato"))


def _form_label(key: str) -> str:
    return str(_("Sin dato")) if key == "none" else dim.term_label("exploitation", key)


def _stage_label(key: str) -> str:
    return dim.stage_label(key)


def _status_label(key: str) -> str:
    from sistra.cases.models import Case

    return str(Case.Status(key).label) if key in Case.Status.values else key


def _outcome_label(key: str) -> str:
    return str(dict(dim.CASE_OUTCOMES).get(key, key))


def _defendant_outcome_label(key: str) -> str:
    from sistra.cases.models import CaseDefendant

    return str(CaseDefendant.Outcome(key).label) if key in CaseDefendant.Outcome.values else key


def _attrition_label(key: str) -> str:
    return str(dict(dim.ATTRITION_STEPS).get(key, key))


def _transition_label(key: str) -> str:
    return str({code: label for code, _a, _b, label in dim.TRANSITIONS}.get(key, key))


def _month_label(key: str) -> str:
    return str(MONTHS.get(int(key), key)) if key.isdigit() else key


def _place_label(key: str) -> str:
    return str(_("Sin dato")) if key == "none" else dim.place_label(key)


def _route_label(key: str) -> str:
    origin, destination = key.split(">", 1)
    return f"{_place_label(origin)} → {_place_label(destination)}"


def _nationality_label(key: str) -> str:
    return dim.country_name(key) if key else str(_("Sin dato"))


def _df_label(key: str) -> str:
    return dim.distrito_fiscal_names().get(key, key)


def _sex_keys() -> list[str]:
    from sistra.people.models import Person

    return list(Person.Sex.values)


def _stage_keys() -> list[str]:
    return list(dim.stage_names())


def _status_keys() -> list[str]:
    from sistra.cases.models import Case

    return list(Case.Status.values)


def _defendant_outcome_keys() -> list[str]:
    from sistra.cases.models import CaseDefendant

    return list(CaseDefendant.Outcome.values)


def _only_dept(key: str) -> dict | None:
    return {"region": key} if key in dim.DEPARTMENTS else None


# --- figure specifications ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """How one figure is grouped from a fact table: extra GROUP BY columns, extra sums, and how a grouped
    row becomes (key, value) pairs — several for a multi-valued dimension."""

    figure: Figure
    fact: str  # "case" | "victim"
    columns: tuple[str, ...] = ()
    sums: tuple[str, ...] = ()
    emit: Callable[[dict, dict], Iterable[tuple[str, int]]] = lambda row, meta: [("", row["n"])]
    year: str = "year"
    where: Q = field(default_factory=Q)


def _one(column: str, transform: Callable[[object], str] = str):
    return lambda row, meta: [(transform(row[column]), row["n"])]


def _forms(row, meta):
    codes = dim.bits_in(row["form_mask"], meta["forms"]) or ["none"]
    return [(code, row["n"]) for code in codes]


def _split(text: str) -> list[str]:
    return [part for part in text.split(",") if part]


def _places(mask_col: str | None, countries_col: str | None):
    def emit(row, meta):
        keys = dim.departments_in(row[mask_col]) if mask_col else []
        if countries_col:
            keys += [dim.FOREIGN_PREFIX + c for c in _split(row[countries_col])]
        return [(k, row["n"]) for k in keys or ["none"]]

    return emit


def _provinces(column: str, single: bool = False):
    def emit(row, meta):
        keys = ([row[column]] if row[column] else []) if single else _split(row[column])
        return [(k, row["n"]) for k in keys or ["none"]]

    return emit


def _origin(row, meta):
    if row["origin_dept"]:
        return [(row["origin_dept"], row["n"])]
    if row["origin_country"] and row["origin_country"] != "PE":
        return [(dim.FOREIGN_PREFIX + row["origin_country"], row["n"])]
    return [("none", row["n"])]


def _routes(row, meta):
    origins = dim.departments_in(row["recruitment_mask"]) + [
        dim.FOREIGN_PREFIX + c for c in _split(row["recruitment_countries"])
    ]
    destinations = dim.departments_in(row["dept_mask"]) + [
        dim.FOREIGN_PREFIX + c for c in _split(row["exploitation_countries"])
    ]
    return [(f"{o}>{d}", row["n"]) for o in origins for d in destinations]


def _attrition(row, meta):
    return [(code, row["n"]) for i, code in enumerate(dim.ATTRITION_CODES) if row["reached"] & (1 << i)]


def _defendant_outcomes(row, meta):
    return [(key, row[f"s_n_{key}"] or 0) for key in ("convicted", "acquitted", "archived", "pending")]


def _minor(row, meta):
    return [("minor" if row["is_minor"] else "adult", row["n"])]


def _month(row, meta):
    return [(f"{row['month']:02d}", row["n"])]


def F_(code, title, unit, **kw) -> Figure:  # noqa: N802 — a short constructor for the table below
    return Figure(code=code, title=title, unit=unit, **kw)


VICTIMS = _("víctimas")
YEAR_OF_COMPLAINT = _("año de la denuncia")
MULTI = _("Una víctima puede figurar en más de una categoría: las categorías no suman el total.")

SPECS: list[Spec] = [
    # victims
    Spec(F_("victims_total", _("Víctimas"), "victims", year_basis=YEAR_OF_COMPLAINT), "victim"),
    Spec(
        F_(
            "victims_by_month",
            _("Víctimas por mes de la denuncia"),
            "victims",
            label=_month_label,
            keys=lambda: [f"{m:02d}" for m in range(1, 13)],
        ),
        "victim",
        ("month",),
        emit=_month,
    ),
    Spec(
        F_("victims_by_sex", _("Víctimas por sexo"), "victims", keys=_sex_keys, label=_sex_label),
        "victim",
        ("sex",),
        emit=_one("sex"),
    ),
    Spec(
        F_(
            "victims_by_age_band",
            _("Víctimas por grupo de edad"),
            "victims",
            keys=lambda: dim.AGE_BAND_CODES,
            label=_age_label,
            note=_("Edad durante la explotación."),
        ),
        "victim",
        ("age_band",),
        emit=_one("age_band"),
    ),
    Spec(
        F_(
            "victims_by_sex_age",
            _("Víctimas por sexo y grupo de edad"),
            "victims",
            label=_sex_age_label,
            keys=lambda: [f"{s}|{a}" for s in _sex_keys() for a in dim.AGE_BAND_CODES],
        ),
        "victim",
        ("sex", "age_band"),
        emit=lambda row, meta: [(f"{row['sex']}|{row['age_band']}", row["n"])],
    ),
    Spec(
        F_(
            "victims_by_minor",
            _("Víctimas menores de edad"),
            "victims",
            keys=lambda: ["minor", "adult"],
            label=_minor_label,
            drilldown=lambda key: {"minor_victim": "1"} if key == "minor" else None,
        ),
        "victim",
        ("is_minor",),
        emit=_minor,
    ),
    Spec(
        F_("victims_by_nationality", _("Víctimas por nacionalidad"), "victims", label=_nationality_label),
        "victim",
        ("nationality",),
        emit=_one("nationality"),
    ),
    Spec(
        F_(
            "victims_by_form",
            _("Víctimas por forma de explotación"),
            "victims",
            additive=False,
            note=MULTI,
            keys=lambda: dim.top_level_forms() + ["none"],
            label=_form_label,
            drilldown=lambda key: {"exploitation": key} if key != "none" else None,
        ),
        "victim",
        emit=_forms,
    ),
    Spec(
        F_(
            "victims_by_exploitation_dept",
            _("Víctimas por departamento de explotación"),
            "victims",
            additive=False,
            note=MULTI,
            label=_place_label,
            drilldown=_only_dept,
        ),
        "victim",
        ("exploitation_countries",),
        emit=_places("dept_mask", "exploitation_countries"),
    ),
    Spec(
        F_(
            "victims_by_recruitment_dept",
            _("Víctimas por departamento de captación"),
            "victims",
            additive=False,
            note=MULTI,
            label=_place_label,
        ),
        "victim",
        ("recruitment_mask", "recruitment_countries"),
        emit=_places("recruitment_mask", "recruitment_countries"),
    ),
    Spec(
        F_("victims_by_origin_dept", _("Víctimas por departamento de origen"), "victims", label=_place_label),
        "victim",
        ("origin_dept", "origin_country"),
        emit=_origin,
    ),
    Spec(
        F_(
            "victims_by_exploitation_prov",
            _("Víctimas por provincia de explotación"),
            "victims",
            max_scope_dims=2,
            additive=False,
            note=MULTI,
            label=_place_label,
        ),
        "victim",
        ("exploitation_provinces",),
        emit=_provinces("exploitation_provinces"),
    ),
    Spec(
        F_(
            "victims_by_recruitment_prov",
            _("Víctimas por provincia de captación"),
            "victims",
            max_scope_dims=2,
            additive=False,
            note=MULTI,
            label=_place_label,
        ),
        "victim",
        ("recruitment_provinces",),
        emit=_provinces("recruitment_provinces"),
    ),
    Spec(
        F_(
            "victims_by_origin_prov",
            _("Víctimas por provincia de origen"),
            "victims",
            max_scope_dims=2,
            label=_place_label,
        ),
        "victim",
        ("origin_prov",),
        emit=_provinces("origin_prov", single=True),
    ),
    Spec(
        F_(
            "victims_routes",
            _("Rutas: de la captación a la explotación"),
            "victims",
            max_scope_dims=2,
            additive=False,
            note=MULTI,
            label=_route_label,
        ),
        "victim",
        ("recruitment_mask", "recruitment_countries", "exploitation_countries"),
        emit=_routes,
    ),
    # cases
    Spec(F_("cases_total", _("Denuncias (casos)"), "cases", year_basis=YEAR_OF_COMPLAINT), "case"),
    Spec(
        F_(
            "cases_by_month",
            _("Denuncias por mes"),
            "cases",
            label=_month_label,
            keys=lambda: [f"{m:02d}" for m in range(1, 13)],
        ),
        "case",
        ("month",),
        emit=_month,
    ),
    Spec(
        F_(
            "cases_by_df",
            _("Denuncias por distrito fiscal"),
            "cases",
            label=_df_label,
            drilldown=lambda key: {"distrito_fiscal": key},
        ),
        "case",
        emit=_one("distrito_fiscal"),
    ),
    Spec(
        F_(
            "cases_by_stage",
            _("Casos por etapa procesal actual"),
            "cases",
            keys=_stage_keys,
            label=_stage_label,
            drilldown=lambda key: {"stage": key},
        ),
        "case",
        ("stage",),
        emit=_one("stage"),
    ),
    Spec(
        F_(
            "cases_by_status",
            _("Casos por estado"),
            "cases",
            keys=_status_keys,
            label=_status_label,
            drilldown=lambda key: {"status": key},
        ),
        "case",
        ("status",),
        emit=_one("status"),
    ),
    Spec(
        F_(
            "cases_by_outcome",
            _("Casos por resultado"),
            "cases",
            keys=lambda: [c for c, _l in dim.CASE_OUTCOMES],
            label=_outcome_label,
            note=_(
                "Con condena si algún imputado fue condenado; si no, con absolución si alguno fue absuelto."
            ),
        ),
        "case",
        ("outcome",),
        emit=_one("outcome"),
    ),
    Spec(
        F_(
            "attrition",
            _("Del registro de la denuncia a la condena"),
            "cases",
            additive=False,
            keys=lambda: list(dim.ATTRITION_CODES),
            label=_attrition_label,
            note=_("Casos denunciados en el periodo que alcanzaron cada etapa o una posterior."),
        ),
        "case",
        ("reached",),
        emit=_attrition,
    ),
    Spec(
        F_(
            "defendants_by_outcome",
            _("Imputados por resultado"),
            "defendants",
            keys=_defendant_outcome_keys,
            label=_defendant_outcome_label,
        ),
        "case",
        sums=("n_convicted", "n_acquitted", "n_archived", "n_pending"),
        emit=_defendant_outcomes,
    ),
    Spec(
        F_(
            "convictions_by_year",
            _("Casos con condena, por año de la primera condena"),
            "cases",
            year_basis=_("año de la condena"),
        ),
        "case",
        year="conviction_year",
        where=Q(conviction_year__isnull=False),
    ),
    Spec(
        F_(
            "convicted_persons_by_year",
            _("Personas condenadas, por año de la condena"),
            "defendants",
            year_basis=_("año de la condena"),
        ),
        "case",
        sums=("n_convicted",),
        emit=lambda row, meta: [("", row["s_n_convicted"] or 0)],
        year="conviction_year",
        where=Q(conviction_year__isnull=False),
    ),
]

DURATIONS = F_(
    "stage_durations",
    _("Tiempo entre etapas (días, mediana)"),
    "days",
    additive=False,
    distribution=True,
    keys=lambda: list(dim.TRANSITION_CODES),
    label=_transition_label,
    note=_("Días entre la primera entrada en cada etapa, para los casos que llegaron a ambas."),
)

FIGURES = [spec.figure for spec in SPECS] + [DURATIONS]


# --- facts --------------------------------------------------------------------------------------------------

CASE_FIELDS = (
    "run",
    "case_id",
    "year",
    "month",
    "distrito_fiscal",
    "agency_id",
    "dept_mask",
    "form_mask",
    "stage",
    "status",
    "outcome",
    "reached",
    "n_convicted",
    "n_acquitted",
    "n_archived",
    "n_pending",
    "conviction_year",
    "d_preliminary",
    "d_formalised",
    "d_accusation",
    "d_trial",
    "d_sentence",
)
VICTIM_FIELDS = (
    "run",
    "case_id",
    "person_id",
    "year",
    "month",
    "distrito_fiscal",
    "agency_id",
    "dept_mask",
    "form_mask",
    "control_mask",
    "sex",
    "age",
    "age_band",
    "is_minor",
    "nationality",
    "relation",
    "recruitment_mask",
    "recruitment_provinces",
    "recruitment_countries",
    "exploitation_provinces",
    "exploitation_countries",
    "origin_dept",
    "origin_prov",
    "origin_country",
)


def _province(ubigeo_code: str | None) -> str:
    # district and province codes carry their province in the first four digits; a department's does not
    if ubigeo_code and len(ubigeo_code) == 6 and ubigeo_code[2:4] != "00":
        return ubigeo_code[:4]
    return ""


def _join(values: Iterable[str]) -> str:
    return ",".join(sorted(v for v in values if v))


@dataclass
class _Vocabularies:
    """The bit positions of the forms of exploitation and the means of control, by term id."""

    form_of_term: dict[int, str]
    control_of_term: dict[int, str]
    form_index: dict[str, int]
    control_index: dict[str, int]

    @classmethod
    def load(cls, meta: dict) -> _Vocabularies:
        from sistra.core.models import Term

        top = dim.form_top_level()
        return cls(
            form_of_term={
                pk: top.get(code, code)
                for pk, code in Term.objects.filter(vocabulary=Term.Vocabulary.EXPLOITATION).values_list("id", "code")
            },
            control_of_term=dict(Term.objects.filter(vocabulary=Term.Vocabulary.CONTROL).values_list("id", "code")),
            form_index={code: i for i, code in enumerate(meta["forms"])},
            control_index={code: i for i, code in enumerate(meta["controls"])},
        )


def write_facts(run, meta: dict) -> tuple[int, int]:
    """Read the registry in chunks of cases and write its fact rows for `run`: for each chunk, what its cases'
    places, stage changes, defendants' outcomes and victims' forms and means of control add up to
    (`_load_*`), then one fact row per victim and one per case."""
    from sistra.cases.models import Case
    from sistra.stats.models import FactCase, FactVictim

    vocabularies = _Vocabularies.load(meta)
    bounds = Case.objects.aggregate(lo=Min("id"), hi=Max("id"))
    if bounds["lo"] is None:
        return 0, 0
    n_cases = n_victims = 0
    for lo in range(bounds["lo"], bounds["hi"] + 1, CHUNK):
        cases = list(
            Case.objects.filter(id__gte=lo, id__lt=lo + CHUNK).values_list(
                "id",
                "complaint_date",
                "facts_date_from",
                "distrito_fiscal_id",
                "fiscalia_id",
                "current_stage_id",
                "status",
            )
        )
        if not cases:
            continue
        in_chunk = {"case_id__gte": lo, "case_id__lt": lo + CHUNK}
        places = _load_places(in_chunk)
        info = {
            case_id: (
                complaint,
                facts_from,
                df,
                agency,
                dim.mask_of_departments(places.get(case_id, {}).get("exploitation_depts", ())),
            )
            for case_id, complaint, facts_from, df, agency, _stage, _status in cases
        }
        case_forms: dict[int, int] = defaultdict(int)
        victim_rows = _victim_rows(run, in_chunk, info, places, vocabularies, case_forms)
        case_rows = _case_rows(run, cases, info, case_forms, in_chunk)
        n_cases += bulk_insert(FactCase, CASE_FIELDS, case_rows)
        n_victims += bulk_insert(FactVictim, VICTIM_FIELDS, victim_rows)
    return n_cases, n_victims


def _load_places(in_chunk: dict) -> dict[int, dict[str, set]]:
    """By case: the departments, provinces and countries of recruitment, transit and exploitation."""
    from sistra.cases.models import CasePlace

    places: dict[int, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for case_id, kind, ubigeo_id, dep, country in CasePlace.objects.filter(**in_chunk).values_list(
        "case_id", "kind", "ubigeo_id", "departamento_code", "country_id"
    ):
        p = places[case_id]
        if country:
            p[f"{kind}_countries"].add(country)
        else:
            p[f"{kind}_depts"].add(dep or (ubigeo_id or "")[:2])
            p[f"{kind}_provs"].add(_province(ubigeo_id))
    return places


def _load_milestones(in_chunk: dict) -> tuple[dict[int, dict[str, datetime.date]], dict[int, int]]:
    """By case: the first day it reached each procedural milestone, and the furthest stage it reached."""
    from sistra.cases.models import CaseEvent

    milestones: dict[int, dict[str, datetime.date]] = defaultdict(dict)
    rank: dict[int, int] = defaultdict(int)
    for case_id, stage, first in (
        CaseEvent.objects.filter(**in_chunk, kind=CaseEvent.Kind.STAGE_CHANGE)
        .exclude(stage_to__isnull=True)
        .values("case_id", "stage_to_id")
        .annotate(first=Min("date"))
        .values_list("case_id", "stage_to_id", "first")
        .order_by()
    ):
        rank[case_id] = max(rank[case_id], dim.STAGE_RANK.get(stage, 0))
        milestone = dim.MILESTONE_OF_STAGE.get(stage)
        if milestone and (milestone not in milestones[case_id] or first < milestones[case_id][milestone]):
            milestones[case_id][milestone] = first
    return milestones, rank


def _load_outcomes(in_chunk: dict) -> tuple[dict[int, Counter], dict[int, datetime.date]]:
    """By case: how many defendants have each outcome, and the day of its first conviction."""
    from sistra.cases.models import CaseDefendant

    outcomes: dict[int, Counter] = defaultdict(Counter)
    convicted_on: dict[int, datetime.date] = {}
    for case_id, outcome, n, first in (
        CaseDefendant.objects.filter(**in_chunk)
        .values("case_id", "outcome")
        .annotate(n=Count("id"), first=Min("outcome_date"))
        .values_list("case_id", "outcome", "n", "first")
        .order_by()
    ):
        outcomes[case_id][outcome] += n
        if outcome == CaseDefendant.Outcome.CONVICTED and first:
            convicted_on[case_id] = first
    return outcomes, convicted_on


def _load_victim_masks(in_chunk: dict, vocabularies: _Vocabularies) -> tuple[dict[int, int], dict[int, int]]:
    """By victim: the bit masks of her forms of exploitation and of the means of control used on her."""
    from sistra.cases.models import CaseVictim

    by_victim = {"casevictim__case_id__gte": in_chunk["case_id__gte"], "casevictim__case_id__lt": in_chunk["case_id__lt"]}

    def masks(through, code_of_term: dict[int, str], index: dict[str, int]) -> dict[int, int]:
        found: dict[int, int] = defaultdict(int)
        for victim_id, term_id in through.objects.filter(**by_victim).values_list("casevictim_id", "term_id"):
            code = code_of_term.get(term_id)
            if code in index:
                found[victim_id] |= 1 << index[code]
        return found

    return (
        masks(CaseVictim.exploitation_forms.through, vocabularies.form_of_term, vocabularies.form_index),
        masks(CaseVictim.control_methods.through, vocabularies.control_of_term, vocabularies.control_index),
    )


def _victim_rows(run, in_chunk: dict, info: dict, places: dict, vocabularies: _Vocabularies,
                 case_forms: dict[int, int]) -> list[tuple]:
    """One fact row per victim of the chunk (VICTIM_FIELDS); adds each victim's forms to her case's."""
    from sistra.cases.models import CaseVictim

    victim_forms, victim_controls = _load_victim_masks(in_chunk, vocabularies)
    victims = CaseVictim.objects.filter(**in_chunk).values_list(
        "id",
        "case_id",
        "person_id",
        "age_at_exploitation",
        "is_minor",
        "nationality_id",
        "relation_to_trafficker",
        "person__sex",
        "person__date_of_birth",
        "person__estimated_age",
        "person__age_estimated_on",
        "person__ubigeo_origin_id",
        "person__country_origin_id",
    )
    rows = []
    for (
        vid,
        case_id,
        person_id,
        age,
        is_minor,
        nationality,
        relation,
        sex,
        dob,
        est,
        est_on,
        origin,
        origin_country,
    ) in victims:
        complaint, facts_from, df, agency, dept_mask = info[case_id]
        if age is None:
            age = dim.age_on(facts_from or complaint, date_of_birth=dob, estimated_age=est, age_estimated_on=est_on)
            if age is not None and age < 0:
                age = None
        fmask = victim_forms.get(vid, 0)
        case_forms[case_id] |= fmask
        p = places.get(case_id, {})
        rows.append(
            (
                run.pk,
                case_id,
                person_id,
                complaint.year,
                complaint.month,
                df,
                agency,
                dept_mask,
                fmask,
                victim_controls.get(vid, 0),
                sex or "unknown",
                age,
                dim.age_band(age),
                is_minor,
                nationality or "",
                relation or "",
                dim.mask_of_departments(p.get("recruitment_depts", ())),
                _join(p.get("recruitment_provs", ())),
                _join(p.get("recruitment_countries", ())),
                _join(p.get("exploitation_provs", ())),
                _join(p.get("exploitation_countries", ())),
                (origin or "")[:2],
                _province(origin),
                "" if origin else (origin_country or ""),
            )
        )
    return rows


def _case_rows(run, cases: list[tuple], info: dict, case_forms: dict[int, int], in_chunk: dict) -> list[tuple]:
    """One fact row per case of the chunk (CASE_FIELDS): outcome, furthest stage, days to each milestone."""
    milestones, rank = _load_milestones(in_chunk)
    outcomes, convicted_on = _load_outcomes(in_chunk)
    rows = []
    for case_id, complaint, _facts_from, df, agency, stage, status in cases:
        counts = outcomes.get(case_id, Counter())
        top_rank = max(rank.get(case_id, 0), dim.STAGE_RANK.get(stage, 0))
        if counts["convicted"]:
            top_rank = dim.CONVICTION_RANK
        ms = milestones.get(case_id, {})

        def days(m, ms=ms, complaint=complaint):
            return (ms[m] - complaint).days if m in ms else None

        conviction = convicted_on.get(case_id)
        rows.append(
            (
                run.pk,
                case_id,
                complaint.year,
                complaint.month,
                df,
                agency,
                info[case_id][4],
                case_forms.get(case_id, 0),
                stage,
                status,
                dim.case_outcome(
                    status=status,
                    n_convicted=counts["convicted"],
                    n_acquitted=counts["acquitted"],
                    n_archived=counts["archived"],
                    n_pending=counts["pending"],
                ),
                (1 << (top_rank + 1)) - 1,
                counts["convicted"],
                counts["acquitted"],
                counts["archived"],
                counts["pending"],
                conviction.year if conviction else None,
                days("preliminary"),
                days("formalised"),
                days("accusation"),
                days("trial"),
                days("sentence"),
            )
        )
    return rows


# --- the cube -----------------------------------------------------------------------------------------------


class _Scopes:
    """The scopes of a group of fact rows, from its distrito fiscal, fiscalía and masks — the same few
    thousand combinations recur in every figure, so they are worked out once."""

    def __init__(self, meta: dict) -> None:
        from sistra.accounts.models import Agency

        self.forms = meta["forms"]
        self.agency_codes = dict(Agency.objects.values_list("id", "code"))
        self.memo: dict[tuple, list[tuple[str, str]]] = {}

    def __call__(self, row: dict, max_dims: int) -> list[tuple[str, str]]:
        key = (row["distrito_fiscal"], row["agency_id"], row["dept_mask"], row["form_mask"], max_dims)
        found = self.memo.get(key)
        if found is None:
            found = self.memo[key] = scope_combinations(
                {
                    "df": [row["distrito_fiscal"]],
                    "agency": [self.agency_codes.get(row["agency_id"], str(row["agency_id"]))],
                    "dept": dim.departments_in(row["dept_mask"]),
                    "form": dim.bits_in(row["form_mask"], self.forms),
                },
                max_dims,
            )
        return found


def _unscoped(row: dict, max_dims: int) -> list[tuple[str, str]]:
    return [("", "")]


def _grouped(qs: QuerySet, spec: Spec):
    columns = [spec.year, *BASE, *[c for c in spec.columns if c not in BASE]]
    aggregates = {"n": Count("id")}
    for column in spec.sums:
        aggregates[f"s_{column}"] = Sum(column)
    return qs.filter(spec.where).values(*columns).annotate(**aggregates).order_by()


def compute_cells(
    *,
    facts: dict[str, QuerySet],
    meta: dict,
    sink: CellSink,
    stored: bool = True,
    figures: set[str] | None = None,
) -> None:
    """Every figure for the combinations of filters it stores (or, with stored=False, for the facts given,
    unscoped), written figure by figure."""
    scopes = _Scopes(meta) if stored else _unscoped
    values = sink.values
    for spec in SPECS:
        code = spec.figure.code
        if figures is not None and code not in figures:
            continue
        max_dims = spec.figure.max_scope_dims
        for row in _grouped(facts[spec.fact], spec).iterator(chunk_size=20_000):
            year = row[spec.year]
            pairs = [(key, n) for key, n in spec.emit(row, meta) if n]
            for scope, value in scopes(row, max_dims):
                for key, n in pairs:
                    values[(code, year, scope, value, key)] += n
        sink.flush()
        values = sink.values
    if figures is None or DURATIONS.code in figures:
        _durations(facts["case"], sink, scopes)


def _durations(qs: QuerySet, sink: CellSink, scopes) -> None:
    for code, start, end, _label in dim.TRANSITIONS:
        end_col = F(f"d_{end}")
        length = end_col if start == "complaint" else end_col - F(f"d_{start}")
        condition = Q(**{f"d_{end}__isnull": False})
        if start != "complaint":
            condition &= Q(**{f"d_{start}__isnull": False}) & Q(**{f"d_{end}__gte": F(f"d_{start}")})
        rows = (
            qs.filter(condition)
            .annotate(days=length)
            .values("year", *BASE, "days")
            .annotate(n=Count("id"))
            .order_by()
        )
        for row in rows.iterator(chunk_size=20_000):
            for scope, value in scopes(row, DURATIONS.max_scope_dims):
                sink.add_duration(DURATIONS.code, row["year"], scope, value, code, row["days"], row["n"])
        sink.flush()


class CasesSource(Source):
    def build(self, *, run, sink: CellSink) -> dict:
        from sistra.stats.models import FactCase, FactVictim

        meta = {"forms": dim.top_level_forms(), "controls": dim.control_codes()}
        run.meta = {**run.meta, **meta}
        run.save(update_fields=["meta"])
        n_cases, n_victims = write_facts(run, meta)
        compute_cells(
            facts={"case": FactCase.objects.filter(run=run), "victim": FactVictim.objects.filter(run=run)},
            meta=meta,
            sink=sink,
        )
        return {"fact_cases": n_cases, "fact_victims": n_victims}

    def filtered(self, *, run, filters, figures, sink: CellSink) -> bool:
        from sistra.accounts.models import Agency
        from sistra.stats.models import FactCase, FactVictim

        meta = run.meta
        facts = {"case": FactCase.objects.filter(run=run), "victim": FactVictim.objects.filter(run=run)}
        for name, qs in facts.items():
            if filters.df:
                qs = qs.filter(distrito_fiscal=filters.df)
            if filters.agency:
                agency_id = Agency.objects.filter(code=filters.agency).values_list("id", flat=True).first()
                qs = qs.filter(agency_id=agency_id or 0)
            if filters.dept:
                qs = qs.annotate(_dept=F("dept_mask").bitand(dim.dept_bit(filters.dept))).filter(_dept__gt=0)
            if filters.form:
                if filters.form not in meta.get("forms", []):
                    qs = qs.none()
                else:
                    bit = 1 << meta["forms"].index(filters.form)
                    qs = qs.annotate(_form=F("form_mask").bitand(bit)).filter(_form__gt=0)
            facts[name] = qs
        # all years: the caller keeps the cells of the period (a conviction counts in its own year)
        compute_cells(facts=facts, meta=meta, sink=sink, stored=False, figures=set(figures))
        return True


SOURCE = CasesSource(code="cases", title=_("Casos penales"), scopes=frozenset(SCOPES), figures=FIGURES)
