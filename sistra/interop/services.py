"""Imports and exports of whole files. An import validates every row and column first, then writes through
the people and cases services (which record the change history) inside one transaction: all or nothing, or,
when asked, only the valid rows. An export records who took which cases' identities out of SISTRA.

An export of personal data states its purpose (recorded with it), and comes as an AES-encrypted ZIP whose
password is returned once to the caller and stored nowhere; an import reads a plain workbook or that
archive.

Formats are registered in FORMATS; the `sistra import` / `sistra export` commands offer what is there."""

import io
import os
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyzipper
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sistra.accounts.capabilities import Capability, has_capability
from sistra.accounts.types import Actor, agency_of
from sistra.audit.models import AccessLog
from sistra.audit.services import log_access, log_export
from sistra.cases.access import writable_cases
from sistra.cases.models import Case, CaseEvent, CaseVictim
from sistra.cases.services import INITIAL_STAGE, case_change_stage, case_create, place_add, victim_add
from sistra.core.exports import new_archive_password, protected_zip
from sistra.people.access import visible_persons
from sistra.people.indexes import document_index
from sistra.people.models import Person
from sistra.people.services import person_create

from . import htcds
from .htcds import FIRST_DATA_ROW, CellError, RowInput
from .selectors import htcds_export_victims

ENTITIES = ("cases", "persons", "victims", "places")
EXPORTED_IDENTITY_FIELDS = [
    "first_names",
    "last_name_paternal",
    "last_name_maternal",
    "date_of_birth",
    "documents",
    "aliases",
]


@dataclass
class ImportReport:
    format: str
    rows_read: int = 0
    imported_rows: list[int] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    created: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)  # already in SISTRA: "sin cambios"
    committed: bool = False

    @property
    def invalid_rows(self) -> list[int]:
        return sorted({e.row for e in self.errors if e.row >= FIRST_DATA_ROW})

    @property
    def refused(self) -> bool:
        """Nothing was imported because of errors (or there was nothing valid to import)."""
        return not self.committed


PURPOSE_MIN_LENGTH = 5
PURPOSE_MAX_LENGTH = 200
# an HTCDS workbook of a whole country is a few megabytes; a member claiming more is not one of ours
MAX_WORKBOOK_BYTES = 200 * 1024 * 1024


@dataclass
class ExportReport:
    format: str
    rows: int
    cases: int
    withheld_cases: int
    # the archive's password: for the caller to show once; never logged, so kept out of repr()
    password: str = field(default="", repr=False)


class RowFailure(Exception):
    def __init__(self, errors: list[CellError]):
        super().__init__(errors)
        self.errors = errors


# Which column a service's field error belongs to.
PERSON_COLUMNS = {
    "first_names": htcds.FIRST_NAME,
    "last_name_paternal": htcds.PATERNAL,
    "last_name_maternal": htcds.MATERNAL,
    "sex": htcds.SEX,
    "date_of_birth": htcds.BIRTHDATE,
    "estimated_age": htcds.ESTIMATED_AGE,
    "age_estimated_on": htcds.AGE_ESTIMATED_ON,
    "nationality": htcds.CITIZENSHIP,
    "documents": htcds.DOCUMENT_NUMBER,
}
CASE_COLUMNS = {
    "number": htcds.CASE_NUMBER,
    "complaint_date": htcds.COMPLAINT_DATE,
    "facts_date_from": htcds.FACTS_FROM,
    "facts_date_to": htcds.FACTS_TO,
    "opened_date": htcds.OPENED_DATE,
    "source": htcds.SOURCE,
    "distrito_fiscal": htcds.DISTRITO_FISCAL,
    "stage": htcds.STAGE,
    "reason": htcds.STAGE,
    "date": htcds.STAGE_STARTED,
}
VICTIM_COLUMNS = {"age_at_exploitation": htcds.AGE_AT_EXPLOITATION, "person": htcds.FIRST_NAME}


def _call(row: RowInput, columns: dict[str, str], default_column: str, function: Callable, **kwargs):
    """Run a service; its refusal becomes errors on the row's columns."""
    try:
        return function(**kwargs)
    except ValidationError as exc:
        errors = []
        if hasattr(exc, "error_dict"):
            for name, messages in exc.message_dict.items():
                for message in messages:
                    errors.append(CellError(row.number, columns.get(name, default_column), message))
        else:
            errors = [CellError(row.number, default_column, m) for m in exc.messages]
        raise RowFailure(errors) from None


