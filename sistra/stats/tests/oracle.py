"""Figures recomputed the slow, obvious way from the raw registry rows (model instances, one by one), to
check the aggregates against. Nothing here uses sistra.stats code: the rules are written out again from
their definitions (docs/decisions/0006)."""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass

from sistra.cases.models import Case, CaseDefendant, CaseEvent, CasePlace, CaseVictim

# funnel rank of each stage: complaint 0, formalised 1, accusation 2, trial 3, sentence 4 (conviction 5)
RANK = {
    "investigacion_preparatoria": 1,
    "terminacion_anticipada": 1,
    "acusacion_directa": 2,
    "etapa_intermedia": 2,
    "juicio_oral": 3,
    "conclusion_anticipada": 3,
    "sentencia": 4,
    "apelacion": 4,
    "casacion": 4,
    "ejecucion": 4,
}
STEPS = ["complaint", "formalised", "accusation", "trial", "sentence", "conviction"]
MILESTONE_STAGES = {
    "preliminary": {"diligencias_preliminares"},
    "formalised": {"investigacion_preparatoria"},
    "accusation": {"acusacion_directa", "etapa_intermedia"},
    "trial": {"juicio_oral"},
    "sentence": {"sentencia"},
}
TRANSITIONS = {
    "complaint_preliminary": ("complaint", "preliminary"),
    "preliminary_formalised": ("preliminary", "formalised"),
    "formalised_accusation": ("formalised", "accusation"),
    "accusation_trial": ("accusation", "trial"),
    "trial_sentence": ("trial", "sentence"),
    "complaint_sentence": ("complaint", "sentence"),
}


def band(age):
    if age is None:
        return "unknown"
    if age <= 11:
        return "0-11"
    if age <= 17:
        return "12-17"
    if age <= 24:
        return "18-24"
    if age <= 29:
        return "25-29"
    if age <= 39:
        return "30-39"
    if age <= 49:
        return "40-49"
    return "50+"


@dataclass
class Filter:
    years: tuple[int, int] | None = None
    dept: str | None = None
    df: str | None = None
    agency: str | None = None
    form: str | None = None


def _places(case, kind):
    out = []
    for p in case.places.all():
        if p.kind != kind:
            continue
        out.append(p.ubigeo.departamento_code if p.ubigeo_id else "ext:" + p.country_id)
    return out


def _provinces(case, kind):
    return {
        p.ubigeo.provincia_code
        for p in case.places.all()
        if p.kind == kind and p.ubigeo_id and p.ubigeo.provincia_code
    }


def _top_forms(victim):
    return {t.parent.code if t.parent_id else t.code for t in victim.exploitation_forms.all()}


def _cases():
    return Case.objects.select_related("fiscalia").prefetch_related(
        "places__ubigeo", "events", "defendants", "victims__exploitation_forms__parent"
    )


def _case_matches(case, f: Filter) -> bool:
    if f.df and case.distrito_fiscal_id != f.df:
        return False
    if f.agency and case.fiscalia.code != f.agency:
        return False
    if f.dept and f.dept not in _places(case, CasePlace.Kind.EXPLOITATION):
        return False
    if f.form and not any(f.form in _top_forms(v) for v in case.victims.all()):
        return False
    return True


