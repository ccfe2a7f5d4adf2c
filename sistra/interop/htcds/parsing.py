"""Reading an HTCDS workbook into rows keyed by column name (nothing evaluated, formulas refused), and the
reference data an import looks values up in."""

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from sistra.accounts.models import Agency
from sistra.core.models import Country, DistritoFiscal, ProceduralStage, Term, Ubigeo
from sistra.core.text import normalize

from .columns import (
    FIRST_NAME,
    HEADER_ALIASES,
    HTCDS_PREFIXES,
    NAME_ROW,
    SISTRA_COLUMN_NAMES,
    citizenship_labels,
    unguard,
)
from .writing import htcds_column_names

# ----------------------------------------------------------------------------------------- the reader


@dataclass(frozen=True)
class CellError:
    row: int  # as numbered in Excel; 0 for the file as a whole
    column: str  # column name (row 1), "" for the row as a whole
    message: str


@dataclass
class SheetRow:
    number: int
    values: dict[str, object]


@dataclass
class Sheet:
    columns: list[str] = field(default_factory=list)
    rows: list[SheetRow] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)


def _cell_value(cell):
    value = cell.value
    if isinstance(value, datetime.datetime):
        return value.date() if value.time() == datetime.time(0) else value
    if isinstance(value, str):
        value = unguard(value.strip())
        return value or None
    return value


def read_workbook(path) -> Sheet:
    """The rows of an HTCDS workbook, keyed by the column names of row 1. Formula cells, unknown columns
    and a missing header are reported as errors; nothing is evaluated."""

    sheet = Sheet()
    try:
        wb = load_workbook(path, read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        sheet.errors.append(CellError(0, "", _("El archivo no es un libro de Excel (.xlsx) legible.")))
        return sheet
    try:
        ws = wb.worksheets[0]
        rows = ws.iter_rows()
        header = next(rows, ())
        names: dict[int, str] = {}
        seen: set[str] = set()
        known = set(htcds_column_names()) | SISTRA_COLUMN_NAMES
        for cell in header:
            raw = cell.value.strip() if isinstance(cell.value, str) else cell.value
            if not raw:
                continue
            name = HEADER_ALIASES.get(str(raw), str(raw))
            if name in seen:
                sheet.errors.append(CellError(NAME_ROW, name, _("La columna está repetida.")))
                continue
            seen.add(name)
            if name not in known and not name.startswith(HTCDS_PREFIXES):
                sheet.errors.append(
                    CellError(
                        NAME_ROW, name, _("Columna desconocida: no es un campo HTCDS ni una columna sistra_.")
                    )
                )
                continue
            if name.startswith("sistra_") and name not in SISTRA_COLUMN_NAMES:
                sheet.errors.append(CellError(NAME_ROW, name, _("Columna sistra_ desconocida.")))
                continue
            names[cell.column] = name
        if FIRST_NAME not in seen:
            sheet.errors.append(
                CellError(
                    NAME_ROW,
                    FIRST_NAME,
                    _(
                        "Falta la fila de nombres de campo HTCDS (fila 1, con prs_FirstName): el archivo no "
                        "sigue la plantilla HTCDS v2."
                    ),
                )
            )
            return sheet
        sheet.columns = [names[i] for i in sorted(names)]
        next(rows, None)  # row 2: the human labels
        for excel_row in rows:
            values: dict[str, object] = {}
            number = None
            for cell in excel_row:
                if not hasattr(cell, "column"):  # an empty cell in read-only mode
                    continue
                number = cell.row
                name = names.get(cell.column)
                if name is None:
                    continue
                if cell.data_type == "f":
                    sheet.errors.append(
                        CellError(
                            cell.row,
                            name,
                            _("La celda contiene una fórmula (%(cell)s); SISTRA solo importa valores.")
                            % {"cell": f"{get_column_letter(cell.column)}{cell.row}"},
                        )
                    )
                    values[name] = None
                    continue
                value = _cell_value(cell)
                if value is not None:
                    values[name] = value
            if number is not None and any(v is not None for v in values.values()):
                sheet.rows.append(SheetRow(number, values))
    finally:
        wb.close()
    return sheet


# -------------------------------------------------------------------------------- reference lookups


@dataclass
class Lookups:
    """Reference data by every key an import may use, loaded once per import (no query per row)."""

    ubigeos: dict
    ubigeo_full_names: dict  # code → "district, province, department"
    ubigeo_names: dict  # normalised full name → Ubigeo
    countries: dict
    country_names: dict
    terms: dict
    terms_by_htcds: dict
    stages: dict
    distritos: dict
    agencies: dict

    @classmethod
    def load(cls) -> "Lookups":

        ubigeos = {u.code: u for u in Ubigeo.objects.all()}
        full_names, ubigeo_names = {}, {}
        for u in ubigeos.values():
            parts, node = [u.name], u
            while node.parent_id:
                node = ubigeos[node.parent_id]
                parts.append(node.name)
            full_names[u.code] = ", ".join(parts)
            ubigeo_names[normalize(full_names[u.code])] = u
        countries = {c.code: c for c in Country.objects.all()}
        country_names = {}
        for c in countries.values():
            for key in (c.code, c.alpha3, c.name_es, c.name_en, citizenship_labels().get(c.code, "")):
                if key:
                    country_names.setdefault(normalize(key), c)
        terms, by_htcds = {}, {}
        for t in Term.objects.order_by("vocabulary", "sort_order", "code"):
            terms[(t.vocabulary, t.code)] = t
            if t.htcds_value and t.is_active:
                by_htcds.setdefault((t.vocabulary, normalize(t.htcds_value)), []).append(t)
        for candidates in by_htcds.values():
            # the general term (no parent) stands for a bare HTCDS value
            candidates.sort(key=lambda t: (t.parent_id is not None, t.sort_order, t.code))
        distritos = {}
        for d in DistritoFiscal.objects.all():
            distritos[d.code] = d
            distritos.setdefault(normalize(d.name), d)
        return cls(
            ubigeos=ubigeos,
            ubigeo_full_names=full_names,
            ubigeo_names=ubigeo_names,
            countries=countries,
            country_names=country_names,
            terms=terms,
            terms_by_htcds=by_htcds,
            stages={s.code: s for s in ProceduralStage.objects.all()},
            distritos=distritos,
            agencies={a.code: a for a in Agency.objects.all()},
        )

    def term_for_htcds(self, vocabulary: str, value: str):
        candidates = self.terms_by_htcds.get((vocabulary, normalize(value)))
        return candidates[0] if candidates else None
