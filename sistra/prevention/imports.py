"""Participants of a training from the Excel (or CSV) attendance sheets organisers already use. The same
conventions as the HTCDS and call-log imports: a row-by-row report naming the row and the column; all or
nothing unless the user asks to skip invalid rows; idempotent — a participant already in the event (same DNI,
or same name when there is no DNI) is counted as "ya registrado", never added twice.

Columns (header in the first row, order free, accents and case do not matter): nombre, profesion (required),
dni, institucion, sexo, region, asistio, nota_entrada, nota_salida. Professions, sex and region take the code
or the Spanish word (juez, fiscal, policía, docente…; F/M; Cusco or 08)."""

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sistra.core.models import Ubigeo
from sistra.core.text import normalize

from . import services
from .models import Participant, TrainingEvent

COLUMN_ALIASES = {
    "full_name": ("nombre", "nombres_y_apellidos", "nombre_completo", "apellidos_y_nombres", "participante"),
    "document_number": ("dni", "documento", "nro_documento", "numero_de_documento"),
    "profession": ("profesion", "cargo", "ocupacion"),
    "institution": ("institucion", "entidad", "organizacion"),
    "sex": ("sexo",),
    "region": ("region", "departamento"),
    "attended": ("asistio", "asistencia"),
    "pre_score": ("nota_entrada", "pre_test", "pretest", "prueba_de_entrada"),
    "post_score": ("nota_salida", "post_test", "postest", "posttest", "prueba_de_salida"),
}
REQUIRED = {"full_name": "nombre", "profession": "profesion"}
COLUMN_LABELS = {name: aliases[0] for name, aliases in COLUMN_ALIASES.items()}
PROFESSION_WORDS = {
    "juez": "judge",
    "jueza": "judge",
    "magistrado": "judge",
    "magistrada": "judge",
    "fiscal": "prosecutor",
    "fiscal adjunto": "prosecutor",
    "fiscal adjunta": "prosecutor",
    "policia": "police",
    "pnp": "police",
    "efectivo policial": "police",
    "salud": "health",
    "personal de salud": "health",
    "enfermera": "health",
    "enfermero": "health",
    "medico": "health",
    "medica": "health",
    "obstetra": "health",
    "docente": "teacher",
    "profesor": "teacher",
    "profesora": "teacher",
    "maestro": "teacher",
    "maestra": "teacher",
    "autoridad comunal": "community_authority",
    "presidente comunal": "community_authority",
    "teniente gobernador": "community_authority",
    "trabajadora social": "social_worker",
    "trabajador social": "social_worker",
    "estudiante": "student",
}
SEX_WORDS = {
    "f": "female",
    "mujer": "female",
    "femenino": "female",
    "m": "male",
    "hombre": "male",
    "masculino": "male",
    "": "unknown",
    "sin dato": "unknown",
}
TRUE_VALUES = {"si", "s", "yes", "y", "true", "1", "x", "asistio", "verdadero"}
FALSE_VALUES = {"no", "n", "false", "0", "falto", "ausente", "falso"}


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


def _lookup(choices, extra: dict) -> dict[str, str]:
    table = {normalize(k): v for k, v in extra.items()}
    for choice in choices:
        table[normalize(choice.value)] = choice.value
        table[normalize(str(choice.label))] = choice.value
    return table


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _departments() -> dict[str, str]:
    table = {}
    for code, name in Ubigeo.objects.filter(level=Ubigeo.Level.DEPARTAMENTO).values_list("code", "name"):
        table[normalize(name)] = code[:2]
        table[code[:2]] = code[:2]
        table[str(int(code[:2]))] = code[:2]
    return table


