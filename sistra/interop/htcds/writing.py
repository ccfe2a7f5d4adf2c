"""The HTCDS template itself: its columns as read from the official workbook, and the writer of a
workbook in that layout."""

import datetime
import os
import tempfile
from copy import copy
from dataclasses import dataclass
from functools import cache

from openpyxl import load_workbook

from .columns import DATE_FORMAT, FIRST_DATA_ROW, LABEL_ROW, NAME_ROW, SISTRA_COLUMNS, TEMPLATE_PATH, guard

# --------------------------------------------------------------------------------------- the template


@dataclass(frozen=True)
class TemplateColumn:
    index: int  # 1-based
    name: str  # API name in row 1 ("" where the template has none)
    label: str


@cache
def template_columns() -> tuple[TemplateColumn, ...]:

    wb = load_workbook(TEMPLATE_PATH, read_only=True)
    ws = wb.worksheets[0]
    names, labels = (list(r) for r in ws.iter_rows(min_row=NAME_ROW, max_row=LABEL_ROW, values_only=True))
    wb.close()
    return tuple(
        TemplateColumn(i + 1, (names[i] or "").strip(), (labels[i] or "").strip())
        for i in range(len(names))
        if names[i] or labels[i]
    )


def htcds_column_names() -> list[str]:
    return [c.name for c in template_columns() if c.name]


def write_workbook(path, rows: list[dict]) -> None:
    """The template's sheet with its two header rows, the `sistra_` columns after the HTCDS ones, and one
    row per dict (keys: column names). Written to a temporary file first, so a failure leaves no half file."""

    wb = load_workbook(TEMPLATE_PATH)
    ws = wb.worksheets[0]
    if ws.max_row >= FIRST_DATA_ROW:
        ws.delete_rows(FIRST_DATA_ROW, ws.max_row - FIRST_DATA_ROW + 1)
    columns = {c.name: c.index for c in template_columns() if c.name}
    last = max(c.index for c in template_columns())
    name_style = ws.cell(NAME_ROW, last)
    label_style = ws.cell(LABEL_ROW, last)
    for offset, extra in enumerate(SISTRA_COLUMNS, start=1):
        index = last + offset
        columns[extra.name] = index
        for row, style_from, value in (
            (NAME_ROW, name_style, extra.name),
            (LABEL_ROW, label_style, str(extra.label)),
        ):
            cell = ws.cell(row, index, value)
            cell.font, cell.alignment = copy(style_from.font), copy(style_from.alignment)
    for number, data in enumerate(rows, start=1):
        excel_row = FIRST_DATA_ROW + number - 1
        ws.cell(excel_row, 1, number)  # the template numbers its data rows in column A
        for name, value in data.items():
            if value is None or value == "":
                continue
            cell = ws.cell(excel_row, columns[name], guard(value))
            if isinstance(value, datetime.date):
                cell.number_format = DATE_FORMAT
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(suffix=".xlsx", dir=directory)
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
