"""Tables as CSV or XLSX, and the CTDC-compatible victim-level file. A text cell that a spreadsheet would
run as a formula (starting with = + - @, or a tab/carriage return) is written with a leading apostrophe."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from . import dimensions as dim
from .disclosure import CTDC_K, k_anonymise

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def to_csv(header: Sequence, rows: Iterable[Sequence]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(str(h)) for h in header])
    for row in rows:
        writer.writerow([safe_cell("" if v is None else v) for v in row])
    # a byte-order mark so spreadsheet programs in Spanish read the accents right
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(
    header: Sequence, rows: Iterable[Sequence], *, title: str = "SISTRA", notes: Sequence[str] = ()
) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = (title or "SISTRA")[:31].translate({ord(c): " " for c in "[]:*?/\\"})
    sheet.append([safe_cell(str(h)) for h in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([safe_cell("" if v is None else v) for v in row])
    for note in notes:
        sheet.append([])
        sheet.append([safe_cell(str(note))])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- CTDC ---------------------------------------------------------------------------------------------------

CTDC_AGE_BROAD = [
    ("0--8", 0, 8),
    ("9--17", 9, 17),
    ("18--20", 18, 20),
    ("21--23", 21, 23),
    ("24--26", 24, 26),
    ("27--29", 27, 29),
    ("30--38", 30, 38),
    ("39--47", 39, 47),
    ("48+", 48, None),
]
CTDC_GENDER = {
    "female": "Female",
    "male": "Male",
    "transgender": "Transgender/NonConforming",
    "other": "Transgender/NonConforming",
}
CTDC_CONTROL = {
    "debt_bondage": "DebtBondage",
    "takes_earnings": "TakesEarnings",
    "restricts_financial_access": "RestrictsFinancialAccess",
    "physical_threats": "Threats",
    "threatens_children_family": "Threats",
    "psychological_abuse": "PsychologicalAbuse",
    "physical_abuse": "PhysicalAbuse",
    "sexual_abuse": "SexualAbuse",
    "false_promises": "FalsePromises",
    "psychoactive_substance": "PsychoactiveSubstances",
    "restricts_medical_care": "RestrictsMedicalCare",
    "excessive_working_hours": "ExcessiveWorkingHours",
    "threats_law_enforcement": "ThreatOfLawEnforcement",
    "withholds_necessities": "WithholdsNecessities",
    "withholds_documents": "WithholdsDocuments",
    "other": "Other",
}
CTDC_CONTROL_COLUMNS = [
    "DebtBondage",
    "TakesEarnings",
    "RestrictsFinancialAccess",
    "Threats",
    "PsychologicalAbuse",
    "PhysicalAbuse",
    "SexualAbuse",
    "FalsePromises",
    "PsychoactiveSubstances",
    "RestrictsMovement",
    "RestrictsMedicalCare",
    "ExcessiveWorkingHours",
    "UsesChildren",
    "ThreatOfLawEnforcement",
    "WithholdsNecessities",
    "WithholdsDocuments",
    "Other",
    "NotSpecified",
]
CTDC_EXPLOITATION = {
    "sexual_exploitation": "isSexualExploit",
    "forced_labour": "isForcedLabour",
    "child_labour": "isForcedLabour",
    "servitude": "isSlaveryAndPractices",
    "forced_marriage": "isForcedMarriage",
    "forced_military_by_non_state_actors": "isForcedMilitary",
    "organ_removal": "isOrganRemoval",
    "forced_begging": "isOtherExploit",
    "forced_adoption": "isOtherExploit",
    "surrogacy": "isOtherExploit",
    "other": "isOtherExploit",
}
CTDC_EXPLOITATION_COLUMNS = [
    "isForcedLabour",
    "isSexualExploit",
    "isOtherExploit",
    "isSexAndLabour",
    "isForcedMarriage",
    "isForcedMilitary",
    "isOrganRemoval",
    "isSlaveryAndPractices",
]
CTDC_RELATION = {
    "partner": "IntimatePartner",
    "family": "Family",
    "friend": "Friend",
    "employer": "Other",
    "stranger": "Other",
    "other": "Other",
    "unknown": "Unknown",
}
CTDC_RELATION_COLUMNS = ["IntimatePartner", "Friend", "Family", "Other", "Unknown"]

CTDC_COLUMNS = (
    [
        "yearOfRegistration",
        "Datasource",
        "gender",
        "ageBroad",
        "majorityStatus",
        "majorityStatusAtExploit",
        "citizenship",
    ]
    + [f"meansOfControl{c}" for c in CTDC_CONTROL_COLUMNS]
    + CTDC_EXPLOITATION_COLUMNS
    + [f"recruiterRelation{c}" for c in CTDC_RELATION_COLUMNS]
    + ["CountryOfExploitation"]
)
# What an outsider may know about a victim (from the press, a neighbour): these are made k-anonymous.
CTDC_QUASI_IDENTIFIERS = [
    "yearOfRegistration",
    "gender",
    "ageBroad",
    "majorityStatus",
    "majorityStatusAtExploit",
    "citizenship",
    "CountryOfExploitation",
    "isSexualExploit",
    "isForcedLabour",
    "isOtherExploit",
]
# The order in which values are blanked for records in classes smaller than k.
CTDC_LADDER = [
    "ageBroad",
    "citizenship",
    "CountryOfExploitation",
    "isOtherExploit",
    "isForcedLabour",
    "isSexualExploit",
    "majorityStatusAtExploit",
    "majorityStatus",
    "yearOfRegistration",
    "gender",
]


def ctdc_age_broad(age: int | None) -> str:
    if age is None:
        return ""
    for label, low, high in CTDC_AGE_BROAD:
        if age >= low and (high is None or age <= high):
            return label
    return ""


def ctdc_record(fact: dict, meta: dict) -> dict:
    """One CTDC row from one FactVictim row (a dict of its fields)."""
    forms = set(dim.bits_in(fact["form_mask"], meta.get("forms", [])))
    controls = set(dim.bits_in(fact["control_mask"], meta.get("controls", [])))
    age = fact["age"]
    minor = "Minor" if fact["is_minor"] else ("Adult" if age is not None else "")
    record = {
        "yearOfRegistration": str(fact["year"]),
        "Datasource": "Case Management",
        "gender": CTDC_GENDER.get(fact["sex"], ""),
        "ageBroad": ctdc_age_broad(age),
        "majorityStatus": minor,
        "majorityStatusAtExploit": minor,
        "citizenship": fact["nationality"] or "",
    }
    flags = {CTDC_CONTROL[c] for c in controls if c in CTDC_CONTROL}
    for column in CTDC_CONTROL_COLUMNS:
        record[f"meansOfControl{column}"] = "1" if column in flags else "0"
    if not flags:
        record["meansOfControlNotSpecified"] = "1"
    exploitation = {CTDC_EXPLOITATION[f] for f in forms if f in CTDC_EXPLOITATION}
    for column in CTDC_EXPLOITATION_COLUMNS:
        record[column] = "1" if column in exploitation else ("0" if forms else "")
    if forms:
        record["isSexAndLabour"] = "1" if {"isSexualExploit", "isForcedLabour"} <= exploitation else "0"
    relation = CTDC_RELATION.get(fact["relation"] or "unknown", "Unknown")
    for column in CTDC_RELATION_COLUMNS:
        record[f"recruiterRelation{column}"] = "1" if column == relation else "0"
    countries = [c for c in (fact["exploitation_countries"] or "").split(",") if c]
    record["CountryOfExploitation"] = countries[0] if countries else ("PE" if fact["dept_mask"] else "")
    return record


def ctdc_records(facts: Iterable[Mapping[str, Any]], meta: dict, *, k: int | None = None) -> tuple[list[dict], dict]:
    rows = [ctdc_record(f, meta) for f in facts]
    return k_anonymise(
        rows, quasi_identifiers=CTDC_QUASI_IDENTIFIERS, ladder=CTDC_LADDER, k=CTDC_K if k is None else k
    )
