"""HTCDS v2 as IOM and its partners send it: each row a victim in an identification/assistance case
(docs/decisions/0160-htcds-assistance-exchange.md).

- `htcds_validate` reads and checks a file (template, protected ZIP or XLSForm submissions) and plans what
  an import would create, writing nothing.
- `htcds_assistance_import` writes the valid plan through one transaction: all rows or none (unless
  skip_invalid); a row already imported (same content, same agency) is "sin cambios".
- `htcds_assistance_export` streams the assistance cases the user may see into the template, a chunk at a
  time, recording the reads in bulk, and wraps the workbook in an AES-encrypted ZIP read from disk in
  chunks: memory does not grow with the number of victims."""

import datetime
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyzipper
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from sistra.accounts.capabilities import Capability, has_capability
from sistra.assistance.access import visible_assistance_cases
from sistra.assistance.models import AssistanceCase, Consent
from sistra.assistance.services import case_link_criminal_case, channel_for
from sistra.audit.models import AccessLog
from sistra.audit.services import log_access_many, log_export, record_change, snapshot
from sistra.cases.access import visible_cases
from sistra.cases.models import Case
from sistra.core.models import Country
from sistra.core.text import normalize
from sistra.people.access import visible_persons
from sistra.people.models import Person
from sistra.people.services import person_create

from .htcds import citizenship_labels, guard, template_columns
from .htcds.intake import CRIMINAL, Intake, read
from .htcds.parsing import CellError
from .htcds.record import EXTENSION_ORDER, TEMPLATE_ORDER, RecordInput, RecordParser, record_row
from .models import HtcdsRecord
from .services import ExportReport, ImportReport, clean_export_purpose

Progress = Callable[[int, int], None]
EXPORT_CHUNK = 2000
EXPORTED_FIELDS = ["first_names", "last_name_paternal", "last_name_maternal", "date_of_birth", "htcds"]
DATE_FORMAT = "dd/mm/yyyy"


def _today() -> datetime.date:
    return timezone.localdate()


# ------------------------------------------------------------------------------------------- validation


@dataclass
class Plan:
    """What an import would do, decided before anything is written."""

    intake: Intake
    inputs: list[RecordInput] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    create: list[int] = field(default_factory=list)  # row numbers
    unchanged: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def invalid_rows(self) -> list[int]:
        return sorted({e.row for e in self.errors if e.row > 1})

    @property
    def file_refused(self) -> bool:
        return any(e.row <= 1 for e in self.errors)


def _require_import(actor) -> None:
    if not (
        has_capability(actor, Capability.DATA_IMPORT)
        and has_capability(actor, Capability.ASSISTANCE_EDIT)
        and getattr(actor, "agency_id", None)
    ):
        raise PermissionDenied(_("Su rol no permite importar casos de asistencia."))


def _country_index() -> dict[str, str]:
    index: dict[str, str] = {}
    labels = citizenship_labels()
    for c in Country.objects.all():
        for key in (c.code, c.alpha3, c.name_es, c.name_en, labels.get(c.code, "")):
            if key:
                index.setdefault(normalize(key), c.code)
    return index


def htcds_validate(*, actor, path, password: str | None = None) -> Plan:
    """Read and check every row and column of the file; decide which rows would be created and which are
    already in SISTRA. Writes nothing."""
    _require_import(actor)
    intake = read(path, password=password)
    plan = Plan(intake=intake, errors=list(intake.errors))
    if intake.layout == CRIMINAL:
        plan.errors.append(
            CellError(
                0,
                "",
                _(
                    "El archivo usa la disposición de víctimas de casos penales de SISTRA (columnas sistra_ de la "
                    "denuncia): impórtelo con «sistra import htcds-penal»."
                ),
            )
        )
        return plan
    if plan.file_refused:
        return plan
    countries, today = _country_index(), _today()
    bad_cells = {(e.row, e.column) for e in intake.errors}
    for number, values in intake.rows:
        parser = RecordParser(number, values, countries=countries, today=today)
        parsed = parser.parse()
        plan.errors.extend(e for e in parser.errors if (e.row, e.column) not in bad_cells)
        if parsed is not None and not any(e.row == number for e in intake.errors):
            plan.inputs.append(parsed)
    existing = set(
        HtcdsRecord.objects.filter(
            case__owner_agency_id=actor.agency_id,
            row_key__in=[i.row_key for i in plan.inputs],
        ).values_list("row_key", flat=True)
    )
    seen: dict[str, int] = {}
    for item in plan.inputs:
        if item.row_key in existing:
            plan.unchanged.append(item.number)
        elif item.row_key in seen:
            plan.errors.append(
                CellError(item.number, "", _("La fila repite la fila %(row)s.") % {"row": seen[item.row_key]})
            )
        else:
            seen[item.row_key] = item.number
            plan.create.append(item.number)
    if any(not i.record_fields["incoming_referral_date"] for i in plan.inputs if i.number in plan.create):
        plan.notes.append(
            _(
                "HTCDS no tiene fecha de identificación: se registra la fecha de la derivación "
                "recibida (cas_IncomingReferralDate) o, si falta, la fecha de la importación."
            )
        )
    plan.errors.sort(key=lambda e: (e.row, e.column))
    return plan


