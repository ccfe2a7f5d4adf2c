"""An HTCDS v2 row as IOM and its partners send it: a victim in an identification/assistance case.

`parse_record_row` turns one row (keyed by template column name) into a RecordInput, checking every column
(picklists, dates, contradictions) with Spanish messages by row and column; `record_row` gives the row of an
assistance case for the export. Every column of the template has a home: Person, AssistanceCase or
interop.HtcdsRecord (docs/decisions/0160-htcds-assistance-exchange.md)."""

import datetime
import hashlib
from dataclasses import dataclass, field
from functools import cache

from django.utils.translation import gettext as _

from sistra.core.text import normalize
from sistra.core.validation import check_not_future

from .columns import SEPARATOR, picklists
from .mapping import split_surnames
from .parsing import CellError

# the template's 38 columns, in its order (AJ has no API name in the template: read by its label)
TEMPLATE_ORDER = (
    "cas_CaseOwner",
    "prs_Salutation",
    "prs_FirstName",
    "prs_SecondName",
    "con_Consent",
    "prs_Birthdate",
    "prs_Gender",
    "prs_Citizenship",
    "prs_Title",
    "prs_Email",
    "prs_HomePhone",
    "prs_MobilePhone",
    "prs_MailingCity",
    "prs_MailingCountry",
    "prs_MailingState",
    "prs_MailingStreet",
    "prs_MailingPostalCode",
    "vic_TraffickingStatus",
    "vic_TraffickinStatusDecisionMakingOrg",
    "vic_MethodOfRecruitment",
    "vic_LocationOfRecruitment",
    "vic_MethodsOfControl",
    "vic_TypeOfExploitation",
    "vic_ForcedLabourIndustry",
    "vic_TypeOfSexExploitation",
    "vic_LocationOfExploitation",
    "cas_Status",
    "cas_ReferringOrganisation",
    "cas_IncomingReferralDate",
    "cas_ReferringPrimaryCaseWorker",
    "cas_ReasonForIncomingReferral",
    "cas_IncomingReferralDetails",
    "cas_ReferredOrganisation",
    "cas_ReferredPrimaryCaseWorker",
    "cas_ReasonForOutgoingReferral",
    "cas_OutgoingReferralDate",
    "cas_OutgoingReferralDetails",
    "cas_ReasonForCaseClosure",
)
UNNAMED_COLUMN_LABELS = {"reason for outgoing referral": "cas_ReasonForOutgoingReferral"}
# optional SISTRA extensions of the assistance layout
CASE_NUMBER = "sistra_CaseNumber"
FISCALIA = "sistra_Fiscalia"
CONSENT_DATE = "sistra_ConsentDate"
CONSENT_SCOPE = "sistra_ConsentScope"
EXTENSION_ORDER = (CASE_NUMBER, FISCALIA, CONSENT_DATE, CONSENT_SCOPE)

