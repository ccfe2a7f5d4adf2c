"""HTCDS v2 Excel exchange: the template's layout, the mapping between SISTRA's records and the HTCDS columns
(plus the `sistra_` columns a faithful round trip needs), and the reader and writer of the workbook.

Nothing here writes to the database: services.htcds_import / htcds_export call it. The mapping table is in
docs/decisions/0003-htcds-exchange.md; the template and the picklists come from sistra/interop/data (IOM,
CC BY 4.0, see SOURCES.md there)."""

import csv
import datetime
import os
import re
import tempfile
from copy import copy
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from sistra.accounts.models import Agency
from sistra.cases.models import Case, CaseVictim
from sistra.cases.services import ARCHIVE_STAGE, CLOSING_STAGES, INITIAL_STAGE
from sistra.core.models import Country, DistritoFiscal, ProceduralStage, Term, Ubigeo
from sistra.core.text import normalize
from sistra.core.validation import check_not_future
from sistra.people.models import IdentityDocument, Person
from sistra.people.services import DocumentInput
from sistra.people.validators import clean_dni

DATA_DIR = Path(__file__).resolve().parent / "data"
TEMPLATE_PATH = DATA_DIR / "HTCDS_Excel_Spreadsheet_v2.0.xlsx"
PICKLISTS_PATH = DATA_DIR / "htcds_picklists.csv"

NAME_ROW, LABEL_ROW, FIRST_DATA_ROW = 1, 2, 3
SEPARATOR = (
    ";"  # how Salesforce (the standard's reference platform) joins the values of a multi-select picklist
)
LINE_SEPARATOR = "\n"  # for lists of free text, which may contain ';'
DATE_FORMAT = "dd/mm/yyyy"
# A spreadsheet runs text starting with these as a formula (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# ---------------------------------------------------------------------------------------- HTCDS columns

CASE_OWNER = "cas_CaseOwner"
FIRST_NAME = "prs_FirstName"
SECOND_NAME = "prs_SecondName"
BIRTHDATE = "prs_Birthdate"
GENDER = "prs_Gender"
CITIZENSHIP = "prs_Citizenship"
CONSENT = "con_Consent"
TRAFFICKING_STATUS = "vic_TraffickingStatus"
DECISION_ORG = "vic_TraffickinStatusDecisionMakingOrg"  # spelled so in the template
RECRUITMENT_METHOD = "vic_MethodOfRecruitment"
RECRUITMENT_LOCATION = "vic_LocationOfRecruitment"
CONTROL = "vic_MethodsOfControl"
EXPLOITATION_TYPE = "vic_TypeOfExploitation"
INDUSTRY = "vic_ForcedLabourIndustry"
SEX_TYPE = "vic_TypeOfSexExploitation"
EXPLOITATION_LOCATION = "vic_LocationOfExploitation"
STATUS = "cas_Status"
CLOSURE_REASON = "cas_ReasonForCaseClosure"

# Spellings of the same fields elsewhere in the HTCDS toolkit (the standard, the XLSForm).
HEADER_ALIASES = {
    "vic_TraffickingStatusDecisionMakingOrg": DECISION_ORG,
    "prs_First_Name": FIRST_NAME,
    "prs_Second_Name": SECOND_NAME,
    "vic_Methods_of_Control": CONTROL,
}
# Picklist of each column in htcds_picklists.csv (named there as in the standard).
PICKLIST_OF = {
    GENDER: "prs_Gender",
    CITIZENSHIP: "prs_Citizenship",
    CONSENT: "con_Consent",
    TRAFFICKING_STATUS: "vic_TraffickingStatus",
    DECISION_ORG: "vic_TraffickingStatusDecisionMakingOrg",
    RECRUITMENT_METHOD: "vic_MethodOfRecruitment",
    CONTROL: "vic_MethodsOfControl",
    EXPLOITATION_TYPE: "vic_TypeOfExploitation",
    INDUSTRY: "vic_ForcedLabourIndustry",
    SEX_TYPE: "vic_TypeOfSexExploitation",
    STATUS: "cas_Status",
}
HTCDS_PREFIXES = ("org_", "prs_", "vic_", "per_", "cas_", "cco_", "hte_", "spl_", "con_")
# HTCDS columns SISTRA derives on export and checks, but does not store, on import.
DERIVED_COLUMNS = frozenset({CASE_OWNER, TRAFFICKING_STATUS, DECISION_ORG, CLOSURE_REASON})
# HTCDS columns whose values SISTRA stores.
STORED_HTCDS_COLUMNS = frozenset(
    {
        FIRST_NAME,
        SECOND_NAME,
        BIRTHDATE,
        GENDER,
        CITIZENSHIP,
        RECRUITMENT_METHOD,
        RECRUITMENT_LOCATION,
        CONTROL,
        EXPLOITATION_TYPE,
        INDUSTRY,
        SEX_TYPE,
        EXPLOITATION_LOCATION,
        STATUS,
    }
)

# ------------------------------------------------------------------------------------- sistra_ columns


@dataclass(frozen=True)
class ExtraColumn:
    name: str
    label: object  # lazy translation