# ----------------------------------------------------------------------------------------------- import


class _RowFailed(Exception):
    def __init__(self, errors: list[CellError]):
        self.errors = errors


def htcds_assistance_import(
    *, actor, path, skip_invalid: bool = False, password: str | None = None, progress: Progress | None = None
) -> ImportReport:
    """Validate, then import as `actor` (their agency owns the new assistance cases). On any error nothing
    is written unless skip_invalid; then the valid rows are and the others reported."""
    plan = htcds_validate(actor=actor, path=path, password=password)
    report = ImportReport(format="htcds", rows_read=len(plan.intake.rows))
    report.errors.extend(plan.errors)
    report.warnings.extend(plan.notes)
    report.unchanged["victims"] = len(plan.unchanged)
    if plan.file_refused or (plan.errors and not skip_invalid):
        return report
    to_create = [i for i in plan.inputs if i.number in set(plan.create) and i.number not in plan.invalid_rows]
    countries = {c.code: c for c in Country.objects.all()}
    with transaction.atomic():
        for done, item in enumerate(to_create, start=1):
            try:
                with transaction.atomic():
                    _import_one(actor, item, countries, report)
            except _RowFailed as failure:
                report.errors.extend(failure.errors)
            else:
                report.imported_rows.append(item.number)
            if progress is not None:
                progress(done, len(to_create))
        if report.errors and not skip_invalid:
            transaction.set_rollback(True)
            report.created.clear()
            report.imported_rows.clear()
        else:
            report.committed = bool(report.imported_rows) or bool(plan.unchanged)
    report.errors.sort(key=lambda e: (e.row, e.column))
    return report


def _errors_of(number: int, exc: ValidationError, column: str) -> list[CellError]:
    messages = exc.message_dict.values() if hasattr(exc, "error_dict") else [exc.messages]
    return [CellError(number, column, m) for group in messages for m in group]


def _import_one(actor, item: RecordInput, countries: dict, report: ImportReport) -> None:
    today = _today()
    person = _matching_person(actor, item)
    if person is None:
        try:
            person = person_create(
                actor=actor,
                first_names=item.first_names,
                last_name_paternal=item.last_name_paternal,
                last_name_maternal=item.last_name_maternal,
                sex=item.sex,
                date_of_birth=item.date_of_birth,
                nationality=countries.get(item.nationality_code),
            )
        except ValidationError as exc:
            raise _RowFailed(_errors_of(item.number, exc, "prs_FirstName")) from None
        report.created["persons"] += 1
    rec = item.record_fields
    fields = item.case_fields
    identified_on = rec["incoming_referral_date"] or today
    closed = fields["status"] in ("Closed", "ClosedReferred")
    try:
        with transaction.atomic():
            case = AssistanceCase.objects.create(
                person=person,
                owner_agency=actor.agency,
                created_by=actor,
                caseworker=actor,
                identified_on=identified_on,
                identification_channel=channel_for(actor.agency),
                identifying_agency=actor.agency,
                trafficking_status=fields["trafficking_status"],
                status_decision_org=fields["status_decision_org"],
                status=fields["status"],
                closed_on=(rec["outgoing_referral_date"] or today) if closed else None,
                closure_reason=("referred_out" if fields["status"] == "ClosedReferred" else "other")
                if closed
                else "",
                closure_notes=rec["closure_reason"] if closed else "",
            )
    except IntegrityError:
        raise _RowFailed(
            [
                CellError(
                    item.number,
                    "prs_FirstName",
                    _(
                        "Su institución ya tiene un caso de asistencia abierto para esta persona; ciérrelo o corrija la fila."
                    ),
                )
            ]
        ) from None
    HtcdsRecord.objects.create(case=case, row_key=item.row_key, **rec)
    if rec["consent"] == "TRUE" and rec["consent_date"]:
        for kind in _consent_kinds(rec["consent_scope"]):
            Consent.objects.create(
                case=case,
                kind=kind,
                given_on=rec["consent_date"],
                recorded_by=actor,
                recorded_by_agency=actor.agency,
            )
    record_change(
        actor=actor,
        action="create",
        instance=case,
        after=snapshot(case),
        summary=_("Importación HTCDS: caso de asistencia"),
    )
    report.created["assistance_cases"] += 1
    report.created["victims"] += 1
    if item.criminal_case_number:
        _link_criminal_cases(actor, item, case)


