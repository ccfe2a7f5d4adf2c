"""HTCDS v2 columns: the template's field names, the `sistra_` extension columns, the value mappings
between SISTRA's vocabularies and the HTCDS picklists, and the formula guard."""

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils.translation import gettext_lazy

from sistra.core.text import normalize

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
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