CASE_NUMBER = "sistra_CaseNumber"
FISCALIA = "sistra_Fiscalia"
OWNER_AGENCY = "sistra_OwnerAgency"
DISTRITO_FISCAL = "sistra_DistritoFiscal"
CASE_TITLE = "sistra_CaseTitle"
COMPLAINT_DATE = "sistra_ComplaintDate"
FACTS_FROM = "sistra_FactsDateFrom"
FACTS_TO = "sistra_FactsDateTo"
OPENED_DATE = "sistra_OpenedDate"
SOURCE = "sistra_Source"
IS_COMPLEX = "sistra_IsComplex"
STAGE = "sistra_Stage"
STAGE_STARTED = "sistra_StageStartedOn"
PLACE_CODES = {
    "recruitment": "sistra_RecruitmentUbigeo",
    "transit": "sistra_TransitUbigeo",
    "exploitation": "sistra_ExploitationUbigeo",
}
PLACE_DESCRIPTIONS = {
    "recruitment": "sistra_RecruitmentDescription",
    "transit": "sistra_TransitDescription",
    "exploitation": "sistra_ExploitationDescription",
}
PLACE_HTCDS = {"recruitment": RECRUITMENT_LOCATION, "exploitation": EXPLOITATION_LOCATION}
PERSON_CODE = "sistra_PersonCode"
PATERNAL = "sistra_ApellidoPaterno"
MATERNAL = "sistra_ApellidoMaterno"
SEX = "sistra_Sex"
ESTIMATED_AGE = "sistra_EstimatedAge"
AGE_ESTIMATED_ON = "sistra_AgeEstimatedOn"
DOCUMENT_TYPE = "sistra_DocumentType"
DOCUMENT_NUMBER = "sistra_DocumentNumber"
DOCUMENT_COUNTRY = "sistra_DocumentCountry"
ALIASES = "sistra_Aliases"
LANGUAGES = "sistra_Languages"
ORIGIN_UBIGEO = "sistra_OriginUbigeo"
ORIGIN_COUNTRY = "sistra_OriginCountry"
RESIDENCE_UBIGEO = "sistra_ResidenceUbigeo"
AGE_AT_EXPLOITATION = "sistra_AgeAtExploitation"
VICTIM_NATIONALITY = "sistra_VictimNationality"
EXPLOITATION_FORMS = "sistra_ExploitationForms"
CONTROL_METHODS = "sistra_ControlMethods"
RECRUITMENT_TERM = "sistra_RecruitmentMethod"
RELATION = "sistra_RelationToTrafficker"

SISTRA_COLUMNS: tuple[ExtraColumn, ...] = (
    ExtraColumn(CASE_NUMBER, gettext_lazy("Número de carpeta fiscal")),
    ExtraColumn(FISCALIA, gettext_lazy("Fiscalía (código)")),
    ExtraColumn(OWNER_AGENCY, gettext_lazy("Institución propietaria (código)")),
    ExtraColumn(DISTRITO_FISCAL, gettext_lazy("Distrito fiscal (código)")),
    ExtraColumn(CASE_TITLE, gettext_lazy("Denominación del caso")),
    ExtraColumn(COMPLAINT_DATE, gettext_lazy("Fecha de la denuncia")),
    ExtraColumn(FACTS_FROM, gettext_lazy("Fecha de los hechos (desde)")),
    ExtraColumn(FACTS_TO, gettext_lazy("Fecha de los hechos (hasta)")),
    ExtraColumn(OPENED_DATE, gettext_lazy("Fecha de apertura")),
    ExtraColumn(
        SOURCE, gettext_lazy("Origen de la denuncia (police, hotline, direct, referral, ex_officio)")
    ),
    ExtraColumn(IS_COMPLEX, gettext_lazy("Declarado complejo")),
    ExtraColumn(STAGE, gettext_lazy("Etapa procesal actual (código)")),
    ExtraColumn(STAGE_STARTED, gettext_lazy("Inicio de la etapa actual")),
    ExtraColumn(
        PLACE_CODES["recruitment"],
        gettext_lazy("Lugares de captación (ubigeo INEI o país ISO, separados por ;)"),
    ),
    ExtraColumn(
        PLACE_DESCRIPTIONS["recruitment"],
        gettext_lazy("Descripción de cada lugar de captación (una por línea)"),
    ),
    ExtraColumn(
        PLACE_CODES["transit"], gettext_lazy("Lugares de tránsito (ubigeo INEI o país ISO, separados por ;)")
    ),
    ExtraColumn(
        PLACE_DESCRIPTIONS["transit"], gettext_lazy("Descripción de cada lugar de tránsito (una por línea)")
    ),
    ExtraColumn(
        PLACE_CODES["exploitation"],
        gettext_lazy("Lugares de explotación (ubigeo INEI o país ISO, separados por ;)"),
    ),
    ExtraColumn(
        PLACE_DESCRIPTIONS["exploitation"],
        gettext_lazy("Descripción de cada lugar de explotación (una por línea)"),
    ),
    ExtraColumn(PERSON_CODE, gettext_lazy("Código de la persona (seudónimo)")),
    ExtraColumn(PATERNAL, gettext_lazy("Apellido paterno")),
    ExtraColumn(MATERNAL, gettext_lazy("Apellido materno")),
    ExtraColumn(SEX, gettext_lazy("Sexo / género (female, male, transgender, other, unknown)")),
    ExtraColumn(ESTIMATED_AGE, gettext_lazy("Edad estimada")),
    ExtraColumn(AGE_ESTIMATED_ON, gettext_lazy("Fecha de la estimación de edad")),
    ExtraColumn(
        DOCUMENT_TYPE, gettext_lazy("Tipo de cada documento (dni, ce, passport, ptp, other; separados por ;)")
    ),
    ExtraColumn(DOCUMENT_NUMBER, gettext_lazy("Número de cada documento (separados por ;)")),
    ExtraColumn(DOCUMENT_COUNTRY, gettext_lazy("País emisor de cada documento (ISO; separados por ;)")),
    ExtraColumn(ALIASES, gettext_lazy("Alias (separados por ;)")),
    ExtraColumn(LANGUAGES, gettext_lazy("Idiomas (códigos SISTRA, separados por ;)")),
    ExtraColumn(ORIGIN_UBIGEO, gettext_lazy("Ubigeo de origen")),
    ExtraColumn(ORIGIN_COUNTRY, gettext_lazy("País de origen (ISO)")),
    ExtraColumn(RESIDENCE_UBIGEO, gettext_lazy("Ubigeo de residencia")),
    ExtraColumn(AGE_AT_EXPLOITATION, gettext_lazy("Edad durante la explotación")),
    ExtraColumn(VICTIM_NATIONALITY, gettext_lazy("Nacionalidad de la víctima en el caso (ISO)")),
    ExtraColumn(EXPLOITATION_FORMS, gettext_lazy("Formas de explotación (códigos SISTRA, separados por ;)")),
    ExtraColumn(CONTROL_METHODS, gettext_lazy("Medios de control (códigos SISTRA, separados por ;)")),
    ExtraColumn(RECRUITMENT_TERM, gettext_lazy("Método de captación (código SISTRA)")),
    ExtraColumn(RELATION, gettext_lazy("Relación con el tratante (código SISTRA)")),
)
SISTRA_COLUMN_NAMES = frozenset(c.name for c in SISTRA_COLUMNS)