def _consent_kinds(scope: str) -> list[str]:
    kinds = [k.strip() for k in scope.split(";") if k.strip()]
    valid = [k for k in kinds if k in Consent.Kind.values and k != Consent.Kind.SHARE_DATA]
    return valid or [Consent.Kind.SERVICES]


def _matching_person(actor, item: RecordInput) -> Person | None:
    """The same human already known to the agency: same names and birth date among the persons it may see.
    Without a birth date, names alone are not enough to say so: a new person is registered."""
    if not item.date_of_birth:
        return None
    probe = Person(
        first_names=item.first_names,
        last_name_paternal=item.last_name_paternal,
        last_name_maternal=item.last_name_maternal,
    )
    probe.refresh_keys()
    return (
        visible_persons(actor)
        .filter(
            first_names_key=probe.first_names_key,
            surnames_key=probe.surnames_key,
            date_of_birth=item.date_of_birth,
        )
        .order_by("pk")
        .first()
    )


def _link_criminal_cases(actor, item: RecordInput, case: AssistanceCase) -> None:
    for number in (n.strip() for n in item.criminal_case_number.split(";") if n.strip()):
        candidates = visible_cases(actor).filter(number=number)
        if item.fiscalia_code:
            candidates = candidates.filter(fiscalia__code=item.fiscalia_code)
        found = list(candidates[:2])
        if len(found) != 1:
            raise _RowFailed(
                [
                    CellError(
                        item.number,
                        "sistra_CaseNumber",
                        _(
                            "No se encontró un único caso penal %(number)s entre los casos que usted puede ver."
                        )
                        % {"number": number},
                    )
                ]
            )
        try:
            case_link_criminal_case(actor=actor, case=case, criminal_case=found[0])
        except (ValidationError, PermissionDenied) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            raise _RowFailed([CellError(item.number, "sistra_CaseNumber", m) for m in messages]) from None


# ----------------------------------------------------------------------------------------------- export


def _require_export(actor) -> None:
    if not (
        has_capability(actor, Capability.DATA_EXPORT)
        and has_capability(actor, Capability.ASSISTANCE_VIEW)
        and has_capability(actor, Capability.PERSON_VIEW_IDENTITY)
    ):
        raise PermissionDenied(_("Su rol no permite exportar datos de identidad de las víctimas."))


def export_queryset(actor):
    return (
        visible_assistance_cases(actor)
        .select_related("person", "owner_agency", "htcds")
        .prefetch_related(
            Prefetch("criminal_cases", queryset=Case.objects.only("id", "number")),
            Prefetch("consents", queryset=Consent.objects.filter(withdrawn_on__isnull=True)),
        )
        .order_by("pk")
    )


def _chunks(queryset, size: int):
    """Keyset pagination: each chunk is one query (plus its prefetches), so memory holds one chunk."""
    last = 0
    while True:
        chunk = list(queryset.filter(pk__gt=last)[:size])
        if not chunk:
            return
        yield chunk
        last = chunk[-1].pk


def _export_row(case, labels) -> dict:
    row = record_row(case, citizenship_label=lambda code: labels.get(code, code or ""))
    numbers = [c.number for c in case.criminal_cases.all()]
    row["sistra_CaseNumber"] = ";".join(sorted(numbers))
    rec = getattr(case, "htcds", None)
    if rec is None:
        consents = sorted(case.consents.all(), key=lambda c: (c.given_on, c.kind))
        if consents:
            row["con_Consent"] = "TRUE"
            row["sistra_ConsentDate"] = consents[0].given_on
            row["sistra_ConsentScope"] = ";".join(
                sorted({c.kind for c in consents if c.kind != "share_data"})
            )
    return row


def _header_rows(ws) -> list[str]:
    columns = {c.name or c.label: c for c in template_columns()}
    names = [
        None,
        *[("" if name == "cas_ReasonForOutgoingReferral" else name) for name in TEMPLATE_ORDER],
        *EXTENSION_ORDER,
    ]
    labels = [
        None,
        *[_label(columns, name) for name in TEMPLATE_ORDER],
        *[
            _("Número de carpeta fiscal vinculada (separados por ;)"),
            _("Fiscalía (código)"),
            _("Fecha del consentimiento"),
            _("Alcance del consentimiento (services; contact; statistics)"),
        ],
    ]
    ws.append(names)
    ws.append(labels)
    return [*TEMPLATE_ORDER, *EXTENSION_ORDER]


def _label(columns, name):
    column = columns.get(name)
    if column is not None:
        return column.label
    return "Reason for Outgoing Referral" if name == "cas_ReasonForOutgoingReferral" else name


