"""Import of historical call logs (CSV or XLSX). Every row goes through contacts' own service, so it is checked
and audited like a call logged by hand. All or nothing, unless the user asks to skip invalid rows; a row already
imported (same line, start and number: the idempotency key) is never imported twice.

Columns (header in the first row; order free; Spanish names, the English field names work too):
linea, canal, inicio, fin, telefono, consentimiento, tipo_llamante, categoria, motivo, idioma, ubigeo, pais,
temas, indicadores, riesgo, resumen, informacion_brindada, derivado_a. Only inicio and categoria are required.
Choice columns take the code (``hung_up``) or the Spanish label (``Colgó``); lists are separated by ``;``."""

import csv
import datetime
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sistra.core.text import normalize

from .models import DEFAULT_LINE, Contact
from .phone import phone_hash
from .services import contact_create, idempotency_key, require_hotline_agency

COLUMN_ALIASES = {
    "line": ("linea", "line"),
    "channel": ("canal", "channel"),
    "started_at": ("inicio", "fecha_hora_inicio", "started_at", "start"),
    "ended_at": ("fin", "fecha_hora_fin", "ended_at", "end"),
    "caller_phone": ("telefono", "numero", "caller_phone", "caller_number", "phone"),
    "contact_consent": ("consentimiento", "contact_consent", "consent"),
    "caller_type": ("tipo_llamante", "tipo_de_llamante", "caller_type"),
    "category": ("categoria", "category"),
    "non_substantive_reason": ("motivo", "non_substantive_reason", "reason"),
    "language_code": ("idioma", "language", "language_code"),
    "ubigeo_code": ("ubigeo", "ubigeo_code"),
    "country_code": ("pais", "country", "country_code"),
    "topics": ("temas", "topics"),
    "indicators": ("indicadores", "indicators"),
    "risk_level": ("riesgo", "nivel_de_riesgo", "risk_level", "risk"),
    "summary": ("resumen", "summary"),
    "information_given": ("informacion_brindada", "information_given"),
    "referred_to": ("derivado_a", "referred_to"),
}
CHOICE_COLUMNS = {
    "channel": Contact.Channel, "caller_type": Contact.CallerType, "category": Contact.Category,
    "non_substantive_reason": Contact.NonSubstantive, "risk_level": Contact.Risk,
}
LIST_COLUMNS = {"topics": Contact.Topic, "indicators": Contact.Indicator}
BOOL_COLUMNS = ("contact_consent", "information_given")
TRUE_VALUES = {"si", "s", "yes", "y", "true", "1", "x", "verdadero"}
DATETIME_FORMATS = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M",
                    "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M")
FIELD_LABELS = {
    "started_at": "inicio", "ended_at": "fin", "caller_phone": "telefono", "category": "categoria",
    "non_substantive_reason": "motivo", "ubigeo": "ubigeo", "country": "pais", "language": "idioma",
    "channel": "canal", "caller_type": "tipo_llamante", "risk_level": "riesgo", "topics": "temas",
    "indicators": "indicadores", "contact_consent": "consentimiento", "police_unit": "riesgo",
}


class ImportFileError(ValidationError):
    """The file as a whole cannot be read."""


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportResult:
    total: int = 0
    created: int = 0
    duplicates: int = 0
    errors: list[RowError] = field(default_factory=list)
    saved: bool = False

    @property
    def invalid_rows(self) -> int:
        return len({e.row for e in self.errors})


# ---------------------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------------------


def _header_key(text) -> str:
    return normalize(str(text or "")).replace(" ", "_")


def _map_header(header: list) -> dict[int, str]:
    lookup = {alias: name for name, aliases in COLUMN_ALIASES.items() for alias in aliases}
    mapping = {}
    for index, title in enumerate(header):
        name = lookup.get(_header_key(title))
        if name:
            mapping[index] = name
    if "started_at" not in mapping.values() or "category" not in mapping.values():
        raise ImportFileError(_("El archivo debe tener en la primera fila las columnas «inicio» y «categoria» "
                                "(y, si las hay, linea, canal, fin, telefono, motivo, ubigeo…)."))
    return mapping


def _rows_from_table(table: Iterable[list]) -> Iterator[tuple[int, dict]]:
    iterator = iter(table)
    try:
        header = next(iterator)
    except StopIteration:
        raise ImportFileError(_("El archivo está vacío.")) from None
    mapping = _map_header(list(header))
    for number, values in enumerate(iterator, start=2):
        values = list(values)
        if not any(v not in (None, "") and str(v).strip() for v in values):
            continue  # blank line
        yield number, {name: values[i] if i < len(values) else None for i, name in mapping.items()}


def read_rows(data: bytes, filename: str) -> list[tuple[int, dict]]:
    """The rows of a CSV (UTF-8, comma or semicolon) or XLSX file, numbered as a spreadsheet numbers them."""
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # noqa: BLE001 — openpyxl raises many kinds of errors on a bad file
            raise ImportFileError(_("No se pudo leer el archivo XLSX.")) from None
        try:
            return list(_rows_from_table(workbook.worksheets[0].iter_rows(values_only=True)))
        finally:
            workbook.close()
    if name.endswith(".csv") or name.endswith(".txt"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
        first_line = text.split("\n", 1)[0]
        delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
        return list(_rows_from_table(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)))
    raise ImportFileError(_("Formato no reconocido: use un archivo CSV o XLSX."))


