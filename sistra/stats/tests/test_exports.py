import io

from openpyxl import load_workbook

from sistra.stats.exports import (
    CTDC_COLUMNS,
    ctdc_age_broad,
    ctdc_record,
    safe_cell,
    to_csv,
    to_xlsx,
)


def test_cells_a_spreadsheet_would_run_as_formulas_get_an_apostrophe():
    for text in ('=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"):
        assert safe_cell(text) == "'" + text
    assert safe_cell("Madre de Dios") == "Madre de Dios"
    assert safe_cell(-5) == -5  # numbers are numbers


def test_csv_and_xlsx_carry_the_guard():
    header, rows = ["categoría", "=2023"], [["=cmd|' /C calc'!A0", 12], ["Lima", 30]]
    text = to_csv(header, rows).decode("utf-8-sig")
    assert "'=cmd" in text and "'=2023" in text
    sheet = load_workbook(io.BytesIO(to_xlsx(header, rows, title="Tabla: 1/2"))).active
    assert sheet["A2"].value == "'=cmd|' /C calc'!A0"
    assert sheet["B2"].value == 12
    assert sheet["B1"].value == "'=2023"
    assert sheet.title == "Tabla  1 2"


def test_ctdc_age_groups():
    assert ctdc_age_broad(None) == ""
    assert ctdc_age_broad(8) == "0--8"
    assert ctdc_age_broad(9) == "9--17"
    assert ctdc_age_broad(20) == "18--20"
    assert ctdc_age_broad(48) == "48+"


def test_a_ctdc_record_maps_sistra_values_to_ctdc_flags():
    meta = {
        "forms": ["sexual_exploitation", "forced_labour", "servitude"],
        "controls": ["debt_bondage", "withholds_documents", "physical_threats"],
    }
    fact = {
        "year": 2023,
        "sex": "female",
        "age": 16,
        "is_minor": True,
        "nationality": "VE",
        "form_mask": 0b011,
        "control_mask": 0b101,
        "relation": "partner",
        "exploitation_countries": "",
        "dept_mask": 1 << 17,
    }
    record = ctdc_record(fact, meta)
    assert set(record) == set(CTDC_COLUMNS)
    assert record["yearOfRegistration"] == "2023"
    assert record["gender"] == "Female"
    assert record["ageBroad"] == "9--17"
    assert record["majorityStatus"] == "Minor"
    assert record["citizenship"] == "VE"
    assert record["isSexualExploit"] == "1" and record["isForcedLabour"] == "1"
    assert record["isSexAndLabour"] == "1" and record["isSlaveryAndPractices"] == "0"
    assert record["meansOfControlDebtBondage"] == "1" and record["meansOfControlThreats"] == "1"
    assert record["meansOfControlWithholdsDocuments"] == "0"
    assert record["meansOfControlNotSpecified"] == "0"
    assert record["recruiterRelationIntimatePartner"] == "1"
    assert record["CountryOfExploitation"] == "PE"


def test_a_ctdc_record_without_information_leaves_flags_blank():
    fact = {
        "year": 2020,
        "sex": "unknown",
        "age": None,
        "is_minor": False,
        "nationality": "",
        "form_mask": 0,
        "control_mask": 0,
        "relation": "unknown",
        "exploitation_countries": "AR",
        "dept_mask": 0,
    }
    record = ctdc_record(fact, {"forms": [], "controls": []})
    assert record["gender"] == "" and record["ageBroad"] == "" and record["majorityStatus"] == ""
    assert record["isForcedLabour"] == ""
    assert record["meansOfControlNotSpecified"] == "1"
    assert record["recruiterRelationUnknown"] == "1"
    assert record["CountryOfExploitation"] == "AR"