def write_stream(ws, order: list[str], number: int, row: dict) -> None:
    cells = [number]
    for name in order:
        value = row.get(name)
        if value is None or value == "":
            cells.append(None)
        elif isinstance(value, datetime.date):
            cell = WriteOnlyCell(ws, value=value)
            cell.number_format = DATE_FORMAT
            cells.append(cell)
        else:
            cells.append(guard(value))
    ws.append(cells)


def htcds_assistance_export(
    *,
    actor,
    path,
    purpose: str,
    password: str,
    chunk_size: int = EXPORT_CHUNK,
    progress: Progress | None = None,
) -> ExportReport:
    """Every assistance case the user may see, in the official template plus the sistra_ extensions, as an
    AES-256 ZIP at `path` protected with `password`. Reads are logged in bulk per chunk before the chunk is
    written: a failure later leaves an honest trace of what was read, never a file without its log."""
    _require_export(actor)
    purpose = clean_export_purpose(purpose)
    if len(password or "") < 12:
        raise ValidationError(_("La contraseña del archivo debe tener al menos 12 caracteres."))
    queryset = export_queryset(actor)
    total = queryset.count()
    labels = citizenship_labels()
    detail = _("Exportación HTCDS: %(purpose)s") % {"purpose": purpose}
    path = Path(path)
    directory = tempfile.mkdtemp(prefix="sistra-export-")
    workbook_path = Path(directory) / f"{path.stem}.xlsx"
    rows = 0
    try:
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("HTCDS")
        order = _header_rows(ws)
        for chunk in _chunks(queryset, chunk_size):
            with transaction.atomic():
                log_access_many(
                    actor=actor,
                    reads=[(case, case.person) for case in chunk],
                    fields=EXPORTED_FIELDS,
                    purpose=AccessLog.Purpose.EXPORT,
                    detail=detail,
                )
            for case in chunk:
                rows += 1
                write_stream(ws, order, rows, _export_row(case, labels))
            if progress is not None:
                progress(rows, total)
        wb.save(workbook_path)
        fd, tmp = tempfile.mkstemp(suffix=".zip", dir=path.resolve().parent)
        os.close(fd)
        try:
            with pyzipper.AESZipFile(
                tmp, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES
            ) as zf:
                zf.setpassword(password.encode())
                zf.write(workbook_path, arcname=workbook_path.name)  # copied from disk in chunks
            os.chmod(tmp, 0o600)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    finally:
        if workbook_path.exists():
            workbook_path.unlink()
        os.rmdir(directory)
    log_export(
        actor=actor,
        model_label="assistance.assistancecase",
        count=rows,
        purpose=purpose,
        detail=_("HTCDS (asistencia), %(rows)s víctimas, ZIP cifrado.") % {"rows": rows},
    )
    return ExportReport(format="htcds", rows=rows, cases=rows, withheld_cases=0, password=password)


# ---------------------------------------------------------------------------------------------- formats


def htcds_import_any(*, actor, path, skip_invalid: bool = False, password: str | None = None) -> ImportReport:
    """`sistra import htcds`: SISTRA's own criminal-case layout (its export before issue 14, with the
    sistra_ complaint columns) goes to the criminal-case importer; everything else is HTCDS as partners send
    it, imported as assistance cases."""
    from .services import htcds_import

    # a role without assistance cases (a prosecutor) imports into criminal cases only
    if (
        not has_capability(actor, Capability.ASSISTANCE_EDIT)
        or read(path, password=password).layout == CRIMINAL
    ):
        return htcds_import(actor=actor, path=path, skip_invalid=skip_invalid, password=password)
    return htcds_assistance_import(actor=actor, path=path, skip_invalid=skip_invalid, password=password)


def htcds_export_assistance(*, actor, path, purpose: str) -> ExportReport:
    from sistra.core.exports import new_archive_password

    return htcds_assistance_export(actor=actor, path=path, purpose=purpose, password=new_archive_password())


def register_formats() -> None:
    from django.utils.translation import gettext_lazy

    from .services import FORMATS, ExchangeFormat, htcds_export, htcds_import

    FORMATS["htcds"] = ExchangeFormat(
        "htcds",
        gettext_lazy(
            "HTCDS v2 — plantilla Excel de la OIM o envíos del XLSForm; una fila por víctima en un caso "
            "de asistencia"
        ),
        importer=htcds_import_any,
        exporter=htcds_export_assistance,
    )
    FORMATS["htcds-penal"] = ExchangeFormat(
        "htcds-penal",
        gettext_lazy("HTCDS v2 con columnas sistra_ — una fila por víctima de un caso penal"),
        importer=htcds_import,
        exporter=htcds_export,
    )
