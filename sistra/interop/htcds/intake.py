"""Reading what a partner sends: the official HTCDS Excel template (row 1 field names, row 2 labels, data from
row 3), the same workbook inside a password-protected ZIP, or submissions of the HTCDS XLSForm as ODK or
KoBo export them (CSV or XLSX, one header row, group paths, multi-select values separated by spaces,
citizenship as an ISO code). Every layout comes out as the same rows keyed by template column name, so one
validation serves all. Formulas are refused, never evaluated; unknown columns are errors."""

import csv
import datetime
import os
import tempfile
from dataclasses import dataclass, field

import pyzipper
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from sistra.core.text import normalize

from .columns import SEPARATOR, citizenship_labels, unguard
from .parsing import CellError
from .record import EXTENSION_ORDER, TEMPLATE_ORDER, UNNAMED_COLUMN_LABELS

MAX_MEMBER_BYTES = 200 * 1024 * 1024
TEMPLATE, XLSFORM, CRIMINAL = "template", "xlsform", "criminal"
# the XLSForm's spellings of the template's fields
XLSFORM_NAMES = {
    "prs_First_Name": "prs_FirstName",
    "prs_Second_Name": "prs_SecondName",
    "vic_Methods_of_Control": "vic_MethodsOfControl",
    "vic_TraffickingStatusDecisionMakingOrg": "vic_TraffickinStatusDecisionMakingOrg",
}
XLSFORM_MULTIPLE = {
    "vic_MethodOfRecruitment",
    "vic_MethodsOfControl",
    "vic_TypeOfExploitation",
    "vic_ForcedLabourIndustry",
    "vic_TypeOfSexExploitation",
}
# what ODK Central and KoBo add to every submission: not data about the victim
XLSFORM_META = {
    "start",
    "end",
    "today",
    "deviceid",
    "__version__",
    "instanceid",
    "instancename",
    "submissiondate",
    "submitterid",
    "submittername",
    "attachmentspresent",
    "attachmentsexpected",
    "status",
    "reviewstate",
    "edits",
    "formversion",
    "key",
    "_id",
    "_uuid",
    "_submission_time",
    "_validation_status",
    "_notes",
    "_status",
    "_submitted_by",
    "_tags",
    "_index",
    "_version_",
    "_xform_id_string",
    "_attachments",
    "_geolocation",
    "_parent_index",
    "_parent_table_name",
    "_submission__id",
    "_submission__uuid",
}
CRIMINAL_MARKERS = {"sistra_ComplaintDate", "sistra_Stage", "sistra_PersonCode"}
KNOWN = set(TEMPLATE_ORDER) | set(EXTENSION_ORDER)


@dataclass
class Intake:
    layout: str = TEMPLATE
    columns: list[str] = field(default_factory=list)
    rows: list[tuple[int, dict]] = field(default_factory=list)  # (row number as the user sees it, values)
    errors: list[CellError] = field(default_factory=list)

    def file_error(self, message: str) -> "Intake":
        self.errors.append(CellError(0, "", message))
        return self


class _ArchiveError(Exception):
    pass


def read(path, *, password: str | None = None) -> Intake:
    """The rows of the file at `path`, whatever its layout; errors by row and column (row 0: the file)."""
    try:
        with _unpacked(path, password) as (source, is_csv):
            return _read_csv(source) if is_csv else _read_workbook(source)
    except _ArchiveError as exc:
        return Intake().file_error(str(exc))


