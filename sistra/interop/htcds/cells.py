"""Cell readers of the criminal-case layout (RowParser's base): a typed value per column, every problem recorded
on its row and column with a Spanish message."""

import datetime

from django.utils.translation import gettext as _

from sistra.core.text import normalize
from sistra.core.validation import check_not_future

from .columns import (
    SEPARATOR,
    picklist_value,
)
from .parsing import CellError, Lookups, SheetRow


class CellParser:
    """Reads the cells of one sheet row, recording every problem on its row and column (Spanish messages)."""

    def __init__(
        self, row: SheetRow, lookups: Lookups, *, default_agency, reported: frozenset[str] = frozenset()
    ):
        self.row = row
        self.values = row.values
        self.lk = lookups
        self.default_agency = default_agency
        self.errors: list[CellError] = []
        self.warnings: list[str] = []
        # columns already reported (by the reader, e.g. a formula): one message per cause is enough
        self.reported = reported
        self.bad_columns: set[str] = set(reported)

    # -- cell helpers

    def error(self, column: str, message: str) -> None:
        if column not in self.reported:
            self.errors.append(CellError(self.row.number, column, message))
        self.bad_columns.add(column)

    def has(self, column: str) -> bool:
        return self.values.get(column) is not None

    def text(self, column: str) -> str:
        value = self.values.get(column)
        if value is None:
            return ""
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, datetime.date):
            return value.isoformat()
        return str(value).strip()

    def items(self, column: str, *, keep_empty: bool = False) -> list[str]:
        parts = [p.strip() for p in self.text(column).split(SEPARATOR)]
        return parts if keep_empty else [p for p in parts if p]

    def date(self, column: str, label: str) -> datetime.date | None:
        value = self.values.get(column)
        if value is None:
            return None
        day = None
        if isinstance(value, datetime.datetime):
            day = value.date()
        elif isinstance(value, datetime.date):
            day = value
        elif isinstance(value, str):
            for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
                try:
                    day = datetime.datetime.strptime(value.strip(), fmt).date()
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
        check_not_future(errors, column, day, label)
        for message in errors.get(column, []):
            self.error(column, message)
        return day

    def integer(self, column: str, *, low: int, high: int) -> int | None:
        value = self.values.get(column)
        if value is None:
            return None
        try:
            number = int(str(value).strip()) if not isinstance(value, (int, float)) else value
            if isinstance(number, float):
                if not number.is_integer():
                    raise ValueError
                number = int(number)
        except (TypeError, ValueError):
            self.error(column, _("Número entero no válido: «%(value)s».") % {"value": value})
            return None
        if not low <= number <= high:
            self.error(
                column,
                _("El valor %(value)s debe estar entre %(low)s y %(high)s.")
                % {"value": number, "low": low, "high": high},
            )
            return None
        return number

    def boolean(self, column: str) -> bool:
        value = self.values.get(column)
        if value is None:
            return False
        if isinstance(value, bool):
            return value
        text = normalize(str(value))
        if text in {"true", "1", "si", "yes", "verdadero", "x"}:
            return True
        if text in {"false", "0", "no", "falso"}:
            return False
        self.error(column, _("Valor no válido: «%(value)s». Use TRUE o FALSE.") % {"value": value})
        return False

    def country(self, column: str, text: str | None = None):
        text = self.text(column) if text is None else text
        if not text:
            return None
        country = self.lk.country_names.get(normalize(text))
        if country is None:
            self.error(
                column,
                _(
                    "País no reconocido: «%(value)s». Use el nombre del país en la lista HTCDS o su "
                    "código ISO de 2 letras."
                )
                % {"value": text},
            )
        return country

    def ubigeo(self, column: str, text: str | None = None):
        text = self.text(column) if text is None else text
        if not text:
            return None
        code = text.zfill(6) if text.isdigit() else text
        ubigeo = self.lk.ubigeos.get(code)
        if ubigeo is None:
            self.error(
                column,
                _("Ubigeo no reconocido: «%(value)s». Use el código INEI de 6 dígitos.") % {"value": text},
            )
        return ubigeo

    def picklist(self, column: str, *, multiple: bool) -> list[str]:
        values = []
        for item in self.items(column):
            value = picklist_value(column, item)
            if value is None:
                self.error(
                    column,
                    _("Valor no admitido por la lista HTCDS de %(column)s: «%(value)s».")
                    % {"column": column, "value": item},
                )
                continue
            values.append(value)
        if not multiple and len(values) > 1:
            self.error(column, _("Indique un solo valor."))
            return values[:1]
        return values

    def term_codes(self, column: str, vocabulary: str) -> list:
        terms = []
        for code in self.items(column):
            term = self.lk.terms.get((vocabulary, code))
            if term is None:
                self.error(column, _("Código no reconocido en SISTRA: «%(value)s».") % {"value": code})
                continue
            if term not in terms:
                terms.append(term)
        return terms

    def mismatch(self, column: str, other: str) -> None:
        if column in self.bad_columns or other in self.bad_columns:
            return  # its own error already says what is wrong
        self.error(
            column,
            _(
                "No coincide con la columna %(other)s de la misma fila; corrija una de las dos "
                "(o vacíe la columna %(other)s)."
            )
            % {"other": other},
        )
