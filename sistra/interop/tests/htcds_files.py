"""Files as an IOM office makes them: the official HTCDS v2 template (copied from ../shared/standards/htcds,
no SISTRA column), filled with rows that use every value of every picklist."""

import datetime
from pathlib import Path

from openpyxl import load_workbook

from sistra.interop.htcds import picklists
from sistra.interop.htcds.record import TEMPLATE_ORDER

OFFICIAL_TEMPLATE = (
    Path(__file__).resolve().parents[3].parent
    / "shared"
    / "standards"
    / "htcds"
    / ("HTCDS_Excel_Spreadsheet_v2.0.xlsx")
)
if not OFFICIAL_TEMPLATE.exists():  # the project copy is byte-identical (SOURCES.md)
    OFFICIAL_TEMPLATE = Path(__file__).resolve().parents[1] / "data" / "HTCDS_Excel_Spreadsheet_v2.0.xlsx"

FIRST = ["Ana", "Rosa", "Luz", "Carmen", "Julia", "Pedro", "Juan", "Nilda", "Sonia", "Flor"]
SURNAMES = [
    "Quispe",
    "Mamani",
    "Huamán",
    "Condori",
    "De la Cruz",
    "Flores",
    "Ccahua",
    "Apaza",
    "Torres",
    "Ramos",
]


def _values(field: str) -> list[str]:
    return [v for v, _label in picklists()[field]]


