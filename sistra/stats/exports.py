"""Tables as CSV or XLSX, and the CTDC-compatible victim-level file. A text cell that a spreadsheet would
run as a formula (starting with = + - @, or a tab/carriage return) is written with a leading apostrophe.

Files that grow with the registry (the CTDC file, the lists of consultations and of the audit log) are
written as a stream of blocks (`csv_blocks`): nothing here holds all their rows at once."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import dimensions as dim
from .disclosure import CTDC_K

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


# a block of a streamed CSV: large enough that a file is a few thousand writes, small enough not to matter
CSV_BLOCK = 64 * 1024


def _as_cell(value):
    return safe_cell("" if value is None else value)


def csv_blocks(
    header: Sequence,
    rows: Iterable[Sequence],
    *,
    cell: Callable[[Any], Any] = _as_cell,
    block: int = CSV_BLOCK,
) -> Iterator[bytes]:
    """The CSV of `rows` as UTF-8 blocks of about `block` bytes, rows read as the blocks are asked for. The
    same bytes as to_csv."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    # a byte-order mark so spreadsheet programs in Spanish read the accents right
    buffer.write("\ufeff")
    writer.writerow([safe_cell(str(h)) for h in header])
    for row in rows:
        writer.writerow([cell(v) for v in row])
        if buffer.tell() >= block:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def to_csv(header: Sequence, rows: Iterable[Sequence]) -> bytes:
    return b"".join(csv_blocks(header, rows))


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


# The file is made k-anonymous as sistra.stats.disclosure.k_anonymise does it, in two passes over the facts
# instead of a list of every record: what happens to a record depends only on its quasi-identifier values
# (every step of the ladder blanks a quasi-identifier, for whole classes at a time), so the first pass keeps
# one count per combination of values and the second writes each record as its class came out.
assert set(CTDC_LADDER) <= set(CTDC_QUASI_IDENTIFIERS)
_QI_INDEX = {name: i for i, name in enumerate(CTDC_QUASI_IDENTIFIERS)}


def _ctdc_key(record: Mapping[str, str]) -> tuple[str, ...]:
    return tuple(record.get(q, "") for q in CTDC_QUASI_IDENTIFIERS)


@dataclass
class CtdcPlan:
    """What k-anonymity does to each class of records: its values at the end, or None when suppressed."""

    k: int
    outcome: dict[tuple[str, ...], tuple[str, ...] | None] = field(default_factory=dict)
    report: dict = field(default_factory=dict)


def ctdc_classes(facts: Iterable[Mapping[str, Any]], meta: dict) -> Counter:
    """First pass: how many records share each combination of quasi-identifier values."""
    return Counter(_ctdc_key(ctdc_record(f, meta)) for f in facts)


def ctdc_plan(classes: Counter, *, k: int | None = None, blank: str = "") -> CtdcPlan:
    """k_anonymise's generalisation ladder and suppression, run on the classes with their sizes; the report
    is k_anonymise's."""
    k = CTDC_K if k is None else k
    current = {key: key for key in classes}
    report: dict = {"input": sum(classes.values()), "generalised": {}, "suppressed": 0, "k": k}

    def sizes() -> Counter:
        out: Counter = Counter()
        for key, now in current.items():
            out[now] += classes[key]
        return out

    for attribute in CTDC_LADDER:
        i = _QI_INDEX[attribute]
        size = sizes()
        changed = 0
        for key, now in current.items():
            if size[now] < k and now[i] != blank:
                current[key] = (*now[:i], blank, *now[i + 1 :])
                changed += classes[key]
        report["generalised"][attribute] = changed
    size = sizes()
    plan = CtdcPlan(k=k, report=report)
    for key, now in current.items():
        plan.outcome[key] = now if size[now] >= k else None
        if size[now] < k:
            report["suppressed"] += classes[key]
    report["output"] = report["input"] - report["suppressed"]
    return plan


def ctdc_rows(facts: Iterable[Mapping[str, Any]], meta: dict, plan: CtdcPlan) -> Iterator[list[str]]:
    """Second pass: each kept record as a row of CTDC_COLUMNS, in the order of the facts, one at a time."""
    for fact in facts:
        record = ctdc_record(fact, meta)
        outcome = plan.outcome[_ctdc_key(record)]
        if outcome is None:
            continue
        record.update(zip(CTDC_QUASI_IDENTIFIERS, outcome, strict=True))
        yield [record.get(c, "") for c in CTDC_COLUMNS]


def ctdc_csv(
    facts: Callable[[], Iterable[Mapping[str, Any]]], meta: dict, *, k: int | None = None, block: int = CSV_BLOCK
) -> tuple[Iterator[bytes], dict]:
    """The k-anonymous CTDC file as CSV blocks, and the report of what was generalised and suppressed.
    `facts` is called twice, once per pass; memory is bounded by the number of classes, not of records."""
    plan = ctdc_plan(ctdc_classes(facts(), meta), k=k)
    return csv_blocks(CTDC_COLUMNS, ctdc_rows(facts(), meta, plan), block=block), plan.report
