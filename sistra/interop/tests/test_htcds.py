import datetime

import pytest
from openpyxl import Workbook, load_workbook

from sistra.interop import htcds

from .conftest import term


@pytest.mark.parametrize("text", ["=1+1", "+51 999", "-5", "@SUM(A1)", "\tx", "\rx"])
def test_text_a_spreadsheet_would_run_gets_an_apostrophe_and_loses_it_on_reading(text):
    assert htcds.guard(text) == "'" + text
    assert htcds.unguard(htcds.guard(text)) == text


@pytest.mark.parametrize("value", ["Quispe", "'apóstrofo", "", 15, None, datetime.date(2020, 1, 1)])
def test_other_values_are_left_alone(value):
    assert htcds.guard(value) == value
    assert htcds.unguard(value) == value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Quispe Mamani", ("Quispe", "Mamani")),
        ("Huamán", ("Huamán", "")),
        ("De la Cruz Huamán", ("De la Cruz", "Huamán")),
        ("Quispe del Castillo", ("Quispe", "del Castillo")),
        ("Vargas Llosa Urquidi", ("Vargas", "Llosa Urquidi")),
        ("", ("", "")),
    ],
)
def test_second_name_is_split_into_the_two_peruvian_surnames(text, expected):
    assert htcds.split_surnames(text) == expected


def test_picklist_values_are_found_by_value_or_label_in_any_case():
    assert htcds.picklist_value(htcds.EXPLOITATION_TYPE, "sexual EXPLOITATION") == "SexualExploitation"
    assert htcds.picklist_value(htcds.CONTROL, "DebtBondage") == "DebtBondage"
    assert htcds.picklist_value(htcds.GENDER, "Not Specified/Unknown") == "NonSpecifiedUnknown"
    assert htcds.picklist_value(htcds.CONTROL, "Slavery") is None


def test_the_citizenship_picklist_names_every_iso_country():
    labels = htcds.citizenship_labels()
    assert len(labels) == 249
    assert labels["PE"] == "Peru" and labels["BO"] == "Bolivia (Plurinational State of)"


@pytest.mark.django_db
def test_forms_of_exploitation_fill_the_three_htcds_columns():
    forms = [
        term("exploitation", "laboral_mineria"),
        term("exploitation", "explotacion_sexual"),
        term("exploitation", "venta_ninos"),
    ]

    assert htcds.exploitation_columns(forms) == {
        htcds.EXPLOITATION_TYPE: ["ForcedLabour", "SexualExploitation", "Other"],
        htcds.INDUSTRY: ["B_MiningAndQuarrying"],
        htcds.SEX_TYPE: [],
    }


def test_the_template_header_rows_are_read_from_the_template():
    columns = htcds.template_columns()
    assert columns[0].name == "cas_CaseOwner" and columns[0].label == "Case Owner" and columns[0].index == 2
    assert htcds.DECISION_ORG in htcds.htcds_column_names()
    assert len(htcds.htcds_column_names()) == 37  # AJ has a label but no API name in the template


def test_a_written_workbook_keeps_the_template_layout(tmp_path):
    path = tmp_path / "x.xlsx"
    htcds.write_workbook(path, [{htcds.FIRST_NAME: "Ana", htcds.BIRTHDATE: datetime.date(2001, 2, 3)}])

    ws = load_workbook(path).worksheets[0]
    assert ws.row_dimensions[1].hidden  # as in the template: API names hidden, labels shown
    assert ws["A3"].value == 1 and ws["D3"].value == "Ana"
    assert ws["G3"].number_format == htcds.DATE_FORMAT
    assert ws.max_row == 3


def test_reading_refuses_unknown_columns_and_reads_known_aliases(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["", "prs_First_Name", "Apodo", "sistra_Nada", "prs_MiddleName"])
    ws.append(["", "First Name", "x", "y", "Middle"])
    ws.append([1, "Ana", "la flaca", None, "Sofía"])
    path = tmp_path / "x.xlsx"
    wb.save(path)

    sheet = htcds.read_workbook(path)

    assert {(e.row, e.column) for e in sheet.errors} == {(1, "Apodo"), (1, "sistra_Nada")}
    assert sheet.columns == [htcds.FIRST_NAME, "prs_MiddleName"]
    assert sheet.rows[0].values == {htcds.FIRST_NAME: "Ana", "prs_MiddleName": "Sofía"}


def test_reading_skips_empty_rows_and_numbered_template_rows(tmp_path):
    wb = load_workbook(htcds.TEMPLATE_PATH)  # 1,000 numbered empty rows
    wb.worksheets[0]["D10"] = "Ana"
    path = tmp_path / "x.xlsx"
    wb.save(path)

    sheet = htcds.read_workbook(path)

    assert [(r.number, r.values) for r in sheet.rows] == [(10, {htcds.FIRST_NAME: "Ana"})]