def read_table(data: bytes, filename: str) -> tuple[list, list[tuple[int, list]]]:
    """The header and the non-blank rows of the first sheet of an XLSX file (or of a CSV file)."""
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # noqa: BLE001 — openpyxl raises many kinds of errors on a bad file
            raise ImportFileError(_("No se pudo leer el archivo XLSX.")) from None
        try:
            table = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
        finally:
            workbook.close()
    elif name.endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
        first_line = text.split("\n", 1)[0]
        delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
        table = [list(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    else:
        raise ImportFileError(_("Formato no reconocido: use un archivo XLSX o CSV."))
    if not table:
        raise ImportFileError(_("El archivo está vacío."))
    rows = [
        (number, values)
        for number, values in enumerate(table[1:], start=2)
        if any(v not in (None, "") and str(v).strip() for v in values)
    ]
    return table[0], rows


def read_rows(data: bytes, filename: str) -> list[tuple[int, dict]]:
    """The rows of the sheet, numbered as the spreadsheet numbers them; a missing required column is an
    error for the whole file, naming the column."""
    header, rows = read_table(data, filename)
    lookup = {alias: name for name, aliases in COLUMN_ALIASES.items() for alias in aliases}
    mapping = {}
    for index, title in enumerate(header):
        name = lookup.get(normalize(str(title or "")).replace(" ", "_"))
        if name and name not in mapping.values():
            mapping[index] = name
    missing = [label for name, label in REQUIRED.items() if name not in mapping.values()]
    if missing:
        raise ImportFileError(
            _(
                "Falta la columna «%(columns)s» en la primera fila de la hoja (se esperan "
                "nombre, profesion y, si las hay, dni, institucion, sexo, region, asistio, "
                "nota_entrada, nota_salida)."
            )
            % {"columns": "», «".join(missing)}
        )
    out = []
    for number, values in rows:
        out.append((number, {name: values[i] if i < len(values) else None for i, name in mapping.items()}))
    return out


def parse_row(raw: dict, lookups: dict) -> tuple[services.ParticipantInput | None, list[tuple[str, str]]]:
    problems: list[tuple[str, str]] = []
    profession_text = _text(raw.get("profession"))
    profession = lookups["profession"].get(normalize(profession_text), "")
    if profession_text and not profession:
        problems.append(
            ("profession", _("Profesión no reconocida: «%(value)s».") % {"value": profession_text})
        )
    sex_text = _text(raw.get("sex"))
    sex = lookups["sex"].get(normalize(sex_text))
    if sex is None:
        problems.append(("sex", _("Sexo no reconocido: «%(value)s» (use F o M).") % {"value": sex_text}))
    region_text = _text(raw.get("region"))
    region = (
        lookups["region"].get(
            normalize(region_text).zfill(2) if region_text.isdigit() else normalize(region_text), ""
        )
        if region_text
        else ""
    )
    if region_text and not region:
        problems.append(("region", _("Región no reconocida: «%(value)s».") % {"value": region_text}))
    attended_text = normalize(_text(raw.get("attended")))
    if attended_text and attended_text not in TRUE_VALUES | FALSE_VALUES:
        problems.append(
            (
                "attended",
                _("Asistencia no reconocida: «%(value)s» (use sí o no).")
                % {"value": _text(raw.get("attended"))},
            )
        )
    data = services.ParticipantInput(
        full_name=_text(raw.get("full_name")),
        document_number=_text(raw.get("document_number")),
        profession=profession,
        institution=_text(raw.get("institution")),
        sex=sex or "unknown",
        region=region,
        attended=attended_text not in FALSE_VALUES,
        pre_score=raw.get("pre_score"),
        post_score=raw.get("post_score"),
    )
    return data, problems


class _Rollback(Exception):
    pass


def import_participants(
    *, actor, event: TrainingEvent, rows: list[tuple[int, dict]], skip_invalid: bool = False
) -> ImportResult:
    """Add the rows' participants to the event. Without skip_invalid one bad row means nothing is saved."""
    services.require_edit(actor, event.owner_agency_id)
    lookups = {
        "profession": _lookup(Participant.Profession, PROFESSION_WORDS),
        "sex": _lookup(Participant.Sex, SEX_WORDS),
        "region": _departments(),
    }
    result = ImportResult(total=len(rows))
    existing = set(event.participants.values_list("dedup_key", flat=True))
    seen: dict[str, int] = {}
    try:
        with transaction.atomic():
            for number, raw in rows:
                data, problems = parse_row(raw, lookups)
                fields, errors = services.clean_participant(event, data)
                for name, message in problems:
                    errors.pop(name, None)
                    result.errors.append(RowError(number, COLUMN_LABELS[name], message))
                for name, messages in errors.items():
                    for message in messages:
                        result.errors.append(RowError(number, COLUMN_LABELS.get(name, name), message))
                if problems or errors:
                    continue
                key = fields["dedup_key"]
                if key in existing:
                    result.duplicates += 1
                    continue
                if key in seen:
                    result.errors.append(
                        RowError(
                            number,
                            COLUMN_LABELS["full_name"],
                            _("%(name)s aparece dos veces en la hoja (ya en la fila %(row)s).")
                            % {"name": fields["full_name"], "row": seen[key]},
                        )
                    )
                    continue
                try:
                    services.participant_add(actor=actor, event=event, data=data)
                except ValidationError as exc:
                    for name, messages in exc.message_dict.items():
                        for message in messages:
                            result.errors.append(RowError(number, COLUMN_LABELS.get(name, name), message))
                    continue
                seen[key] = number
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


def import_participants_file(
    *, actor, event: TrainingEvent, data: bytes, filename: str, skip_invalid: bool = False
) -> ImportResult:
    return import_participants(
        actor=actor, event=event, rows=read_rows(data, filename), skip_invalid=skip_invalid
    )