def _fail(row: RowInput, column: str, message: str):
    raise RowFailure([CellError(row.number, column, message)])


# ----------------------------------------------------------------------------------------------- import


def htcds_import(*, actor: Actor, path, skip_invalid: bool = False, password: str | None = None) -> ImportReport:
    """Import an HTCDS v2 workbook (rows: victims of criminal cases) as `actor`: a plain .xlsx, or the
    password-protected ZIP that `htcds_export` writes (with its `password`). Every row and column is
    validated before anything is written; on any error nothing is imported, unless skip_invalid, in which
    case the valid rows are imported and the others reported. Importing the same file again adds nothing."""
    if not has_capability(actor, Capability.DATA_IMPORT) or not actor.agency_id:
        raise PermissionDenied(
            _("El usuario %(user)s no tiene permiso para importar datos.") % {"user": actor.username}
        )
    report = ImportReport(format="htcds")
    try:
        workbook = _workbook_source(path, password)
    except _ArchiveError as exc:
        report.errors.append(CellError(0, "", str(exc)))
        return report
    sheet = htcds.read_workbook(workbook)
    report.errors.extend(sheet.errors)
    report.rows_read = len(sheet.rows)
    if any(e.row < FIRST_DATA_ROW for e in sheet.errors):
        return report  # the header itself is wrong: no row can be read with confidence
    _warn_unstored_columns(sheet, report)

    lookups = htcds.Lookups.load()
    parsed: list[RowInput] = []
    for sheet_row in sheet.rows:
        reported = frozenset(e.column for e in sheet.errors if e.row == sheet_row.number)
        parser = htcds.RowParser(sheet_row, lookups, default_agency=actor.agency, reported=reported)
        row = parser.parse()
        report.errors.extend(parser.errors)
        report.warnings.extend(parser.warnings)
        if row is not None:
            _check_owner(actor, row, sheet.columns, report)
            parsed.append(row)
    _check_same_case(parsed, report)

    bad = set(report.invalid_rows)
    with transaction.atomic():
        seen: set = set()
        for row in parsed:
            if row.number in bad:
                continue
            try:
                with transaction.atomic():
                    created, unchanged, keys = _import_row(actor, row, seen)
            except RowFailure as failure:
                report.errors.extend(failure.errors)
                continue
            seen |= keys
            report.created.update(created)
            report.unchanged.update(unchanged)
            report.imported_rows.append(row.number)
        if (report.errors and not skip_invalid) or not report.imported_rows:
            transaction.set_rollback(True)
            report.created.clear()
            report.unchanged.clear()
            report.imported_rows.clear()
        else:
            report.committed = True
    report.errors.sort(key=lambda e: (e.row, e.column))
    return report


class _ArchiveError(Exception):
    pass


def _workbook_source(path, password: str | None):
    """What to hand to the workbook reader: the path itself for a plain workbook (or anything that is not a
    ZIP archive, which the reader then reports), or the workbook inside an archive, read into memory, so the
    decrypted data never touches the disk."""
    try:
        archive = pyzipper.AESZipFile(path)
    except (pyzipper.BadZipFile, OSError, ValueError):
        return path
    with archive:
        names = archive.namelist()
        if "[Content_Types].xml" in names:
            return path  # a workbook is itself a ZIP archive: this one is a plain .xlsx
        members = [i for i in archive.infolist() if not i.is_dir()]
        if len(members) != 1 or not members[0].filename.lower().endswith(".xlsx"):
            raise _ArchiveError(_("El archivo ZIP debe contener un solo libro de Excel (.xlsx)."))
        member = members[0]
        if member.file_size > MAX_WORKBOOK_BYTES:
            raise _ArchiveError(_("El libro de Excel dentro del archivo ZIP es demasiado grande."))
        encrypted = bool(member.flag_bits & 0x1)
        if encrypted and not password:
            raise _ArchiveError(
                _("El archivo ZIP está protegido con contraseña: indique la contraseña para importarlo.")
            )
        try:
            with archive.open(member, pwd=password.encode() if password and encrypted else None) as handle:
                data = handle.read(MAX_WORKBOOK_BYTES + 1)
        except RuntimeError:
            raise _ArchiveError(_("La contraseña del archivo ZIP no es correcta.")) from None
        except (pyzipper.BadZipFile, OSError, EOFError, ValueError):
            raise _ArchiveError(_("El archivo ZIP está dañado o no se puede leer.")) from None
    if len(data) > MAX_WORKBOOK_BYTES:
        raise _ArchiveError(_("El libro de Excel dentro del archivo ZIP es demasiado grande."))
    return io.BytesIO(data)