class _unpacked:
    """The file itself, or the one member of a (possibly AES-encrypted) ZIP copied in chunks to a private
    temporary file that is removed on exit."""

    def __init__(self, path, password):
        self.path, self.password, self.tmp = path, password, None

    def __enter__(self):
        name = str(self.path).lower()
        try:
            archive = pyzipper.AESZipFile(self.path)
        except (pyzipper.BadZipFile, OSError, ValueError):
            return self.path, name.endswith(".csv") or _looks_like_csv(self.path)
        with archive:
            names = archive.namelist()
            if "[Content_Types].xml" in names:
                return self.path, False
            members = [i for i in archive.infolist() if not i.is_dir()]
            if len(members) != 1 or not members[0].filename.lower().endswith((".xlsx", ".csv")):
                raise _ArchiveError(
                    _("El archivo ZIP debe contener un solo libro de Excel (.xlsx) o un CSV.")
                )
            member = members[0]
            if member.file_size > MAX_MEMBER_BYTES:
                raise _ArchiveError(_("El archivo dentro del ZIP es demasiado grande."))
            encrypted = bool(member.flag_bits & 0x1)
            if encrypted and not self.password:
                raise _ArchiveError(
                    _("El archivo ZIP está protegido con contraseña: indique la contraseña para importarlo.")
                )
            fd, self.tmp = tempfile.mkstemp(suffix=os.path.splitext(member.filename)[1])
            os.chmod(self.tmp, 0o600)
            try:
                with (
                    os.fdopen(fd, "wb") as out,
                    archive.open(member, pwd=self.password.encode() if encrypted else None) as handle,
                ):
                    while chunk := handle.read(1 << 20):
                        out.write(chunk)
            except RuntimeError:
                raise _ArchiveError(_("La contraseña del archivo ZIP no es correcta.")) from None
            except (pyzipper.BadZipFile, OSError, EOFError, ValueError):
                raise _ArchiveError(_("El archivo ZIP está dañado o no se puede leer.")) from None
        return self.tmp, member.filename.lower().endswith(".csv")

    def __exit__(self, *exc):
        if self.tmp and os.path.exists(self.tmp):
            os.unlink(self.tmp)


def _looks_like_csv(path) -> bool:
    try:
        with open(path, "rb") as f:
            head = f.read(2048)
    except OSError:
        return False
    return not head.startswith(b"PK") and b"," in head.split(b"\n", 1)[0] and b"\x00" not in head


def _header(intake: Intake, raw_names: list) -> dict[int, str]:
    """Column index → template column name; unknown columns reported on row 1."""
    names: dict[int, str] = {}
    seen: set[str] = set()
    raw = [str(v).strip() if v is not None else "" for v in raw_names]
    if CRIMINAL_MARKERS & set(raw):
        intake.layout = CRIMINAL
        return names
    if intake.layout == TEMPLATE and any(
        v.split("/")[-1] in XLSFORM_NAMES or v.lower() in XLSFORM_META for v in raw
    ):
        intake.layout = XLSFORM
    for index, name in enumerate(raw):
        if not name:
            continue
        if intake.layout == XLSFORM:
            last = name.split("/")[-1]
            if last.lower() in XLSFORM_META or name.lower().startswith(("meta/", "_")):
                continue
            parent = name.split("/")[-2] if "/" in name else ""
            if XLSFORM_NAMES.get(parent, parent) in XLSFORM_MULTIPLE:
                continue  # KoBo's one 0/1 column per option: the multi-select column itself holds the values
            name = XLSFORM_NAMES.get(last, last)
        else:
            name = XLSFORM_NAMES.get(name, name)
        if name in seen:
            intake.errors.append(CellError(1, name, _("La columna está repetida.")))
            continue
        if name not in KNOWN:
            intake.errors.append(
                CellError(
                    1,
                    name,
                    _(
                        "Columna desconocida: no es un campo de la plantilla HTCDS v2 "
                        "ni una columna sistra_ admitida."
                    ),
                )
            )
            continue
        seen.add(name)
        names[index] = name
    if "prs_FirstName" not in seen:
        intake.errors.append(
            CellError(
                1,
                "prs_FirstName",
                _(
                    "Falta la fila de nombres de campo HTCDS (fila 1, con prs_FirstName): el archivo no sigue la plantilla "
                    "HTCDS v2 ni el formulario XLSForm HTCDS."
                ),
            )
        )
    intake.columns = [names[i] for i in sorted(names)]
    return names