# HTCDS column → HtcdsRecord text field
TEXT_FIELDS = {
    "cas_CaseOwner": "case_owner",
    "prs_Salutation": "salutation",
    "prs_Title": "title",
    "prs_Email": "email",
    "prs_HomePhone": "home_phone",
    "prs_MobilePhone": "mobile_phone",
    "prs_MailingCity": "mailing_city",
    "prs_MailingCountry": "mailing_country",
    "prs_MailingState": "mailing_state",
    "prs_MailingStreet": "mailing_street",
    "prs_MailingPostalCode": "mailing_postal_code",
    "vic_LocationOfRecruitment": "recruitment_location",
    "vic_LocationOfExploitation": "exploitation_location",
    "cas_ReferringOrganisation": "referring_organisation",
    "cas_ReferringPrimaryCaseWorker": "referring_caseworker",
    "cas_ReasonForIncomingReferral": "incoming_referral_reason",
    "cas_IncomingReferralDetails": "incoming_referral_details",
    "cas_ReferredOrganisation": "referred_organisation",
    "cas_ReferredPrimaryCaseWorker": "referred_caseworker",
    "cas_ReasonForOutgoingReferral": "outgoing_referral_reason",
    "cas_OutgoingReferralDetails": "outgoing_referral_details",
    "cas_ReasonForCaseClosure": "closure_reason",
    CONSENT_SCOPE: "consent_scope",
}
DATE_FIELDS = {
    "cas_IncomingReferralDate": "incoming_referral_date",
    "cas_OutgoingReferralDate": "outgoing_referral_date",
    CONSENT_DATE: "consent_date",
}
# multi-select picklists → HtcdsRecord list field (column whose picklist it is, in the picklist file)
LIST_FIELDS = {
    "vic_MethodOfRecruitment": "recruitment_methods",
    "vic_MethodsOfControl": "control_methods",
    "vic_TypeOfExploitation": "exploitation_types",
    "vic_ForcedLabourIndustry": "labour_industries",
    "vic_TypeOfSexExploitation": "sex_exploitation_types",
}
PICKLIST_NAME = {"vic_TraffickinStatusDecisionMakingOrg": "vic_TraffickingStatusDecisionMakingOrg"}
# single-select picklists stored on the AssistanceCase (with the default it takes when the cell is empty)
CASE_PICKLISTS = {
    "vic_TraffickingStatus": ("trafficking_status", "PossibleVictimOfTrafficking"),
    "vic_TraffickinStatusDecisionMakingOrg": ("status_decision_org", ""),
    "cas_Status": ("status", "Active"),
}
CLOSED_STATUSES = ("Closed", "ClosedReferred")
GENDER_TO_SEX = {
    "Feminine": "female",
    "Masculine": "male",
    "TransgenderFeminine": "transgender",
    "TransgenderMasculine": "transgender",
    "NonConforming": "other",
    "NonSpecifiedUnknown": "unknown",
}
SEX_TO_GENDER = {
    "female": "Feminine",
    "male": "Masculine",
    "other": "NonConforming",
    "unknown": "NonSpecifiedUnknown",
}


def _max_length(name: str) -> int | None:
    from sistra.interop.models import HtcdsRecord

    return getattr(HtcdsRecord._meta.get_field(name), "max_length", None)


def _picklist_of(column: str) -> str:
    return PICKLIST_NAME.get(column, column)


@cache
def _index(name: str) -> dict[str, str]:
    entries = picklists().get(name, [])
    return {normalize(label): value for value, label in entries} | {
        normalize(value): value for value, _l in entries
    }


def _value(column: str, text: str) -> str | None:
    """The API value of a picklist entry given its value or its label, in any case; None if unknown."""
    return _index(_picklist_of(column)).get(normalize(text))


def _order(column: str, values) -> list[str]:
    order = {v: i for i, (v, _label) in enumerate(picklists()[_picklist_of(column)])}
    return sorted(set(values), key=lambda v: (order.get(v, len(order)), v))


@dataclass
class RecordInput:
    number: int
    row_key: str
    first_names: str
    last_name_paternal: str
    last_name_maternal: str
    date_of_birth: datetime.date | None
    sex: str
    nationality_code: str  # ISO alpha-2 or ""
    case_fields: dict  # AssistanceCase field → value
    record_fields: dict  # HtcdsRecord field → value
    criminal_case_number: str = ""
    fiscalia_code: str = ""
    notes: list[str] = field(default_factory=list)  # what SISTRA did beyond storing the value as given