def _warn_unstored_columns(sheet: htcds.Sheet, report: ImportReport) -> None:
    used = htcds.STORED_HTCDS_COLUMNS | htcds.DERIVED_COLUMNS | htcds.SISTRA_COLUMN_NAMES
    for column in sheet.columns:
        if column in used:
            continue
        rows = [r.number for r in sheet.rows if r.values.get(column) is not None]
        if rows:
            report.warnings.append(
                _(
                    "La columna %(column)s tiene datos (filas %(rows)s) que SISTRA no registra; no se "
                    "importan."
                )
                % {
                    "column": column,
                    "rows": ", ".join(str(n) for n in rows[:10]) + ("…" if len(rows) > 10 else ""),
                }
            )


def _check_owner(actor: Actor, row: RowInput, columns: list[str], report: ImportReport) -> None:
    # An import creates cases owned by the importing agency, so it may not take over another agency's case.
    if row.case.owner.pk != actor.agency_id:
        report.errors.append(
            CellError(
                row.number,
                htcds.OWNER_AGENCY,
                _(
                    "El caso pertenece a otra institución (%(owner)s); solo puede importar casos de "
                    "%(agency)s."
                )
                % {"owner": row.case.owner.code, "agency": agency_of(actor).code},
            )
        )


def _check_same_case(rows: list[RowInput], report: ImportReport) -> None:
    """Rows of the same case (fiscalía + number) must agree on the case's own data."""
    first: dict[tuple, RowInput] = {}
    for row in rows:
        reference = first.setdefault(row.case.key, row)
        if reference is row:
            continue
        mine, theirs = row.case.comparable(), reference.case.comparable()
        for column, value in mine.items():
            if value != theirs[column]:
                report.errors.append(
                    CellError(
                        row.number,
                        column,
                        _("No coincide con la fila %(row)s, del mismo caso %(number)s.")
                        % {"row": reference.number, "number": row.case.number},
                    )
                )


def _import_row(actor: Actor, row: RowInput, seen: set) -> tuple[Counter, Counter, set]:
    created: Counter[str] = Counter()
    unchanged: Counter[str] = Counter()
    keys: set = set()

    def count(entity: str, key, is_new: bool) -> None:
        if is_new:
            created[entity] += 1
        elif key not in seen and key not in keys:
            unchanged[entity] += 1
        keys.add(key)

    case, is_new = _case_for_row(actor, row)
    count("cases", ("case", case.pk), is_new)
    existing = {(p.kind, p.ubigeo_id, p.country_id) for p in case.places.all()}
    for place in row.case.places:
        if place.key in existing:
            count("places", ("place", case.pk, place.key), False)
            continue
        column = htcds.PLACE_CODES[place.kind]
        _call(
            row,
            {"ubigeo": column, "country": column, "kind": column},
            column,
            place_add,
            actor=actor,
            case=case,
            kind=place.kind,
            ubigeo=place.ubigeo,
            country=place.country,
            description=place.description,
        )
        existing.add(place.key)
        count("places", ("place", case.pk, place.key), True)

    person = _match_person(actor, row, case)
    if person is None:
        p = row.person
        person = _call(
            row,
            PERSON_COLUMNS,
            htcds.FIRST_NAME,
            person_create,
            actor=actor,
            first_names=p.first_names,
            last_name_paternal=p.last_name_paternal,
            last_name_maternal=p.last_name_maternal,
            sex=p.sex,
            date_of_birth=p.date_of_birth,
            estimated_age=p.estimated_age,
            age_estimated_on=p.age_estimated_on,
            nationality=p.nationality,
            ubigeo_origin=p.ubigeo_origin,
            country_origin=p.country_origin,
            ubigeo_residence=p.ubigeo_residence,
            documents=p.documents,
            aliases=p.aliases,
            languages=p.languages,
        )
        count("persons", ("person", person.pk), True)
    else:
        count("persons", ("person", person.pk), False)

    if CaseVictim.objects.filter(case=case, person=person).exists():
        count("victims", ("victim", case.pk, person.pk), False)
    else:
        v = row.victim
        _call(
            row,
            VICTIM_COLUMNS,
            htcds.FIRST_NAME,
            victim_add,
            actor=actor,
            case=case,
            person=person,
            age_at_exploitation=v.age_at_exploitation,
            nationality=v.nationality,
            exploitation_forms=v.exploitation_forms,
            control_methods=v.control_methods,
            recruitment_method=v.recruitment_method,
            relation_to_trafficker=v.relation_to_trafficker,
        )
        count("victims", ("victim", case.pk, person.pk), True)
    return created, unchanged, keys