def victim_figures(f: Filter) -> dict[str, Counter]:
    out: dict[str, Counter] = defaultdict(Counter)
    victims = CaseVictim.objects.select_related(
        "case__fiscalia", "person__ubigeo_origin", "person"
    ).prefetch_related("exploitation_forms__parent", "case__places__ubigeo")
    for v in victims:
        case = v.case
        year = case.complaint_date.year
        if f.years and not f.years[0] <= year <= f.years[1]:
            continue
        if f.df and case.distrito_fiscal_id != f.df:
            continue
        if f.agency and case.fiscalia.code != f.agency:
            continue
        exploitation = _places(case, CasePlace.Kind.EXPLOITATION)
        if f.dept and f.dept not in exploitation:
            continue
        forms = _top_forms(v)
        if f.form and f.form not in forms:
            continue
        person = v.person
        age = v.age_at_exploitation
        if age is None:
            age = person.age_on(case.facts_date_from or case.complaint_date)
        out["victims_total"][(year, "")] += 1
        out["victims_by_month"][(year, f"{case.complaint_date.month:02d}")] += 1
        out["victims_by_sex"][(year, person.sex)] += 1
        out["victims_by_age_band"][(year, band(age))] += 1
        out["victims_by_sex_age"][(year, f"{person.sex}|{band(age)}")] += 1
        out["victims_by_minor"][(year, "minor" if v.is_minor else "adult")] += 1
        out["victims_by_nationality"][(year, v.nationality_id or "")] += 1
        for form in forms or {"none"}:
            out["victims_by_form"][(year, form)] += 1
        for place in exploitation or ["none"]:
            out["victims_by_exploitation_dept"][(year, place)] += 1
        recruitment = _places(case, CasePlace.Kind.RECRUITMENT)
        for place in recruitment or ["none"]:
            out["victims_by_recruitment_dept"][(year, place)] += 1
        if person.ubigeo_origin_id:
            origin = person.ubigeo_origin.departamento_code
        elif person.country_origin_id and person.country_origin_id != "PE":
            origin = "ext:" + person.country_origin_id
        else:
            origin = "none"
        out["victims_by_origin_dept"][(year, origin)] += 1
        for prov in _provinces(case, CasePlace.Kind.EXPLOITATION) or {"none"}:
            out["victims_by_exploitation_prov"][(year, prov)] += 1
        for prov in _provinces(case, CasePlace.Kind.RECRUITMENT) or {"none"}:
            out["victims_by_recruitment_prov"][(year, prov)] += 1
        origin_prov = person.ubigeo_origin.provincia_code if person.ubigeo_origin_id else ""
        out["victims_by_origin_prov"][(year, origin_prov or "none")] += 1
        for a in set(recruitment):
            for b in set(exploitation):
                out["victims_routes"][(year, f"{a}>{b}")] += 1
    return out


def case_figures(f: Filter) -> dict[str, Counter]:
    out: dict[str, Counter] = defaultdict(Counter)
    durations: dict[tuple[int, str], list[int]] = defaultdict(list)
    for case in _cases():
        if not _case_matches(case, f):
            continue
        year = case.complaint_date.year
        defendants = list(case.defendants.all())
        convicted = [d for d in defendants if d.outcome == CaseDefendant.Outcome.CONVICTED]
        if convicted:
            first = min(d.outcome_date for d in convicted)
            if not f.years or f.years[0] <= first.year <= f.years[1]:
                out["convictions_by_year"][(first.year, "")] += 1
                out["convicted_persons_by_year"][(first.year, "")] += len(convicted)
        if f.years and not f.years[0] <= year <= f.years[1]:
            continue
        out["cases_total"][(year, "")] += 1
        out["cases_by_month"][(year, f"{case.complaint_date.month:02d}")] += 1
        out["cases_by_df"][(year, case.distrito_fiscal_id)] += 1
        out["cases_by_stage"][(year, case.current_stage_id)] += 1
        out["cases_by_status"][(year, case.status)] += 1
        outcomes = Counter(d.outcome for d in defendants)
        if outcomes["convicted"]:
            outcome = "convicted"
        elif outcomes["acquitted"]:
            outcome = "acquitted"
        elif case.status == "archived" or (outcomes["archived"] and not outcomes["pending"]):
            outcome = "archived"
        else:
            outcome = "pending"
        out["cases_by_outcome"][(year, outcome)] += 1
        for d in defendants:
            out["defendants_by_outcome"][(year, d.outcome)] += 1
        stage_events = [
            e for e in case.events.all() if e.kind == CaseEvent.Kind.STAGE_CHANGE and e.stage_to_id
        ]
        entered = {e.stage_to_id for e in stage_events} | {case.current_stage_id}
        rank = max(RANK.get(s, 0) for s in entered)
        if convicted:
            rank = 5
        for i, step in enumerate(STEPS):
            if rank >= i:
                out["attrition"][(year, step)] += 1
        first_day: dict[str, datetime.date] = {"complaint": case.complaint_date}
        for milestone, stages in MILESTONE_STAGES.items():
            days = [e.date for e in stage_events if e.stage_to_id in stages]
            if days:
                first_day[milestone] = min(days)
        for code, (a, b) in TRANSITIONS.items():
            if a in first_day and b in first_day and first_day[b] >= first_day[a]:
                durations[(year, code)].append((first_day[b] - first_day[a]).days)
    for (year, code), values in durations.items():
        out["stage_durations"][(year, code)] = len(values)
    out["_durations"] = durations  # type: ignore[assignment]
    return out


def all_figures(f: Filter) -> dict[str, Counter]:
    return {**victim_figures(f), **case_figures(f)}


def median(values: list[int]) -> float | None:
    if not values:
        return None
    values = sorted(values)
    n = len(values)
    return float(values[n // 2]) if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2