# ------------------------------------------------------------------------------------ value mappings

# Person.Sex ↔ prs_Gender. SISTRA's single "transgender" cannot be split into HTCDS's feminine/masculine
# without guessing, so it is exported with an empty prs_Gender and kept in sistra_Sex.
SEX_TO_GENDER = {
    "female": "Feminine",
    "male": "Masculine",
    "other": "NonConforming",
    "unknown": "NonSpecifiedUnknown",
}
GENDER_TO_SEX = {
    "Feminine": "female",
    "Masculine": "male",
    "TransgenderFeminine": "transgender",
    "TransgenderMasculine": "transgender",
    "NonConforming": "other",
    "NonSpecifiedUnknown": "unknown",
}

# Case.Status → cas_Status (FollowUp and ClosedReferred have no SISTRA equivalent of their own).
CASE_STATUS_TO_HTCDS = {"active": "Active", "archived": "Closed", "closed": "Closed"}
HTCDS_STATUS_IS_OPEN = {"Active": True, "FollowUp": True, "Closed": False, "ClosedReferred": False}
POSSIBLE_VICTIM, ACTUAL_VICTIM, NOT_A_VICTIM = (
    "PossibleVictimOfTrafficking",
    "ActualVictimOfTrafficking",
    "NotAVictimOfTrafficking",
)
DECISION_BY_PROSECUTION = "CourtOrProsecution"

# SISTRA's Peruvian forms of labour exploitation (Term codes) and the ISIC section HTCDS names for them.
INDUSTRY_OF_TERM = {
    "laboral_mineria": "B_MiningAndQuarrying",
    "laboral_forestal": "A_AgricultureForestryAndFishing",
    "laboral_agricultura": "A_AgricultureForestryAndFishing",
    "laboral_pesca": "A_AgricultureForestryAndFishing",
    "laboral_construccion": "F_Construction",
    "laboral_comercio_ambulatorio": "G_WholesaleAndRetailTradeRepairOfMotorVehicles",
}
# The other way, one SISTRA term per industry (the sector most cases are about).
TERM_OF_INDUSTRY = {
    "A_AgricultureForestryAndFishing": "laboral_agricultura",
    "B_MiningAndQuarrying": "laboral_mineria",
    "F_Construction": "laboral_construccion",
    "G_WholesaleAndRetailTradeRepairOfMotorVehicles": "laboral_comercio_ambulatorio",
}
# A value of a sub-list implies this value of vic_TypeOfExploitation.
IMPLIED_TYPE = {INDUSTRY: "ForcedLabour", SEX_TYPE: "SexualExploitation"}

SURNAME_PARTICLES = {
    "de",
    "del",
    "la",
    "las",
    "los",
    "y",
    "da",
    "das",
    "do",
    "dos",
    "di",
    "van",
    "von",
    "san",
    "santa",
}
PERSON_CODE_RE = re.compile(r"^P-[0-9A-Z]{8}$")

# ---------------------------------------------------------------------------------------- picklists


@cache
def picklists() -> dict[str, list[tuple[str, str]]]:
    """field → [(API value, label)] in the standard's order."""
    lists: dict[str, list[tuple[str, str]]] = {}
    with PICKLISTS_PATH.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            lists.setdefault(row["field"], []).append((row["value"], row["label"]))
    return lists


@cache
def _picklist_index(column: str) -> dict[str, str]:
    index = {}
    for value, label in picklists()[PICKLIST_OF[column]]:
        index[normalize(label)] = value
        index[normalize(value)] = value
    return index


def picklist_value(column: str, text: str) -> str | None:
    """The API value of a picklist entry given its value or its label, in any case; None if unknown."""
    return _picklist_index(column).get(normalize(text))


def picklist_order(column: str, values) -> list[str]:
    order = {value: i for i, (value, _label) in enumerate(picklists()[PICKLIST_OF[column]])}
    return sorted(set(values), key=lambda v: (order.get(v, len(order)), v))


@cache
def citizenship_labels() -> dict[str, str]:
    """ISO 3166-1 alpha-2 → the country's name in the HTCDS picklist."""
    return dict(picklists()["prs_Citizenship"])


def country_label(country) -> str:
    if country is None:
        return ""
    return citizenship_labels().get(country.code) or country.name_en or country.name_es


# ---------------------------------------------------------------------------------- formula injection