def row_key(values: dict) -> str:
    """The same HTCDS content gives the same key, however the cells were typed (case, spaces, dates)."""
    parts = []
    for column in sorted(values):
        value = values[column]
        if value is None or value == "":
            continue
        if isinstance(value, datetime.datetime):
            value = value.date()
        text = value.isoformat() if isinstance(value, datetime.date) else normalize(str(value))
        parts.append(f"{column}={text}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class RecordParser:
    """One row of the assistance layout into a RecordInput, or the list of its errors by column."""

    def __init__(self, number: int, values: dict, *, countries: dict, today: datetime.date):
        self.number = number
        self.values = values
        self.countries = countries  # normalised name / code / HTCDS label → ISO alpha-2
        self.today = today
        self.errors: list[CellError] = []

    def error(self, column: str, message: str) -> None:
        self.errors.append(CellError(self.number, column, message))

    def text(self, column: str) -> str:
        value = self.values.get(column)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, datetime.date):
            return value.isoformat()
        return " ".join(str(value).split()) if "\n" not in str(value) else str(value).strip()

    def date(self, column: str) -> datetime.date | None:
        value = self.values.get(column)
        if value is None or value == "":
            return None
        day = None
        if isinstance(value, datetime.datetime):
            day = value.date()
        elif isinstance(value, datetime.date):
            day = value
        else:
            text = str(value).strip()
            for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%dT%H:%M:%S"):
                try:
                    day = datetime.datetime.strptime(
                        text[: len("2000-01-01T00:00:00")] if "T" in text else text, fmt
                    ).date()
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
        check_not_future(errors, column, day, _("La fecha"))
        if day > self.today:
            self.error(column, _("La fecha %(day)s es posterior a hoy.") % {"day": day.strftime("%d/%m/%Y")})
            return None
        return day

    def picklist(self, column: str, *, multiple: bool) -> list[str]:
        found = []
        for item in (p.strip() for p in self.text(column).split(SEPARATOR)):
            if not item:
                continue
            value = _value(column, item)
            if value is None:
                self.error(
                    column,
                    _("Valor no admitido por la lista HTCDS de %(column)s: «%(value)s».")
                    % {"column": column, "value": item},
                )
                continue
            found.append(value)
        if not multiple and len(found) > 1:
            self.error(column, _("Indique un solo valor."))
        return found

    def parse(self) -> RecordInput | None:
        case_fields: dict = {}
        record: dict = {"blank_columns": []}
        notes: list[str] = []
        first_names = self.text("prs_FirstName")
        if not first_names:
            self.error("prs_FirstName", _("Indique los nombres de la persona."))
        paternal, maternal = split_surnames(self.text("prs_SecondName"))
        birth = self.date("prs_Birthdate")
        gender = self.picklist("prs_Gender", multiple=False)
        record["gender"] = gender[0] if gender else ""
        citizenship = self.text("prs_Citizenship")
        nationality = ""
        if citizenship:
            nationality = self.countries.get(normalize(citizenship), "")
            if not nationality:
                self.error(
                    "prs_Citizenship",
                    _(
                        "País no reconocido: «%(value)s». Use el nombre del país en la "
                        "lista HTCDS o su código ISO de 2 letras."
                    )
                    % {"value": citizenship},
                )
        record["citizenship"] = citizenship
        consent = self.picklist("con_Consent", multiple=False)
        record["consent"] = consent[0] if consent else ""
        for column, name in TEXT_FIELDS.items():
            text = self.text(column)
            limit = _max_length(name)
            if limit and len(text) > limit:
                self.error(
                    column,
                    _("El texto tiene %(length)s caracteres; SISTRA guarda hasta %(max)s.")
                    % {"length": len(text), "max": limit},
                )
            record[name] = text
        for column, name in DATE_FIELDS.items():
            record[name] = self.date(column)
        for column, name in LIST_FIELDS.items():
            record[name] = _order(column, self.picklist(column, multiple=True))
        for column, (name, default) in CASE_PICKLISTS.items():
            value = self.picklist(column, multiple=False)
            if value:
                case_fields[name] = value[0]
            else:
                case_fields[name] = default
                record["blank_columns"].append(column)
        self._contradictions(case_fields, record, birth)
        if self.errors:
            return None
        return RecordInput(
            number=self.number,
            row_key=row_key({k: v for k, v in self.values.items() if not k.startswith("sistra_")}),
            first_names=first_names,
            last_name_paternal=paternal,
            last_name_maternal=maternal,
            date_of_birth=birth,
            sex=GENDER_TO_SEX.get(record["gender"], "unknown"),
            nationality_code=nationality,
            case_fields=case_fields,
            record_fields=record,
            criminal_case_number=self.text(CASE_NUMBER),
            fiscalia_code=self.text(FISCALIA),
            notes=notes,
        )

    def _contradictions(self, case: dict, record: dict, birth) -> None:
        """A row that says two incompatible things is refused: SISTRA will not pick one of them for the user."""
        types = set(record["exploitation_types"])
        if record["labour_industries"] and "ForcedLabour" not in types:
            self.error(
                "vic_ForcedLabourIndustry",
                _(
                    "Indica una industria de trabajo forzoso, pero "
                    "vic_TypeOfExploitation no incluye ForcedLabour."
                ),
            )
        if record["sex_exploitation_types"] and "SexualExploitation" not in types:
            self.error(
                "vic_TypeOfSexExploitation",
                _(
                    "Indica un tipo de explotación sexual, pero "
                    "vic_TypeOfExploitation no incluye SexualExploitation."
                ),
            )
        if record["closure_reason"] and case["status"] not in CLOSED_STATUSES:
            self.error(
                "cas_ReasonForCaseClosure",
                _("Indica un motivo de cierre, pero el caso está «%(status)s» (cas_Status).")
                % {"status": case["status"]},
            )
        if case["trafficking_status"] == "NotAVictimOfTrafficking" and types:
            self.error(
                "vic_TraffickingStatus",
                _(
                    "Dice que no es víctima de trata, pero indica tipos de "
                    "explotación (vic_TypeOfExploitation)."
                ),
            )
        incoming, outgoing = record["incoming_referral_date"], record["outgoing_referral_date"]
        if incoming and outgoing and outgoing < incoming:
            self.error(
                "cas_OutgoingReferralDate",
                _("La derivación enviada es anterior a la recibida (cas_IncomingReferralDate)."),
            )
        if birth and incoming and incoming < birth:
            self.error("cas_IncomingReferralDate", _("La derivación es anterior a la fecha de nacimiento."))
        if record["consent_date"] and record["consent"] != "TRUE":
            self.error(CONSENT_DATE, _("Indica una fecha de consentimiento, pero con_Consent no es «Yes»."))
        if case["status"] == "ClosedReferred" and not record["referred_organisation"]:
            self.error(
                "cas_ReferredOrganisation",
                _("El caso está cerrado por derivación: indique a qué organización se derivó."),
            )