def _case_for_row(actor: Actor, row: RowInput) -> tuple[Case, bool]:
    c = row.case
    existing = Case.objects.filter(fiscalia=c.fiscalia, number=c.number).first()
    if existing is not None:
        if not writable_cases(actor).filter(pk=existing.pk).exists():
            _fail(
                row,
                htcds.CASE_NUMBER,
                _("El caso %(number)s ya existe en %(fiscalia)s y su institución no puede modificarlo.")
                % {"number": c.number, "fiscalia": c.fiscalia.code},
            )
        return existing, False
    case = _call(
        row,
        CASE_COLUMNS,
        htcds.CASE_NUMBER,
        case_create,
        actor=actor,
        number=c.number,
        fiscalia=c.fiscalia,
        distrito_fiscal=c.distrito_fiscal,
        complaint_date=c.complaint_date,
        source=c.source,
        title=c.title,
        facts_date_from=c.facts_date_from,
        facts_date_to=c.facts_date_to,
        opened_date=c.opened_date,
        is_complex=c.is_complex,
    )
    if c.stage.code != INITIAL_STAGE:
        # a case that arrives further on than the complaint: the documented exception path (decision 0130)
        follows = c.stage.previous_stages.filter(code=INITIAL_STAGE).exists()
        _call(
            row,
            CASE_COLUMNS,
            htcds.STAGE,
            case_change_stage,
            actor=actor,
            case=case,
            stage=c.stage,
            date=c.stage_started_on or c.complaint_date,
            reason=_("Importación de un archivo HTCDS"),
            exception="" if follows else CaseEvent.StageException.RECEIVED,
        )
    return case, True


def _name_keys(p: htcds.PersonInput) -> tuple[str, str]:
    probe = Person(
        first_names=p.first_names,
        last_name_paternal=p.last_name_paternal,
        last_name_maternal=p.last_name_maternal,
    )
    probe.refresh_keys()
    return probe.first_names_key, probe.surnames_key


def _documents_conflict(person: Person, p: htcds.PersonInput) -> bool:
    """Both have a document of the same kind, and none of those numbers is shared: not the same human."""
    theirs = {(d.kind, d.number) for d in person.documents.all()}
    mine = {(d.kind, d.number) for d in p.documents}
    if theirs & mine:
        return False
    return bool({k for k, _n in theirs} & {k for k, _n in mine})


def _match_person(actor: Actor, row: RowInput, case: Case) -> Person | None:
    """The person of the row if SISTRA already has them among the persons the user may see: same identity
    document, same pseudonym code (with the same names), same names and birth date, or a victim of the same
    case with the same names. A document held by someone the user may not see is left to person_create,
    which saves the person as it would at the counter and leaves the pair to the data stewards (ADR 0171)."""
    p = row.person
    visible = visible_persons(actor)
    by_document: set[int] = set()
    for doc in p.documents:
        qs = visible.filter(documents__number_index=document_index(doc.kind, doc.number))
        if doc.kind != "dni":
            qs = qs.filter(documents__country=doc.country)
        by_document |= set(qs.values_list("pk", flat=True))
    first_key, surnames_key = _name_keys(p)
    by_code = None
    if p.code:
        by_code = visible.filter(code=p.code).first()
        if by_code is not None and (by_code.first_names_key, by_code.surnames_key) != (
            first_key,
            surnames_key,
        ):
            _fail(
                row,
                htcds.PERSON_CODE,
                _("El código %(code)s corresponde a una persona con otros nombres.") % {"code": p.code},
            )
    if len(by_document) > 1:
        _fail(row, htcds.DOCUMENT_NUMBER, _("Los documentos de la fila corresponden a personas distintas."))
    if by_document and by_code is not None and by_code.pk not in by_document:
        _fail(
            row,
            htcds.PERSON_CODE,
            _("El código de persona y el documento corresponden a personas distintas."),
        )
    if by_document:
        return Person.objects.get(pk=by_document.pop())
    if by_code is not None:
        return by_code
    same_names = visible.filter(first_names_key=first_key, surnames_key=surnames_key).prefetch_related(
        "documents"
    )
    if p.date_of_birth:
        for candidate in same_names.filter(date_of_birth=p.date_of_birth).order_by("pk"):
            if not _documents_conflict(candidate, p):
                return candidate
    for candidate in same_names.filter(victim_in__case=case).order_by("pk"):
        compatible = not (
            p.date_of_birth and candidate.date_of_birth and p.date_of_birth != candidate.date_of_birth
        )
        if compatible and not _documents_conflict(candidate, p):
            return candidate
    return None