def guard(value):
    """Text a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def unguard(value):
    if (
        isinstance(value, str)
        and len(value) > 1
        and value[0] == "'"
        and value[1:].startswith(FORMULA_TRIGGERS)
    ):
        return value[1:]
    return value


# --------------------------------------------------------------------------------------- the template


@dataclass(frozen=True)
class TemplateColumn:
    index: int  # 1-based
    name: str  # API name in row 1 ("" where the template has none)
    label: str


@cache
def template_columns() -> tuple[TemplateColumn, ...]:

    wb = load_workbook(TEMPLATE_PATH, read_only=True)
    ws = wb.worksheets[0]
    names, labels = (list(r) for r in ws.iter_rows(min_row=NAME_ROW, max_row=LABEL_ROW, values_only=True))
    wb.close()
    return tuple(
        TemplateColumn(i + 1, (names[i] or "").strip(), (labels[i] or "").strip())
        for i in range(len(names))
        if names[i] or labels[i]
    )


def htcds_column_names() -> list[str]:
    return [c.name for c in template_columns() if c.name]


def write_workbook(path, rows: list[dict]) -> None:
    """The template's sheet with its two header rows, the `sistra_` columns after the HTCDS ones, and one
    row per dict (keys: column names). Written to a temporary file first, so a failure leaves no half file."""

    wb = load_workbook(TEMPLATE_PATH)
    ws = wb.worksheets[0]
    if ws.max_row >= FIRST_DATA_ROW:
        ws.delete_rows(FIRST_DATA_ROW, ws.max_row - FIRST_DATA_ROW + 1)
    columns = {c.name: c.index for c in template_columns() if c.name}
    last = max(c.index for c in template_columns())
    name_style = ws.cell(NAME_ROW, last)
    label_style = ws.cell(LABEL_ROW, last)
    for offset, extra in enumerate(SISTRA_COLUMNS, start=1):
        index = last + offset
        columns[extra.name] = index
        for row, style_from, value in (
            (NAME_ROW, name_style, extra.name),
            (LABEL_ROW, label_style, str(extra.label)),
        ):
            cell = ws.cell(row, index, value)
            cell.font, cell.alignment = copy(style_from.font), copy(style_from.alignment)
    for number, data in enumerate(rows, start=1):
        excel_row = FIRST_DATA_ROW + number - 1
        ws.cell(excel_row, 1, number)  # the template numbers its data rows in column A
        for name, value in data.items():
            if value is None or value == "":
                continue
            cell = ws.cell(excel_row, columns[name], guard(value))
            if isinstance(value, datetime.date):
                cell.number_format = DATE_FORMAT
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(suffix=".xlsx", dir=directory)
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# ----------------------------------------------------------------------------------------- the reader


@dataclass(frozen=True)
class CellError:
    row: int  # as numbered in Excel; 0 for the file as a whole
    column: str  # column name (row 1), "" for the row as a whole
    message: str


@dataclass
class SheetRow:
    number: int
    values: dict[str, object]


@dataclass
class Sheet:
    columns: list[str] = field(default_factory=list)
    rows: list[SheetRow] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)


def _cell_value(cell):
    value = cell.value
    if isinstance(value, datetime.datetime):
        return value.date() if value.time() == datetime.time(0) else value
    if isinstance(value, str):
        value = unguard(value.strip())
        return value or None
    return value


def read_workbook(path) -> Sheet:
    """The rows of an HTCDS workbook, keyed by the column names of row 1. Formula cells, unknown columns
    and a missing header are reported as errors; nothing is evaluated."""

    sheet = Sheet()
    try:
        wb = load_workbook(path, read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        sheet.errors.append(CellError(0, "", _("El archivo no es un libro de Excel (.xlsx) legible.")))
        return sheet
    try:
        ws = wb.worksheets[0]
        rows = ws.iter_rows()
        header = next(rows, ())
        names: dict[int, str] = {}
        seen: set[str] = set()
        known = set(htcds_column_names()) | SISTRA_COLUMN_NAMES
        for cell in header:
            raw = cell.value.strip() if isinstance(cell.value, str) else cell.value
            if not raw:
                continue
            name = HEADER_ALIASES.get(str(raw), str(raw))
            if name in seen:
                sheet.errors.append(CellError(NAME_ROW, name, _("La columna está repetida.")))
                continue
            seen.add(name)
            if name not in known and not name.startswith(HTCDS_PREFIXES):
                sheet.errors.append(
                    CellError(
                        NAME_ROW, name, _("Columna desconocida: no es un campo HTCDS ni una columna sistra_.")
                    )
                )
                continue
            if name.startswith("sistra_") and name not in SISTRA_COLUMN_NAMES:
                sheet.errors.append(CellError(NAME_ROW, name, _("Columna sistra_ desconocida.")))
                continue
            names[cell.column] = name
        if FIRST_NAME not in seen:
            sheet.errors.append(
                CellError(
                    NAME_ROW,
                    FIRST_NAME,
                    _(
                        "Falta la fila de nombres de campo HTCDS (fila 1, con prs_FirstName): el archivo no "
                        "sigue la plantilla HTCDS v2."
                    ),
                )
            )
            return sheet
        sheet.columns = [names[i] for i in sorted(names)]
        next(rows, None)  # row 2: the human labels
        for excel_row in rows:
            values: dict[str, object] = {}
            number = None
            for cell in excel_row:
                if not hasattr(cell, "column"):  # an empty cell in read-only mode
                    continue
                number = cell.row
                name = names.get(cell.column)
                if name is None:
                    continue
                if cell.data_type == "f":
                    sheet.errors.append(
                        CellError(
                            cell.row,
                            name,
                            _("La celda contiene una fórmula (%(cell)s); SISTRA solo importa valores.")
                            % {"cell": f"{get_column_letter(cell.column)}{cell.row}"},
                        )
                    )
                    values[name] = None
                    continue
                value = _cell_value(cell)
                if value is not None:
                    values[name] = value
            if number is not None and any(v is not None for v in values.values()):
                sheet.rows.append(SheetRow(number, values))
    finally:
        wb.close()
    return sheet


# -------------------------------------------------------------------------------- reference lookups


@dataclass
class Lookups:
    """Reference data by every key an import may use, loaded once per import (no query per row)."""

    ubigeos: dict
    ubigeo_full_names: dict  # code → "district, province, department"
    ubigeo_names: dict  # normalised full name → Ubigeo
    countries: dict
    country_names: dict
    terms: dict
    terms_by_htcds: dict
    stages: dict
    distritos: dict
    agencies: dict

    @classmethod
    def load(cls) -> "Lookups":

        ubigeos = {u.code: u for u in Ubigeo.objects.all()}
        full_names, ubigeo_names = {}, {}
        for u in ubigeos.values():
            parts, node = [u.name], u
            while node.parent_id:
                node = ubigeos[node.parent_id]
                parts.append(node.name)
            full_names[u.code] = ", ".join(parts)
            ubigeo_names[normalize(full_names[u.code])] = u
        countries = {c.code: c for c in Country.objects.all()}
        country_names = {}
        for c in countries.values():
            for key in (c.code, c.alpha3, c.name_es, c.name_en, citizenship_labels().get(c.code, "")):
                if key:
                    country_names.setdefault(normalize(key), c)
        terms, by_htcds = {}, {}
        for t in Term.objects.order_by("vocabulary", "sort_order", "code"):
            terms[(t.vocabulary, t.code)] = t
            if t.htcds_value and t.is_active:
                by_htcds.setdefault((t.vocabulary, normalize(t.htcds_value)), []).append(t)
        for candidates in by_htcds.values():
            # the general term (no parent) stands for a bare HTCDS value
            candidates.sort(key=lambda t: (t.parent_id is not None, t.sort_order, t.code))
        distritos = {}
        for d in DistritoFiscal.objects.all():
            distritos[d.code] = d
            distritos.setdefault(normalize(d.name), d)
        return cls(
            ubigeos=ubigeos,
            ubigeo_full_names=full_names,
            ubigeo_names=ubigeo_names,
            countries=countries,
            country_names=country_names,
            terms=terms,
            terms_by_htcds=by_htcds,
            stages={s.code: s for s in ProceduralStage.objects.all()},
            distritos=distritos,
            agencies={a.code: a for a in Agency.objects.all()},
        )

    def term_for_htcds(self, vocabulary: str, value: str):
        candidates = self.terms_by_htcds.get((vocabulary, normalize(value)))
        return candidates[0] if candidates else None


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
    fiscalia: object
    owner: object
    distrito_fiscal: object
    title: str
    complaint_date: datetime.date | None
    facts_date_from: datetime.date | None
    facts_date_to: datetime.date | None
    opened_date: datetime.date | None
    source: str
    is_complex: bool
    stage: object
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


class RowParser:
    """Turns one sheet row into a RowInput, collecting every problem of every column (Spanish messages)."""

    def __init__(
        self, row: SheetRow, lookups: Lookups, *, default_agency, reported: frozenset[str] = frozenset()
    ):
        self.row = row
        self.values = row.values
        self.lk = lookups
        self.default_agency = default_agency
        self.errors: list[CellError] = []
        self.warnings: list[str] = []
        # columns already reported (by the reader, e.g. a formula): one message per cause is enough
        self.reported = reported
        self.bad_columns: set[str] = set(reported)

    # -- cell helpers

    def error(self, column: str, message: str) -> None:
        if column not in self.reported:
            self.errors.append(CellError(self.row.number, column, message))
        self.bad_columns.add(column)

    def has(self, column: str) -> bool:
        return self.values.get(column) is not None

    def text(self, column: str) -> str:
        value = self.values.get(column)
        if value is None:
            return ""
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, datetime.date):
            return value.isoformat()
        return str(value).strip()

    def items(self, column: str, *, keep_empty: bool = False) -> list[str]:
        parts = [p.strip() for p in self.text(column).split(SEPARATOR)]
        return parts if keep_empty else [p for p in parts if p]

    def date(self, column: str, label: str) -> datetime.date | None:
        value = self.values.get(column)
        if value is None:
            return None
        day = None
        if isinstance(value, datetime.datetime):
            day = value.date()
        elif isinstance(value, datetime.date):
            day = value
        elif isinstance(value, str):
            for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
                try:
                    day = datetime.datetime.strptime(value.strip(), fmt).date()
                    break
                except ValueError:
                    continue
        if day is None:
            self.error(
                column,
                _("Fecha no válida: «%(value)s». Use el formato dd/mm/aaaa o una celda de fecha.")
                % {"value": value},
            )
            return None
        errors: dict = {}
        check_not_future(errors, column, day, label)
        for message in errors.get(column, []):
            self.error(column, message)
        return day

    def integer(self, column: str, *, low: int, high: int) -> int | None:
        value = self.values.get(column)
        if value is None:
            return None
        try:
            number = int(str(value).strip()) if not isinstance(value, (int, float)) else value
            if isinstance(number, float):
                if not number.is_integer():
                    raise ValueError
                number = int(number)
        except (TypeError, ValueError):
            self.error(column, _("Número entero no válido: «%(value)s».") % {"value": value})
            return None
        if not low <= number <= high:
            self.error(
                column,
                _("El valor %(value)s debe estar entre %(low)s y %(high)s.")
                % {"value": number, "low": low, "high": high},
            )
            return None
        return number

    def boolean(self, column: str) -> bool:
        value = self.values.get(column)
        if value is None:
            return False
        if isinstance(value, bool):
            return value
        text = normalize(str(value))
        if text in {"true", "1", "si", "yes", "verdadero", "x"}:
            return True
        if text in {"false", "0", "no", "falso"}:
            return False
        self.error(column, _("Valor no válido: «%(value)s». Use TRUE o FALSE.") % {"value": value})
        return False

    def country(self, column: str, text: str | None = None):
        text = self.text(column) if text is None else text
        if not text:
            return None
        country = self.lk.country_names.get(normalize(text))
        if country is None:
            self.error(
                column,
                _(
                    "País no reconocido: «%(value)s». Use el nombre del país en la lista HTCDS o su "
                    "código ISO de 2 letras."
                )
                % {"value": text},
            )
        return country

    def ubigeo(self, column: str, text: str | None = None):
        text = self.text(column) if text is None else text
        if not text:
            return None
        code = text.zfill(6) if text.isdigit() else text
        ubigeo = self.lk.ubigeos.get(code)
        if ubigeo is None:
            self.error(
                column,
                _("Ubigeo no reconocido: «%(value)s». Use el código INEI de 6 dígitos.") % {"value": text},
            )
        return ubigeo

    def picklist(self, column: str, *, multiple: bool) -> list[str]:
        values = []
        for item in self.items(column):
            value = picklist_value(column, item)
            if value is None:
                self.error(
                    column,
                    _("Valor no admitido por la lista HTCDS de %(column)s: «%(value)s».")
                    % {"column": column, "value": item},
                )
                continue
            values.append(value)
        if not multiple and len(values) > 1:
            self.error(column, _("Indique un solo valor."))
            return values[:1]
        return values

    def term_codes(self, column: str, vocabulary: str) -> list:
        terms = []
        for code in self.items(column):
            term = self.lk.terms.get((vocabulary, code))
            if term is None:
                self.error(column, _("Código no reconocido en SISTRA: «%(value)s».") % {"value": code})
                continue
            if term not in terms:
                terms.append(term)
        return terms

    def mismatch(self, column: str, other: str) -> None:
        if column in self.bad_columns or other in self.bad_columns:
            return  # its own error already says what is wrong
        self.error(
            column,
            _(
                "No coincide con la columna %(other)s de la misma fila; corrija una de las dos "
                "(o vacíe la columna %(other)s)."
            )
            % {"other": other},
        )

    # -- the row

    def parse(self) -> RowInput | None:
        case = self._case()
        person = self._person()
        victim = self._victim(person)
        self._derived(case)
        if self.errors or case is None:
            return None
        return RowInput(self.row.number, case, person, victim)

    def _case(self) -> CaseInput | None:
        number = self.text(CASE_NUMBER)
        if not number:
            self.error(
                CASE_NUMBER,
                _("Indique el número de carpeta fiscal: SISTRA registra víctimas de un caso penal."),
            )
        fiscalia = self._agency(FISCALIA) or self.default_agency
        if fiscalia is not None and fiscalia.kind != Agency.Kind.FISCALIA:
            self.error(
                FISCALIA if self.has(FISCALIA) else CASE_NUMBER,
                _("«%(code)s» no es una fiscalía: indique en %(column)s la fiscalía del caso.")
                % {"code": fiscalia.code, "column": FISCALIA},
            )
        owner = self._agency(OWNER_AGENCY) or self.default_agency
        distrito = None
        if self.has(DISTRITO_FISCAL):
            distrito = self.lk.distritos.get(self.text(DISTRITO_FISCAL)) or self.lk.distritos.get(
                normalize(self.text(DISTRITO_FISCAL))
            )
            if distrito is None:
                self.error(
                    DISTRITO_FISCAL,
                    _("Distrito fiscal no reconocido: «%(value)s».") % {"value": self.text(DISTRITO_FISCAL)},
                )
        elif fiscalia is not None and fiscalia.distrito_fiscal_id:
            distrito = self.lk.distritos[fiscalia.distrito_fiscal_id]
        else:
            self.error(DISTRITO_FISCAL, _("Indique el distrito fiscal."))
        complaint = self.date(COMPLAINT_DATE, _("La fecha de la denuncia"))
        if not self.has(COMPLAINT_DATE):
            self.error(COMPLAINT_DATE, _("Indique la fecha de la denuncia."))
        facts_from = self.date(FACTS_FROM, _("La fecha de inicio de los hechos"))
        facts_to = self.date(FACTS_TO, _("La fecha de fin de los hechos"))
        opened = self.date(OPENED_DATE, _("La fecha de apertura"))
        source = self.text(SOURCE) or "referral"
        if source not in Case.Source.values:
            self.error(
                SOURCE,
                _("Origen de la denuncia no válido: «%(value)s». Valores: %(values)s.")
                % {"value": source, "values": ", ".join(Case.Source.values)},
            )
        stage = self._stage()
        stage_started = self.date(STAGE_STARTED, _("La fecha del cambio de etapa")) or complaint
        places = self._places()
        is_complex = self.boolean(IS_COMPLEX)
        if not number or fiscalia is None or owner is None or distrito is None or stage is None:
            return None
        return CaseInput(
            number=number,
            fiscalia=fiscalia,
            owner=owner,
            distrito_fiscal=distrito,
            title=self.text(CASE_TITLE),
            complaint_date=complaint,
            facts_date_from=facts_from,
            facts_date_to=facts_to,
            opened_date=opened,
            source=source,
            is_complex=is_complex,
            stage=stage,
            stage_started_on=stage_started,
            places=places,
        )

    def _agency(self, column: str):
        if not self.has(column):
            return None
        agency = self.lk.agencies.get(self.text(column))
        if agency is None:
            self.error(
                column,
                _("Institución no registrada en SISTRA: «%(value)s» (use su código).")
                % {"value": self.text(column)},
            )
        return agency

    def _stage(self):
        status = self.picklist(STATUS, multiple=False)
        if self.has(STAGE):
            stage = self.lk.stages.get(self.text(STAGE))
            if stage is None:
                self.error(
                    STAGE, _("Etapa procesal no reconocida: «%(value)s».") % {"value": self.text(STAGE)}
                )
                return None
            is_open = stage.code != ARCHIVE_STAGE and stage.code not in CLOSING_STAGES
            if status and HTCDS_STATUS_IS_OPEN[status[0]] != is_open:
                self.error(
                    STATUS,
                    _("El estado HTCDS «%(status)s» no corresponde a la etapa «%(stage)s».")
                    % {"status": status[0], "stage": stage.name_es},
                )
            return stage
        # without SISTRA's stage, a closed HTCDS case is taken as archived (the usual end of a complaint)
        if status and not HTCDS_STATUS_IS_OPEN[status[0]]:
            return self.lk.stages.get(ARCHIVE_STAGE)
        return self.lk.stages.get(INITIAL_STAGE)

    def _places(self) -> list[PlaceInput]:
        places: list[PlaceInput] = []
        for kind, column in PLACE_CODES.items():
            from_codes = self.has(column)
            found: list[PlaceInput] = []
            errors_before = len(self.errors)
            if from_codes:
                for code in self.items(column):
                    if len(code) == 2 and code.isalpha():
                        country = self.lk.countries.get(code.upper())
                        if country is None:
                            self.error(column, _("País no reconocido: «%(value)s».") % {"value": code})
                        else:
                            found.append(PlaceInput(kind, country=country))
                    else:
                        ubigeo = self.ubigeo(column, code)
                        if ubigeo is not None:
                            found.append(PlaceInput(kind, ubigeo=ubigeo))
            elif kind in PLACE_HTCDS and self.has(PLACE_HTCDS[kind]):
                for item in self.items(PLACE_HTCDS[kind]):
                    place = self._place_from_text(kind, PLACE_HTCDS[kind], item)
                    if place is not None:
                        found.append(place)
            descriptions = (
                self.text(PLACE_DESCRIPTIONS[kind]).split(LINE_SEPARATOR)
                if self.has(PLACE_DESCRIPTIONS[kind])
                else []
            )
            if len(descriptions) > len(found):
                self.error(
                    PLACE_DESCRIPTIONS[kind],
                    _("Hay más descripciones que lugares en %(column)s.") % {"column": column},
                )
            for place, description in zip(found, descriptions, strict=False):
                place.description = description.strip()
            for place in found:
                if place.country is not None and place.country.code == "PE":
                    self.error(
                        column if from_codes else PLACE_HTCDS[kind],
                        _("Para un lugar en el Perú indique su ubigeo."),
                    )
            # the readable HTCDS column must name the same places (unless the codes were wrong already)
            if (
                from_codes
                and kind in PLACE_HTCDS
                and self.has(PLACE_HTCDS[kind])
                and len(self.errors) == errors_before
            ):
                expected = {normalize(self._place_text(p)) for p in found}
                given = {normalize(item) for item in self.items(PLACE_HTCDS[kind])}
                if expected != given:
                    self.mismatch(PLACE_HTCDS[kind], column)
            seen = set()
            for place in found:
                if place.key not in seen:
                    seen.add(place.key)
                    places.append(place)
        return places

    def _place_text(self, place: PlaceInput) -> str:
        if place.ubigeo is not None:
            return f"{self.lk.ubigeo_full_names[place.ubigeo.code]}, {country_label_by_code('PE')}"
        return country_label(place.country)

    def _place_from_text(self, kind: str, column: str, text: str) -> PlaceInput | None:
        key = normalize(text)
        for suffix in (", peru",):
            if key.endswith(suffix) and len(key) > len(suffix):
                key = key[: -len(suffix)]
        if key.isdigit():
            ubigeo = self.lk.ubigeos.get(key.zfill(6))
            if ubigeo is not None:
                return PlaceInput(kind, ubigeo=ubigeo)
        elif key in self.lk.ubigeo_names:
            return PlaceInput(kind, ubigeo=self.lk.ubigeo_names[key])
        elif key in self.lk.country_names:
            return PlaceInput(kind, country=self.lk.country_names[key])
        self.error(
            column,
            _(
                "Lugar no reconocido: «%(value)s». Indique el ubigeo INEI de 6 dígitos, el nombre "
                "completo (distrito, provincia, departamento) o un país."
            )
            % {"value": text},
        )
        return None

    def _person(self) -> PersonInput:
        first_names = self.text(FIRST_NAME)
        if not first_names:
            self.error(FIRST_NAME, _("Indique los nombres de la persona."))
        if self.has(PATERNAL) or self.has(MATERNAL):
            paternal, maternal = self.text(PATERNAL), self.text(MATERNAL)
            if self.has(SECOND_NAME) and normalize(self.text(SECOND_NAME)) != normalize(
                f"{paternal} {maternal}"
            ):
                self.mismatch(SECOND_NAME, f"{PATERNAL} / {MATERNAL}")
        else:
            paternal, maternal = split_surnames(self.text(SECOND_NAME))
        code = self.text(PERSON_CODE).upper()
        if code and not PERSON_CODE_RE.match(code):
            self.error(PERSON_CODE, _("Código de persona no válido: «%(value)s».") % {"value": code})
            code = ""

        gender = self.picklist(GENDER, multiple=False)
        sex = self.text(SEX)
        if sex:
            if sex not in Person.Sex.values:
                self.error(
                    SEX,
                    _("Sexo no válido: «%(value)s». Valores: %(values)s.")
                    % {"value": sex, "values": ", ".join(Person.Sex.values)},
                )
            elif gender and GENDER_TO_SEX[gender[0]] != sex:
                self.mismatch(GENDER, SEX)
        else:
            sex = GENDER_TO_SEX[gender[0]] if gender else Person.Sex.UNKNOWN

        citizenship = self.items(CITIZENSHIP)
        if len(citizenship) > 1:
            self.error(CITIZENSHIP, _("SISTRA registra una sola nacionalidad por persona."))
        nationality = self.country(CITIZENSHIP, citizenship[0]) if citizenship else None

        documents = []
        kinds = self.items(DOCUMENT_TYPE, keep_empty=True) if self.has(DOCUMENT_TYPE) else []
        numbers = self.items(DOCUMENT_NUMBER, keep_empty=True) if self.has(DOCUMENT_NUMBER) else []
        issuers = self.items(DOCUMENT_COUNTRY, keep_empty=True) if self.has(DOCUMENT_COUNTRY) else []
        if len(kinds) != len(numbers) or (issuers and len(issuers) != len(numbers)):
            self.error(
                DOCUMENT_NUMBER,
                _(
                    "Indique un tipo (y, si lo tiene, un país emisor) por cada número de "
                    "documento, en el mismo orden."
                ),
            )
        else:
            for i, (kind, number) in enumerate(zip(kinds, numbers, strict=True)):
                kind = kind.lower()
                if kind not in IdentityDocument.Kind.values:
                    self.error(
                        DOCUMENT_TYPE,
                        _("Tipo de documento no válido: «%(value)s». Valores: %(values)s.")
                        % {"value": kind, "values": ", ".join(IdentityDocument.Kind.values)},
                    )
                    continue
                number = number.upper()
                if not number:
                    self.error(DOCUMENT_NUMBER, _("Falta el número del documento %(kind)s.") % {"kind": kind})
                    continue
                if kind == IdentityDocument.Kind.DNI:
                    if isinstance(self.values.get(DOCUMENT_NUMBER), (int, float)):
                        number = number.zfill(8)  # a spreadsheet took the DNI for a number and lost its zeros
                    try:
                        number = clean_dni(number)
                    except ValidationError as exc:
                        for message in exc.messages:
                            self.error(DOCUMENT_NUMBER, message)
                        continue
                issuer = self.country(DOCUMENT_COUNTRY, issuers[i]) if issuers and issuers[i] else None
                documents.append(DocumentInput(kind=kind, number=number, country=issuer))

        languages = self.term_codes(LANGUAGES, "language")
        return PersonInput(
            code=code,
            first_names=first_names,
            last_name_paternal=paternal,
            last_name_maternal=maternal,
            sex=sex,
            date_of_birth=self.date(BIRTHDATE, _("La fecha de nacimiento")),
            estimated_age=self.integer(ESTIMATED_AGE, low=0, high=120),
            age_estimated_on=self.date(AGE_ESTIMATED_ON, _("La fecha de estimación de edad")),
            nationality=nationality,
            ubigeo_origin=self.ubigeo(ORIGIN_UBIGEO),
            country_origin=self.country(ORIGIN_COUNTRY),
            ubigeo_residence=self.ubigeo(RESIDENCE_UBIGEO),
            documents=documents,
            aliases=self.items(ALIASES),
            languages=languages,
        )

    def _victim(self, person: PersonInput) -> VictimInput:
        # forms of exploitation
        htcds = {
            column: self.picklist(column, multiple=True) for column in (EXPLOITATION_TYPE, INDUSTRY, SEX_TYPE)
        }
        if self.has(EXPLOITATION_FORMS):
            forms = self.term_codes(EXPLOITATION_FORMS, "exploitation")
            expected = exploitation_columns(forms)
            for column, values in htcds.items():
                if self.has(column) and set(values) != set(expected[column]):
                    self.mismatch(column, EXPLOITATION_FORMS)
        else:
            forms = self._forms_from_htcds(htcds)
        # means of control
        control_values = self.picklist(CONTROL, multiple=True)
        if self.has(CONTROL_METHODS):
            controls = self.term_codes(CONTROL_METHODS, "control")
            if self.has(CONTROL) and set(control_values) != {
                t.htcds_value for t in controls if t.htcds_value
            }:
                self.mismatch(CONTROL, CONTROL_METHODS)
        else:
            controls = self._terms_for_values(CONTROL, "control", control_values)
        # method of recruitment (one in SISTRA)
        recruitment_values = self.picklist(RECRUITMENT_METHOD, multiple=True)
        if self.has(RECRUITMENT_TERM):
            found = self.term_codes(RECRUITMENT_TERM, "recruitment")
            recruitment = found[0] if found else None
            if len(found) > 1:
                self.error(RECRUITMENT_TERM, _("Indique un solo método de captación."))
            expected = {recruitment.htcds_value} if recruitment and recruitment.htcds_value else set()
            if self.has(RECRUITMENT_METHOD) and set(recruitment_values) != expected:
                self.mismatch(RECRUITMENT_METHOD, RECRUITMENT_TERM)
        else:
            if len(recruitment_values) > 1:
                self.error(RECRUITMENT_METHOD, _("SISTRA registra un solo método de captación por víctima."))
            found = self._terms_for_values(RECRUITMENT_METHOD, "recruitment", recruitment_values[:1])
            recruitment = found[0] if found else None
        relation = self.text(RELATION) or CaseVictim.Relation.UNKNOWN
        if relation not in CaseVictim.Relation.values:
            self.error(
                RELATION,
                _("Relación con el tratante no válida: «%(value)s». Valores: %(values)s.")
                % {"value": relation, "values": ", ".join(CaseVictim.Relation.values)},
            )
        nationality = self.country(VICTIM_NATIONALITY) if self.has(VICTIM_NATIONALITY) else None
        return VictimInput(
            age_at_exploitation=self.integer(AGE_AT_EXPLOITATION, low=0, high=120),
            nationality=nationality or person.nationality,
            exploitation_forms=forms,
            control_methods=controls,
            recruitment_method=recruitment,
            relation_to_trafficker=relation,
        )

    def _terms_for_values(self, column: str, vocabulary: str, values: list[str]) -> list:
        terms = []
        for value in values:
            term = self.lk.term_for_htcds(vocabulary, value)
            if term is None:
                self.error(
                    column, _("SISTRA no tiene un valor equivalente a «%(value)s».") % {"value": value}
                )
            elif term not in terms:
                terms.append(term)
        return terms

    def _forms_from_htcds(self, htcds: dict[str, list[str]]) -> list:
        forms, covered = [], set()
        for value in htcds[INDUSTRY]:
            term = self.lk.terms.get(("exploitation", TERM_OF_INDUSTRY.get(value, "")))
            if term is None:
                term = self.lk.term_for_htcds("exploitation", IMPLIED_TYPE[INDUSTRY])
                self.warnings.append(
                    _(
                        "Fila %(row)s: la industria HTCDS «%(value)s» se registra como trabajo forzoso "
                        "sin sector (SISTRA no tiene ese sector)."
                    )
                    % {"row": self.row.number, "value": value}
                )
            covered.add(IMPLIED_TYPE[INDUSTRY])
            if term is not None and term not in forms:
                forms.append(term)
        for value in htcds[SEX_TYPE]:
            term = self.lk.term_for_htcds("exploitation", value) or self.lk.term_for_htcds(
                "exploitation", IMPLIED_TYPE[SEX_TYPE]
            )
            if term is not None and term.htcds_value != value:
                self.warnings.append(
                    _(
                        "Fila %(row)s: el tipo HTCDS «%(value)s» se registra como explotación sexual "
                        "(SISTRA no distingue ese tipo)."
                    )
                    % {"row": self.row.number, "value": value}
                )
            covered.add(IMPLIED_TYPE[SEX_TYPE])
            if term is not None and term not in forms:
                forms.append(term)
        remaining = [v for v in htcds[EXPLOITATION_TYPE] if v not in covered]
        for term in self._terms_for_values(EXPLOITATION_TYPE, "exploitation", remaining):
            if term not in forms:
                forms.append(term)
        return forms

    def _derived(self, case: CaseInput | None) -> None:
        """Columns SISTRA computes on export: only checked to be valid values."""
        status = self.picklist(TRAFFICKING_STATUS, multiple=False)
        if status and status[0] == NOT_A_VICTIM:
            self.error(
                TRAFFICKING_STATUS,
                _(
                    "SISTRA registra en un caso penal solo víctimas (posibles o "
                    "reconocidas); quite esta fila o cambie el estado."
                ),
            )
        self.picklist(DECISION_ORG, multiple=False)
        self.picklist(CONSENT, multiple=False)