def join(values) -> str:
    return SEPARATOR.join(v for v in values if v)


def record_row(case, *, citizenship_label) -> dict:
    """The template row of an assistance case (person, case and HtcdsRecord fetched by the selector)."""
    person = case.person
    rec = getattr(case, "htcds", None)
    blank = set(rec.blank_columns) if rec else set()
    row: dict = {
        "prs_FirstName": person.first_names,
        "prs_SecondName": " ".join(p for p in (person.last_name_paternal, person.last_name_maternal) if p),
        "prs_Birthdate": person.date_of_birth,
        # as the file gave them when the case came from HTCDS; else from the person
        "prs_Gender": rec.gender if rec else SEX_TO_GENDER.get(person.sex, ""),
        "prs_Citizenship": rec.citizenship if rec else citizenship_label(person.nationality_id),
    }
    for column, (name, _default) in CASE_PICKLISTS.items():
        row[column] = "" if column in blank else getattr(case, name)
    if rec is None:
        row["cas_CaseOwner"] = case.owner_agency.name
        return row
    row["con_Consent"] = {"TRUE": "TRUE", "FALSE": "FALSE"}.get(rec.consent, "")
    for column, name in TEXT_FIELDS.items():
        row[column] = getattr(rec, name)
    for column, name in DATE_FIELDS.items():
        row[column] = getattr(rec, name)
    for column, name in LIST_FIELDS.items():
        row[column] = join(_order(column, getattr(rec, name)))
    return row