def official_rows(count: int = 200) -> list[dict]:
    """`count` rows (by template column name) that together use every picklist value; none contradicts
    itself (an industry only with ForcedLabour, a closure reason only on a closed case, …)."""
    gender, status, decision = (
        _values("prs_Gender"),
        _values("cas_Status"),
        _values("vic_TraffickingStatusDecisionMakingOrg"),
    )
    trafficking, consent = _values("vic_TraffickingStatus"), _values("con_Consent")
    recruitment, control = _values("vic_MethodOfRecruitment"), _values("vic_MethodsOfControl")
    types, industries, sex_types = (
        _values("vic_TypeOfExploitation"),
        _values("vic_ForcedLabourIndustry"),
        _values("vic_TypeOfSexExploitation"),
    )
    countries = [label for _v, label in picklists()["prs_Citizenship"]]
    other_types = [t for t in types if t not in ("ForcedLabour", "SexualExploitation")]
    rows = []
    for i in range(count):
        row_status = status[i % len(status)]
        victim = trafficking[i % len(trafficking)]
        row = {
            "cas_CaseOwner": f"OIM Misión {i % 7}",
            "prs_Salutation": ["Sra.", "Sr.", "Srta.", ""][i % 4],
            "prs_FirstName": f"{FIRST[i % 10]} {FIRST[(i // 10) % 10]}",
            "prs_SecondName": f"{SURNAMES[i % 10]} {SURNAMES[(i // 10 + 3) % 10]}",
            "con_Consent": ["Yes", "No"][i % 2] if i % 5 else consent[i % 2],
            "prs_Birthdate": datetime.date(1980 + i % 25, 1 + i % 12, 1 + i % 27),
            "prs_Gender": gender[i % len(gender)],
            "prs_Citizenship": countries[(i * 7) % len(countries)],
            "prs_Title": ["", "Agricultora", "Estudiante"][i % 3],
            "prs_Email": f"persona{i}@example.org",
            "prs_HomePhone": f"01-555-{i:04d}",
            "prs_MobilePhone": f"+51 9{i:08d}",
            "prs_MailingCity": ["Puerto Maldonado", "Cusco", "Lima"][i % 3],
            "prs_MailingCountry": "Peru",
            "prs_MailingState": ["Madre de Dios", "Cusco", "Lima"][i % 3],
            "prs_MailingStreet": f"Jr. Los Olivos {i}",
            "prs_MailingPostalCode": f"{17000 + i}",
            "vic_TraffickingStatus": victim,
            "vic_TraffickinStatusDecisionMakingOrg": decision[i % len(decision)],
            "vic_LocationOfRecruitment": ["Cusco, Perú", "Juliaca", "Iquitos; Nauta"][i % 3],
            "vic_LocationOfExploitation": ["La Pampa, Madre de Dios", "Lima", "Santiago de Chile"][i % 3],
            "cas_Status": row_status,
            "cas_ReferringOrganisation": ["", "CHS Alternativo", "Policía Nacional"][i % 3],
            "cas_IncomingReferralDate": datetime.date(2024, 1 + i % 12, 1 + i % 28) if i % 4 else None,
            "cas_ReferringPrimaryCaseWorker": ["", "Lucía Paredes"][i % 2],
            "cas_ReasonForIncomingReferral": ["", "Necesita albergue"][i % 2],
            "cas_IncomingReferralDetails": ["", "Llegó con su hija; línea 2"][i % 2],
            "cas_ReferredOrganisation": "",
            "cas_ReferredPrimaryCaseWorker": "",
            "cas_ReasonForOutgoingReferral": "",
            "cas_OutgoingReferralDate": None,
            "cas_OutgoingReferralDetails": "",
            "cas_ReasonForCaseClosure": "",
        }
        row["vic_MethodOfRecruitment"] = ";".join(
            recruitment[j % len(recruitment)] for j in (i, i + 3)[: 1 + i % 2]
        )
        row["vic_MethodsOfControl"] = ";".join(
            sorted({control[i % len(control)], control[(i * 3) % len(control)]})
        )
        if victim != "NotAVictimOfTrafficking":
            chosen = [other_types[(i // 3) % len(other_types)]]
            if i % 3 == 0:
                chosen.append("ForcedLabour")
                row["vic_ForcedLabourIndustry"] = ";".join(
                    sorted(
                        {industries[(i // 3) % len(industries)], industries[(i // 3 + 5) % len(industries)]}
                    )
                )
            if i % 3 == 1:
                chosen.append("SexualExploitation")
                row["vic_TypeOfSexExploitation"] = sex_types[i % len(sex_types)]
            row["vic_TypeOfExploitation"] = ";".join(chosen)
        if row_status in ("Closed", "ClosedReferred"):
            row["cas_ReasonForCaseClosure"] = "Plan concluido" if row_status == "Closed" else "Trasladada"
        if row_status == "ClosedReferred":
            row["cas_ReferredOrganisation"] = "Refugio Esperanza"
            row["cas_ReferredPrimaryCaseWorker"] = "Marta Ríos"
            row["cas_ReasonForOutgoingReferral"] = "AdditionalServicesRequired"
            row["cas_OutgoingReferralDate"] = datetime.date(2025, 3, 1 + i % 28)
            row["cas_OutgoingReferralDetails"] = "Derivada con su consentimiento"
        rows.append(row)
    return rows


def write_official(path, rows: list[dict]) -> Path:
    """The official template with `rows` from row 3; columns found by their row-1 name (AJ by its label)."""
    wb = load_workbook(OFFICIAL_TEMPLATE)
    ws = wb.worksheets[0]
    index = {}
    for cell in ws[1]:
        if cell.value:
            index[cell.value] = cell.column
    for cell in ws[2]:
        if cell.value == "Reason for Outgoing Referral":
            index["cas_ReasonForOutgoingReferral"] = cell.column
    assert set(TEMPLATE_ORDER) <= set(index), set(TEMPLATE_ORDER) - set(index)
    for n, row in enumerate(rows):
        ws.cell(3 + n, 1, n + 1)
        for name, value in row.items():
            if value not in (None, ""):
                ws.cell(3 + n, index[name], value)
    wb.save(path)
    return Path(path)


def read_columns(path_or_rows) -> dict[str, list]:
    """Column name → its values, row by row, of an exported workbook (opened in memory)."""
    wb = load_workbook(path_or_rows, read_only=True)
    ws = wb.worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    wb.close()
    names = list(rows[0])
    for i, label in enumerate(rows[1]):
        if not names[i] and label == "Reason for Outgoing Referral":
            names[i] = "cas_ReasonForOutgoingReferral"
    width = len(names)
    data = [tuple(r) + (None,) * (width - len(r)) for r in rows[2:]]  # read-only mode drops trailing empties
    return {name: [r[i] for r in data] for i, name in enumerate(names) if name}
