"""Mapping between SISTRA's criminal-case records and HTCDS rows: the export row of a CaseVictim and the
inputs an import builds from a row."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sistra.core.text import normalize

if TYPE_CHECKING:
    from sistra.accounts.models import Agency
    from sistra.core.models import DistritoFiscal, ProceduralStage

from .columns import (
    ACTUAL_VICTIM,
    AGE_AT_EXPLOITATION,
    AGE_ESTIMATED_ON,
    ALIASES,
    BIRTHDATE,
    CASE_NUMBER,
    CASE_OWNER,
    CASE_STATUS_TO_HTCDS,
    CASE_TITLE,
    CITIZENSHIP,
    CLOSURE_REASON,
    COMPLAINT_DATE,
    CONTROL,
    CONTROL_METHODS,
    DECISION_BY_PROSECUTION,
    DECISION_ORG,
    DISTRITO_FISCAL,
    DOCUMENT_COUNTRY,
    DOCUMENT_NUMBER,
    DOCUMENT_TYPE,
    ESTIMATED_AGE,
    EXPLOITATION_FORMS,
    EXPLOITATION_TYPE,
    FACTS_FROM,
    FACTS_TO,
    FIRST_NAME,
    FISCALIA,
    GENDER,
    IMPLIED_TYPE,
    INDUSTRY,
    INDUSTRY_OF_TERM,
    IS_COMPLEX,
    LANGUAGES,
    LINE_SEPARATOR,
    MATERNAL,
    OPENED_DATE,
    ORIGIN_COUNTRY,
    ORIGIN_UBIGEO,
    OWNER_AGENCY,
    PATERNAL,
    PERSON_CODE,
    PLACE_CODES,
    PLACE_DESCRIPTIONS,
    PLACE_HTCDS,
    POSSIBLE_VICTIM,
    RECRUITMENT_METHOD,
    RECRUITMENT_TERM,
    RELATION,
    RESIDENCE_UBIGEO,
    SECOND_NAME,
    SEPARATOR,
    SEX,
    SEX_TO_GENDER,
    SEX_TYPE,
    SOURCE,
    STAGE,
    STAGE_STARTED,
    STATUS,
    SURNAME_PARTICLES,
    TRAFFICKING_STATUS,
    VICTIM_NATIONALITY,
    citizenship_labels,
    country_label,
    picklist_order,
    picklist_value,
)

# ------------------------------------------------------------------------------------ export mapping


def place_code(place) -> str:
    return place.ubigeo_id if place.ubigeo_id else place.country_id


def place_text(place) -> str:
    if place.ubigeo_id:
        return f"{place.ubigeo.full_name}, {country_label_by_code('PE')}"
    return country_label(place.country)


def country_label_by_code(code: str) -> str:
    return citizenship_labels().get(code, code)


def exploitation_columns(terms) -> dict[str, list[str]]:
    """The HTCDS values of SISTRA's forms of exploitation, by column, in the standard's order."""
    found: dict[str, set[str]] = {EXPLOITATION_TYPE: set(), INDUSTRY: set(), SEX_TYPE: set()}
    for term in terms:
        value = term.htcds_value
        for column in (EXPLOITATION_TYPE, INDUSTRY, SEX_TYPE):
            if value and picklist_value(column, value) == value:
                found[column].add(value)
                if column in IMPLIED_TYPE:
                    found[EXPLOITATION_TYPE].add(IMPLIED_TYPE[column])
                break
        industry = INDUSTRY_OF_TERM.get(term.code)
        if industry:
            found[INDUSTRY].add(industry)
            found[EXPLOITATION_TYPE].add(IMPLIED_TYPE[INDUSTRY])
    return {column: picklist_order(column, values) for column, values in found.items()}


def _term_sort_key(term):
    return (term.sort_order, term.code)


def join(values) -> str:
    return SEPARATOR.join(v for v in values if v)


def victim_row(victim, *, convicted: bool) -> dict[str, object]:
    """One row of the export for a CaseVictim whose case, person and parts were fetched by
    selectors.htcds_export_victims (no query here)."""
    case, person = victim.case, victim.person
    documents = sorted(person.documents.all(), key=lambda d: (d.kind, d.number))
    issuers = [d.country_id or "" for d in documents]
    places = {
        kind: sorted(
            (p for p in case.places.all() if p.kind == kind), key=lambda p: (place_code(p), p.description)
        )
        for kind in PLACE_CODES
    }
    forms = sorted(victim.exploitation_forms.all(), key=_term_sort_key)
    controls = sorted(victim.control_methods.all(), key=_term_sort_key)
    exploitation = exploitation_columns(forms)
    row: dict[str, object] = {
        CASE_OWNER: case.owner_agency.name,
        FIRST_NAME: person.first_names,
        SECOND_NAME: " ".join(p for p in (person.last_name_paternal, person.last_name_maternal) if p),
        BIRTHDATE: person.date_of_birth,
        GENDER: SEX_TO_GENDER.get(person.sex, ""),
        CITIZENSHIP: country_label(person.nationality),
        TRAFFICKING_STATUS: ACTUAL_VICTIM if convicted else POSSIBLE_VICTIM,
        DECISION_ORG: DECISION_BY_PROSECUTION,
        RECRUITMENT_METHOD: victim.recruitment_method.htcds_value if victim.recruitment_method else "",
        CONTROL: join(picklist_order(CONTROL, [t.htcds_value for t in controls if t.htcds_value])),
        EXPLOITATION_TYPE: join(exploitation[EXPLOITATION_TYPE]),
        INDUSTRY: join(exploitation[INDUSTRY]),
        SEX_TYPE: join(exploitation[SEX_TYPE]),
        STATUS: CASE_STATUS_TO_HTCDS.get(case.status, ""),
        CLOSURE_REASON: case.current_stage.name_es if case.status != "active" else "",
        CASE_NUMBER: case.number,
        FISCALIA: case.fiscalia.code,
        OWNER_AGENCY: case.owner_agency.code,
        DISTRITO_FISCAL: case.distrito_fiscal_id,
        CASE_TITLE: case.title,
        COMPLAINT_DATE: case.complaint_date,
        FACTS_FROM: case.facts_date_from,
        FACTS_TO: case.facts_date_to,
        OPENED_DATE: case.opened_date,
        SOURCE: case.source,
        IS_COMPLEX: case.is_complex,
        STAGE: case.current_stage_id,
        STAGE_STARTED: case.stage_started_on,
        PERSON_CODE: person.code,
        PATERNAL: person.last_name_paternal,
        MATERNAL: person.last_name_maternal,
        SEX: person.sex,
        ESTIMATED_AGE: person.estimated_age,
        AGE_ESTIMATED_ON: person.age_estimated_on,
        DOCUMENT_TYPE: join(d.kind for d in documents),
        DOCUMENT_NUMBER: join(d.number for d in documents),
        DOCUMENT_COUNTRY: SEPARATOR.join(issuers) if any(issuers) else "",
        ALIASES: join(sorted(a.alias for a in person.aliases.all())),
        LANGUAGES: join(sorted(t.code for t in person.languages.all())),
        ORIGIN_UBIGEO: person.ubigeo_origin_id or "",
        ORIGIN_COUNTRY: person.country_origin_id or "",
        RESIDENCE_UBIGEO: person.ubigeo_residence_id or "",
        AGE_AT_EXPLOITATION: victim.age_at_exploitation,
        VICTIM_NATIONALITY: victim.nationality_id or "",
        EXPLOITATION_FORMS: join(t.code for t in forms),
        CONTROL_METHODS: join(t.code for t in controls),
        RECRUITMENT_TERM: victim.recruitment_method.code if victim.recruitment_method else "",
        RELATION: victim.relation_to_trafficker,
    }
    for kind, kind_places in places.items():
        if kind in PLACE_HTCDS:
            row[PLACE_HTCDS[kind]] = join(place_text(p) for p in kind_places)
        row[PLACE_CODES[kind]] = join(place_code(p) for p in kind_places)
        descriptions = [p.description.replace("\r", " ").replace("\n", " ") for p in kind_places]
        row[PLACE_DESCRIPTIONS[kind]] = LINE_SEPARATOR.join(descriptions) if any(descriptions) else ""
    return row


# ------------------------------------------------------------------------------------ import mapping


@dataclass
class PlaceInput:
    kind: str
    ubigeo: object = None
    country: object = None
    description: str = ""

    @property
    def key(self) -> tuple:
        return (self.kind, getattr(self.ubigeo, "pk", None), getattr(self.country, "pk", None))


@dataclass
class CaseInput:
    number: str
    fiscalia: Agency
    owner: Agency
    distrito_fiscal: DistritoFiscal
    title: str
    complaint_date: datetime.date | None
    facts_date_from: datetime.date | None
    facts_date_to: datetime.date | None
    opened_date: datetime.date | None
    source: str
    is_complex: bool
    stage: ProceduralStage
    stage_started_on: datetime.date | None
    places: list[PlaceInput] = field(default_factory=list)

    @property
    def key(self) -> tuple:
        return (self.fiscalia.pk, self.number)

    def comparable(self) -> dict[str, object]:
        """Case-level values that every row of the same case must repeat, by column."""
        return {
            OWNER_AGENCY: self.owner.pk,
            DISTRITO_FISCAL: self.distrito_fiscal.pk,
            CASE_TITLE: self.title,
            COMPLAINT_DATE: self.complaint_date,
            FACTS_FROM: self.facts_date_from,
            FACTS_TO: self.facts_date_to,
            OPENED_DATE: self.opened_date,
            SOURCE: self.source,
            IS_COMPLEX: self.is_complex,
            STAGE: self.stage.pk,
            STAGE_STARTED: self.stage_started_on,
        }


@dataclass
class PersonInput:
    code: str
    first_names: str
    last_name_paternal: str
    last_name_maternal: str
    sex: str
    date_of_birth: datetime.date | None
    estimated_age: int | None
    age_estimated_on: datetime.date | None
    nationality: object
    ubigeo_origin: object
    country_origin: object
    ubigeo_residence: object
    documents: list = field(default_factory=list)  # people.services.DocumentInput
    aliases: list[str] = field(default_factory=list)
    languages: list = field(default_factory=list)


@dataclass
class VictimInput:
    age_at_exploitation: int | None
    nationality: object
    exploitation_forms: list
    control_methods: list
    recruitment_method: object
    relation_to_trafficker: str


@dataclass
class RowInput:
    number: int
    case: CaseInput
    person: PersonInput
    victim: VictimInput


def split_surnames(text: str) -> tuple[str, str]:
    """'Quispe Mamani' → ('Quispe', 'Mamani'); 'De la Cruz Huamán' → ('De la Cruz', 'Huamán')."""
    groups, current = [], []
    for token in text.split():
        current.append(token)
        if normalize(token) not in SURNAME_PARTICLES:
            groups.append(" ".join(current))
            current = []
    if current:
        if groups:
            groups[-1] = " ".join([groups[-1], *current])
        else:
            groups.append(" ".join(current))
    if not groups:
        return "", ""
    if len(groups) == 1:
        return groups[0], ""
    return groups[0], " ".join(groups[1:])