# ----------------------------------------------------------------------------------------------- export


def clean_export_purpose(purpose: str | None) -> str:
    """The stated purpose of an export, in one line; refused if it says nothing."""
    text = " ".join((purpose or "").split())
    if len(text) < PURPOSE_MIN_LENGTH:
        raise ValidationError(
            _(
                "Indique la finalidad de la exportación en unas palabras (al menos %(min)s caracteres): "
                "queda registrada junto con la exportación."
            )
            % {"min": PURPOSE_MIN_LENGTH},
            code="purpose",
        )
    if len(text) > PURPOSE_MAX_LENGTH:
        raise ValidationError(
            _("La finalidad puede tener hasta %(max)s caracteres.") % {"max": PURPOSE_MAX_LENGTH},
            code="purpose",
        )
    return text


@transaction.atomic
def htcds_export(*, actor: Actor, path, purpose: str) -> ExportReport:
    """Write every victim of the cases the user may see, with identities, in the HTCDS v2 template, as an
    AES-256 encrypted ZIP at `path`; its new password is in the report, to be shown once. Only for users who
    may take identities out of SISTRA, and only with a stated purpose. Each exported victim is recorded in
    the access log, and the export itself with its purpose."""
    if not has_capability(actor, Capability.DATA_EXPORT) or not has_capability(
        actor, Capability.CASE_VIEW_IDENTITY
    ):
        raise PermissionDenied(_("Su rol no permite exportar datos de identidad de las víctimas."))
    purpose = clean_export_purpose(purpose)
    selection = htcds_export_victims(actor)
    # has_conviction: annotated by htcds_export_victims
    rows = [htcds.victim_row(v, convicted=v.has_conviction) for v in selection.victims]  # type: ignore[attr-defined]
    # one row per victim, so "who has seen this person" includes the exports of their identity, and why
    detail = _("Exportación HTCDS: %(purpose)s") % {"purpose": purpose}
    for victim in selection.victims:
        log_access(
            actor=actor,
            instance=victim.case,
            person=victim.person,
            fields=EXPORTED_IDENTITY_FIELDS,
            purpose=AccessLog.Purpose.EXPORT,
            detail=detail,
        )
    log_export(
        actor=actor,
        model_label="cases.casevictim",
        count=len(rows),
        purpose=purpose,
        detail=_("HTCDS, %(cases)s casos, ZIP cifrado.") % {"cases": len(selection.cases)},
    )
    password = new_archive_password()
    path = Path(path)
    archive = protected_zip({f"{path.stem}.xlsx": _workbook_bytes(rows)}, password)
    _write_private(path, archive)  # last: if it fails, the access log rows roll back with it
    return ExportReport(
        format="htcds",
        rows=len(rows),
        cases=len(selection.cases),
        withheld_cases=selection.withheld_cases,
        password=password,
    )


def _workbook_bytes(rows: list[dict]) -> bytes:
    # htcds.write_workbook writes to a path: a private directory (0700) that is gone when this returns
    with tempfile.TemporaryDirectory(prefix="sistra-export-") as directory:
        workbook = Path(directory) / "htcds.xlsx"
        htcds.write_workbook(workbook, rows)
        return workbook.read_bytes()


def _write_private(path: Path, content: bytes) -> None:
    """Write readable by the owner only, through a temporary file, so a failure leaves no half archive."""
    fd, tmp = tempfile.mkstemp(suffix=".zip", dir=path.resolve().parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# ---------------------------------------------------------------------------------------------- formats


@dataclass(frozen=True)
class ExchangeFormat:
    """A file format the console commands can import and/or export. An importer takes (actor=, path=,
    skip_invalid=, password=) and returns an ImportReport; an exporter takes (actor=, path=, purpose=), writes
    a password-protected archive and returns an ExportReport with its password."""

    code: str
    label: object
    importer: Callable[..., ImportReport] | None = None
    exporter: Callable[..., ExportReport] | None = None


FORMATS: dict[str, ExchangeFormat] = {
    "htcds": ExchangeFormat(
        "htcds",
        gettext_lazy("HTCDS v2 — plantilla Excel de la OIM, una fila por víctima de un caso penal"),
        importer=htcds_import,
        exporter=htcds_export,
    ),
}