# ---------------------------------------------------------------------------------------------------------
# Parsing one row
# ---------------------------------------------------------------------------------------------------------


def _choice_lookup(choices) -> dict[str, str]:
    table = {}
    for choice in choices:
        table[normalize(choice.value)] = choice.value
        table[normalize(str(choice.label))] = choice.value
    return table


def _parse_datetime(value) -> datetime.datetime | None:
    if value in (None, ""):
        return None
    tz = timezone.get_current_timezone()
    if isinstance(value, datetime.datetime):
        parsed = value
    else:
        text = str(value).strip()
        parsed = None
        try:
            parsed = datetime.datetime.fromisoformat(text)
        except ValueError:
            for fmt in DATETIME_FORMATS:
                try:
                    parsed = datetime.datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
        if parsed is None:
            raise ValueError(text)
    # a log without an offset is in Lima time
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=tz)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_row(raw: dict, lookups: dict) -> tuple[dict, list[tuple[str, str]]]:
    """The keyword arguments of contact_create for one row, and the problems found in its shape."""
    problems: list[tuple[str, str]] = []
    kwargs: dict = {}
    for name in ("started_at", "ended_at"):
        try:
            kwargs[name] = _parse_datetime(raw.get(name))
        except ValueError:
            problems.append((name, _("Fecha y hora no válida: «%(value)s» (use dd/mm/aaaa hh:mm).")
                             % {"value": _text(raw.get(name))}))
    for name in CHOICE_COLUMNS:
        text = _text(raw.get(name))
        if not text:
            continue
        value = lookups[name].get(normalize(text))
        if value is None:
            problems.append((name, _("Valor no reconocido: «%(value)s».") % {"value": text}))
        else:
            kwargs[name] = value
    for name in LIST_COLUMNS:
        values = []
        for part in _text(raw.get(name)).replace(",", ";").split(";"):
            if not part.strip():
                continue
            value = lookups[name].get(normalize(part))
            if value is None:
                problems.append((name, _("Valor no reconocido: «%(value)s».") % {"value": part.strip()}))
            else:
                values.append(value)
        kwargs[name] = values
    for name in BOOL_COLUMNS:
        kwargs[name] = normalize(_text(raw.get(name))) in TRUE_VALUES
    for name in ("line", "caller_phone", "language_code", "ubigeo_code", "country_code", "summary", "referred_to"):
        kwargs[name] = _text(raw.get(name))
    if kwargs["ubigeo_code"].isdigit() and len(kwargs["ubigeo_code"]) == 5:
        # spreadsheets drop the leading zero of Amazonas, Áncash, Apurímac… (010101 → 10101)
        kwargs["ubigeo_code"] = kwargs["ubigeo_code"].zfill(6)
    kwargs.setdefault("category", "")
    return kwargs, problems


# ---------------------------------------------------------------------------------------------------------
# Importing
# ---------------------------------------------------------------------------------------------------------


class _Rollback(Exception):
    pass


def import_calls(*, actor, rows: list[tuple[int, dict]], skip_invalid: bool = False,
                 owner_agency=None) -> ImportResult:
    """Import parsed rows (see read_rows). Without skip_invalid, one invalid row means nothing is saved."""
    agency = require_hotline_agency(actor, owner_agency)
    lookups = {name: _choice_lookup(choices) for name, choices in {**CHOICE_COLUMNS, **LIST_COLUMNS}.items()}
    result = ImportResult(total=len(rows))
    parsed = []
    for number, raw in rows:
        kwargs, problems = parse_row(raw, lookups)
        for column, message in problems:
            result.errors.append(RowError(number, FIELD_LABELS.get(column, column), message))
        if problems:
            continue
        key = None
        if kwargs.get("started_at"):
            key = idempotency_key(line=kwargs["line"] or DEFAULT_LINE, started_at=kwargs["started_at"],
                                  phone_hash_value=phone_hash(kwargs["caller_phone"]))
        parsed.append((number, kwargs, key))

    keys = [key for _n, _k, key in parsed if key]
    existing = set()
    for start in range(0, len(keys), 500):
        existing.update(Contact.objects.filter(owner_agency=agency, idempotency_key__in=keys[start:start + 500])
                        .values_list("idempotency_key", flat=True))
    try:
        with transaction.atomic():
            for number, kwargs, key in parsed:
                if key in existing:
                    result.duplicates += 1
                    continue
                try:
                    contact_create(actor=actor, owner_agency=agency, source=Contact.Source.IMPORT,
                                   idempotency_key=key, **kwargs)
                except ValidationError as exc:
                    _collect(result, number, exc)
                    continue
                existing.add(key)
                result.created += 1
            if result.errors and not skip_invalid:
                raise _Rollback
    except _Rollback:
        result.created = 0
        result.saved = False
    else:
        result.saved = True
    result.errors.sort(key=lambda e: e.row)
    return result


def _collect(result: ImportResult, number: int, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, messages in exc.message_dict.items():
            for message in messages:
                result.errors.append(RowError(number, FIELD_LABELS.get(name, name if name != "__all__" else ""),
                                              message))
    else:
        for message in exc.messages:
            result.errors.append(RowError(number, "", message))


def import_calls_file(*, actor, data: bytes, filename: str, skip_invalid: bool = False,
                      owner_agency=None) -> ImportResult:
    return import_calls(actor=actor, rows=read_rows(data, filename), skip_invalid=skip_invalid,
                        owner_agency=owner_agency)