def _xlsform_value(column: str, value):
    """An XLSForm answer in the template's form: ';' between the options of a multi-select, the HTCDS
    country name for an ISO code."""
    if not isinstance(value, str):
        return value
    if column in XLSFORM_MULTIPLE:
        return SEPARATOR.join(value.split())
    if column == "prs_Citizenship" and len(value.strip()) == 2:
        return citizenship_labels().get(value.strip().upper(), value)
    return value


def _read_csv(path) -> Intake:
    intake = Intake(layout=XLSFORM)
    try:
        handle = open(path, encoding="utf-8-sig", newline="")
    except OSError:
        return intake.file_error(_("No se pudo leer el archivo."))
    with handle:
        try:
            sample = handle.read(4096)
            handle.seek(0)
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample else csv.excel
            reader = csv.reader(handle, dialect)
            names = _header(intake, next(reader, []))
        except (csv.Error, UnicodeDecodeError):
            return intake.file_error(_("El archivo no es un libro de Excel (.xlsx) ni un CSV legible."))
        if intake.layout == CRIMINAL or any(e.row <= 1 for e in intake.errors):
            return intake
        try:
            for number, record in enumerate(reader, start=2):
                values = {}
                for index, name in names.items():
                    text = record[index].strip() if index < len(record) else ""
                    if text.startswith("=") and len(text) > 1:
                        intake.errors.append(
                            CellError(
                                number, name, _("La celda contiene una fórmula; SISTRA solo importa valores.")
                            )
                        )
                        continue
                    if text:
                        values[name] = _xlsform_value(name, unguard(text))
                if values:
                    intake.rows.append((number, values))
        except (csv.Error, UnicodeDecodeError):
            return intake.file_error(_("El archivo no es un libro de Excel (.xlsx) ni un CSV legible."))
    return intake


def _cell(value):
    if isinstance(value, datetime.datetime):
        return value.date() if value.time() == datetime.time(0) else value
    if isinstance(value, str):
        return unguard(value.strip()) or None
    return value


def _read_workbook(source) -> Intake:
    intake = Intake()
    try:
        wb = load_workbook(source, read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        return intake.file_error(_("El archivo no es un libro de Excel (.xlsx) ni un CSV legible."))
    try:
        ws = wb.worksheets[0]
        rows = ws.iter_rows()
        first = [c.value for c in next(rows, ())]
        second_cells = next(rows, ())
        second = [c.value for c in second_cells]
        # the template's AJ column has a label but no field name
        for index, label in enumerate(second):
            if index < len(first) and not first[index] and isinstance(label, str):
                first[index] = UNNAMED_COLUMN_LABELS.get(normalize(label), first[index])
        names = _header(intake, first)
        if intake.layout == CRIMINAL or any(e.row <= 1 for e in intake.errors):
            return intake
        is_label_row = intake.layout == TEMPLATE and any(
            isinstance(v, str) and normalize(v) == "first name" for v in second
        )
        pending = [] if is_label_row else [second_cells]

        def data_rows():
            yield from pending
            yield from rows

        for excel_row in data_rows():
            values, number = {}, None
            for cell in excel_row:
                if not hasattr(cell, "column"):  # an empty cell in read-only mode
                    continue
                number = cell.row
                name = names.get(cell.column - 1)
                if name is None:
                    continue
                if cell.data_type == "f":
                    intake.errors.append(
                        CellError(
                            cell.row,
                            name,
                            _("La celda contiene una fórmula (%(cell)s); SISTRA solo importa valores.")
                            % {"cell": f"{get_column_letter(cell.column)}{cell.row}"},
                        )
                    )
                    continue
                value = _cell(cell.value)
                if value is not None:
                    values[name] = _xlsform_value(name, value) if intake.layout == XLSFORM else value
            if number is not None and values:
                intake.rows.append((number, values))
    finally:
        wb.close()
    return intake
