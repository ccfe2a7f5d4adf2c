import datetime
import stat

import pytest
import pyzipper
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import load_workbook

from sistra.audit.models import AccessLog
from sistra.cases.models import Case, CaseDefendant, CasePlace, CaseVictim
from sistra.cases.services import case_change_stage, defendant_add, defendant_update, place_add
from sistra.cases.testing import make_case
from sistra.core.exports import protected_zip
from sistra.core.testing import stage
from sistra.interop import htcds
from sistra.interop.services import htcds_export, htcds_import
from sistra.people.indexes import document_index
from sistra.people.models import IdentityDocument, Person
from sistra.people.testing import first_names_key, make_person, named

from .conftest import PURPOSE, delete_cases_and_persons, domain_content, read_cells, unpack

D = datetime.date


def export(actor, tmp_path, name="export.xlsx"):
    """Export as `actor` and return the workbook taken out of the protected archive."""
    archive = tmp_path / f"{name.removesuffix('.xlsx')}.zip"
    report = htcds_export(actor=actor, path=archive, purpose=PURPOSE)
    return unpack(archive, report.password, tmp_path / name)


def sheet_rows(path) -> list[dict]:
    """Data rows as {column name: value}."""
    cells = read_cells(path)
    names = cells[0]
    return [{n: v for n, v in zip(names, row, strict=True) if n} for row in cells[2:]]


def edit(path, changes: dict[tuple[int, str], object], out):
    """Copy of an exported file with some cells changed: {(excel row, column name): value}."""
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    index = {cell.value: cell.column for cell in ws[1] if cell.value}
    for (row, column), value in changes.items():
        ws.cell(row, index[column], value)
    wb.save(out)
    return out


# ---------------------------------------------------------------------------------------------- round trip


def test_round_trip_through_an_empty_database_keeps_every_cell_and_every_field(
    prosecutor, exchange_cases, tmp_path
):
    mine = [exchange_cases["active"], exchange_cases["archived"]]
    before = domain_content(mine)
    archive = tmp_path / "first.zip"
    password = htcds_export(actor=prosecutor, path=archive, purpose=PURPOSE).password
    first = unpack(archive, password, tmp_path / "first.xlsx")
    delete_cases_and_persons()

    report = htcds_import(actor=prosecutor, path=archive, password=password)

    assert report.errors == [] and report.committed
    assert report.created == {"cases": 2, "persons": 5, "victims": 6, "places": 6}
    assert domain_content() == before
    second = export(prosecutor, tmp_path, "second.xlsx")
    a, b = read_cells(first), read_cells(second)
    code_column = a[0].index(htcds.PERSON_CODE)
    assert len(a) == len(b) == 2 + 6
    for row_a, row_b in zip(a, b, strict=True):
        # the pseudonym is new in the new database (person_create draws it); every other cell is the same
        assert (
            row_a[:code_column] + row_a[code_column + 1 :] == row_b[:code_column] + row_b[code_column + 1 :]
        )


def test_export_follows_the_template_and_maps_the_htcds_values(prosecutor, exchange_cases, tmp_path):
    path = export(prosecutor, tmp_path)
    cells = read_cells(path)
    template = read_cells(htcds.TEMPLATE_PATH)
    width = len(template[0])
    assert cells[0][:width] == template[0] and cells[1][:width] == template[1]
    assert cells[0][width:] == [c.name for c in htcds.SISTRA_COLUMNS]
    rows = {(r[htcds.CASE_NUMBER], r[htcds.FIRST_NAME]): r for r in sheet_rows(path)}
    minor = rows[("2024-00101", "María Elena")]
    assert minor[htcds.SECOND_NAME] == "Quispe Mamani"
    assert minor[htcds.BIRTHDATE].date() == D(2008, 5, 4)
    assert minor[htcds.GENDER] == "Feminine" and minor[htcds.CITIZENSHIP] == "Peru"
    assert minor[htcds.EXPLOITATION_TYPE] == "SexualExploitation"
    assert minor[htcds.CONTROL] == "FalsePromises;WithholdsDocuments"
    assert minor[htcds.RECRUITMENT_METHOD] == "ThroughOnlineSocialNetworks"
    assert minor[htcds.RECRUITMENT_LOCATION] == "CUSCO, CUSCO, CUSCO, Peru;Bolivia (Plurinational State of)"
    assert (
        minor[htcds.STATUS] == "Active" and minor[htcds.TRAFFICKING_STATUS] == "PossibleVictimOfTrafficking"
    )
    assert minor[htcds.CASE_OWNER] == "FISTRAP Cusco"
    assert minor[htcds.DOCUMENT_TYPE] == "dni" and minor[htcds.DOCUMENT_NUMBER] == "45712389"
    assert minor[htcds.AGE_AT_EXPLOITATION] == 15
    foreign = rows[("2024-00101", "Yesenia")]
    assert foreign[htcds.CITIZENSHIP] == "Venezuela (Bolivarian Republic of)"
    assert foreign[htcds.EXPLOITATION_TYPE] == "ForcedLabour;SexualExploitation"
    assert foreign[htcds.INDUSTRY] == "B_MiningAndQuarrying"
    assert foreign[htcds.DOCUMENT_TYPE] == "ce;passport" and foreign[htcds.DOCUMENT_COUNTRY] == "PE;VE"
    assert rows[("2023-00042", "Alexa")][htcds.GENDER] is None  # transgender: kept in sistra_Sex only
    assert rows[("2023-00042", "Alexa")][htcds.SEX] == "transgender"
    archived = rows[("2023-00042", "José Luis")]
    assert archived[htcds.STATUS] == "Closed" and archived[htcds.STAGE] == "archivo"
    assert archived[htcds.EXPLOITATION_LOCATION] == "Argentina"
    assert archived[htcds.EXPLOITATION_TYPE] == "ForcedLabour;Servitude;ForcedBegging"
    assert archived[htcds.INDUSTRY] == "A_AgricultureForestryAndFishing"


def test_a_victim_of_a_case_with_a_conviction_is_exported_as_an_actual_victim(
    prosecutor, exchange_cases, tmp_path
):
    case = exchange_cases["active"]
    suspect = make_person(actor=prosecutor, first_names="Pedro", last_name_paternal="Tratante")
    defendant = defendant_add(actor=prosecutor, case=case, person=suspect)
    defendant_update(
        actor=prosecutor,
        defendant=defendant,
        outcome=CaseDefendant.Outcome.CONVICTED,
        outcome_date=D(2025, 1, 10),
        sentence_years=15,
    )

    rows = [r for r in sheet_rows(export(prosecutor, tmp_path)) if r[htcds.CASE_NUMBER] == case.number]

    assert {r[htcds.TRAFFICKING_STATUS] for r in rows} == {"ActualVictimOfTrafficking"}
    assert {r[htcds.DECISION_ORG] for r in rows} == {"CourtOrProsecution"}


# ------------------------------------------------------------------------------------------- who exports


def test_the_export_contains_only_the_cases_the_user_may_see(prosecutor, exchange_cases, tmp_path):
    rows = sheet_rows(export(prosecutor, tmp_path))

    assert {r[htcds.CASE_NUMBER] for r in rows} == {"2024-00101", "2023-00042"}
    assert "Rosa" not in {r[htcds.FIRST_NAME] for r in rows}


def test_the_other_fiscalia_exports_only_its_own_case(outsider, exchange_cases, tmp_path):
    rows = sheet_rows(export(outsider, tmp_path))

    assert [(r[htcds.CASE_NUMBER], r[htcds.FIRST_NAME]) for r in rows] == [("2024-00999", "Rosa")]


def test_a_shared_case_is_exported_to_the_agency_it_is_shared_with(
    prosecutor, outsider, exchange_cases, tmp_path
):
    from sistra.cases.services import case_share

    case_share(
        actor=prosecutor,
        case=exchange_cases["archived"],
        agency=outsider.agency,
        reason="Coordinación",
        level="write",
    )

    rows = sheet_rows(export(outsider, tmp_path))

    assert {r[htcds.CASE_NUMBER] for r in rows} == {"2024-00999", "2023-00042"}


def test_an_analyst_may_not_export_identities(analyst, exchange_cases, tmp_path):
    with pytest.raises(PermissionDenied):
        htcds_export(actor=analyst, path=tmp_path / "x.zip", purpose=PURPOSE)
    assert not (tmp_path / "x.zip").exists()
    assert not AccessLog.objects.exists()


def test_a_police_officer_may_not_export(police_officer, exchange_cases, tmp_path):
    with pytest.raises(PermissionDenied):
        htcds_export(actor=police_officer, path=tmp_path / "x.zip", purpose=PURPOSE)


@pytest.mark.parametrize("purpose", ["", "   ", "xx", None])
def test_an_export_without_a_stated_purpose_is_refused_and_leaves_nothing(
    prosecutor, exchange_cases, tmp_path, purpose
):
    with pytest.raises(ValidationError, match="Indique la finalidad de la exportación"):
        htcds_export(actor=prosecutor, path=tmp_path / "x.zip", purpose=purpose)
    assert not list(tmp_path.iterdir())
    assert not AccessLog.objects.exists()


def test_the_export_is_recorded_in_the_access_log_per_victim(prosecutor, exchange_cases, tmp_path):
    export(prosecutor, tmp_path)

    logs = AccessLog.objects.filter(
        actor=prosecutor, purpose=AccessLog.Purpose.EXPORT, person_uuid__isnull=False
    )
    assert logs.count() == 6
    assert {log.object_uuid for log in logs} == {
        exchange_cases["active"].uuid,
        exchange_cases["archived"].uuid,
    }
    assert logs.filter(person_uuid=exchange_cases["minor"].uuid).count() == 2
    assert all("documents" in log.fields for log in logs)
    assert all(PURPOSE in log.detail for log in logs)


def test_the_export_itself_is_logged_once_with_its_purpose_and_never_its_password(
    prosecutor, exchange_cases, tmp_path
):
    report = htcds_export(actor=prosecutor, path=tmp_path / "casos.zip", purpose=f"  {PURPOSE}  ")

    export_row = AccessLog.objects.get(purpose=AccessLog.Purpose.EXPORT, person_uuid__isnull=True)
    assert export_row.actor == prosecutor and export_row.model == "cases.casevictim"
    assert export_row.detail.startswith(f"{PURPOSE} — 6 registros.")
    assert not any(report.password in log.detail for log in AccessLog.objects.all())
    assert report.password not in repr(report)


def test_the_export_is_an_encrypted_zip_readable_only_by_its_owner(prosecutor, exchange_cases, tmp_path):
    archive = tmp_path / "casos.zip"
    report = htcds_export(actor=prosecutor, path=archive, purpose=PURPOSE)

    assert len(report.password) >= 16
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    with pyzipper.AESZipFile(archive) as zf:
        assert zf.namelist() == ["casos.xlsx"]
        assert zf.infolist()[0].flag_bits & 0x1  # encrypted
        with pytest.raises(RuntimeError):
            zf.read("casos.xlsx")
        with pytest.raises(RuntimeError):
            zf.read("casos.xlsx", pwd=b"otra-contrasena")
    assert b"Quispe" not in archive.read_bytes()
    assert list(tmp_path.iterdir()) == [archive]  # no plain workbook left behind


def test_the_import_of_an_archive_asks_for_its_password(prosecutor, exchange_cases, tmp_path):
    archive = tmp_path / "casos.zip"
    password = htcds_export(actor=prosecutor, path=archive, purpose=PURPOSE).password
    delete_cases_and_persons()

    missing = htcds_import(actor=prosecutor, path=archive)
    wrong = htcds_import(actor=prosecutor, path=archive, password="no-es-esta")

    assert missing.refused and "protegido con contraseña" in missing.errors[0].message
    assert wrong.refused and "contraseña del archivo ZIP no es correcta" in wrong.errors[0].message
    assert not Case.objects.exists()
    assert htcds_import(actor=prosecutor, path=archive, password=password).committed
    assert CaseVictim.objects.count() == 6


def test_an_archive_that_does_not_hold_one_workbook_is_refused(prosecutor, tmp_path):
    archive = tmp_path / "otro.zip"
    archive.write_bytes(protected_zip({"a.csv": b"x", "b.csv": b"y"}, "clave-de-prueba"))

    report = htcds_import(actor=prosecutor, path=archive, password="clave-de-prueba")

    assert report.refused
    assert report.errors[0].message == "El archivo ZIP debe contener un solo libro de Excel (.xlsx)."


# ------------------------------------------------------------------------------------------ formula guard


def test_text_that_would_run_as_a_formula_is_exported_with_an_apostrophe_and_imported_without(
    prosecutor, tmp_path
):
    case = make_case(
        actor=prosecutor,
        number="2024-00500",
        title='=HYPERLINK("http://x.example","ver")',
        complaint_date=D(2024, 2, 2),
    )
    place_add(
        actor=prosecutor,
        case=case,
        kind="exploitation",
        ubigeo=htcds_ubigeo("170101"),
        description="+51 987 654 321",
    )
    place_add(
        actor=prosecutor, case=case, kind="transit", ubigeo=htcds_ubigeo("081201"), description="-km 108"
    )
    person = make_person(
        actor=prosecutor,
        first_names="@Ana",
        last_name_paternal="-Soto",
        last_name_maternal="",
        aliases=["=cmd|' /C calc'!A0"],
    )
    from sistra.cases.services import victim_add

    victim_add(actor=prosecutor, case=case, person=person)
    before = domain_content()
    path = export(prosecutor, tmp_path)

    ws = load_workbook(path).worksheets[0]
    values = [c.value for row in ws.iter_rows(min_row=3) for c in row if isinstance(c.value, str)]
    assert '\'=HYPERLINK("http://x.example","ver")' in values
    for text in ("'+51 987 654 321", "'-km 108", "'@Ana", "'-Soto", "'=cmd|' /C calc'!A0"):
        assert text in values
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)

    delete_cases_and_persons()
    report = htcds_import(actor=prosecutor, path=path)
    assert report.committed, report.errors
    assert domain_content() == before


def htcds_ubigeo(code):
    from sistra.core.testing import ubigeo

    return ubigeo(code)


# ------------------------------------------------------------------------------------ errors and refusals


def test_an_import_with_errors_reports_every_bad_row_and_column_and_imports_nothing(
    prosecutor, exchange_cases, tmp_path
):
    path = export(prosecutor, tmp_path)
    delete_cases_and_persons()
    future = datetime.date.today() + datetime.timedelta(days=400)
    bad = edit(
        path,
        {
            (3, htcds.PLACE_CODES["exploitation"]): "999999",  # unknown ubigeo
            (4, htcds.BIRTHDATE): future,  # future date
            (5, htcds.DOCUMENT_NUMBER): "1234",  # invalid DNI
            (6, htcds.COMPLAINT_DATE): "32/13/2024",  # not a date
            (6, htcds.CITIZENSHIP): "Narnia",  # unknown country
            (7, htcds.CONTROL_METHODS): "",  # consistent with the picklist column below
            (7, htcds.CONTROL): "Threats",  # not in the HTCDS picklist
            (
                8,
                htcds.EXPLOITATION_TYPE,
            ): "Slavery",  # not in the picklist (nor, then, like sistra_ExploitationForms)
        },
        tmp_path / "bad.xlsx",
    )

    report = htcds_import(actor=prosecutor, path=bad)

    assert not report.committed and report.refused
    assert {(e.row, e.column) for e in report.errors} == {
        (3, htcds.PLACE_CODES["exploitation"]),
        (4, htcds.BIRTHDATE),
        (5, htcds.DOCUMENT_NUMBER),
        (6, htcds.COMPLAINT_DATE),
        (6, htcds.CITIZENSHIP),
        (7, htcds.CONTROL),
        (8, htcds.EXPLOITATION_TYPE),
    }
    assert len(report.errors) == 7  # one message per bad cell
    messages = {(e.row, e.column): e.message for e in report.errors}
    assert "no puede ser una fecha futura" in messages[(4, htcds.BIRTHDATE)]
    assert "DNI «1234» no es válido" in messages[(5, htcds.DOCUMENT_NUMBER)]
    assert "Ubigeo no reconocido" in messages[(3, htcds.PLACE_CODES["exploitation"])]
    assert report.invalid_rows == [3, 4, 5, 6, 7, 8]
    assert not Case.objects.exists() and not Person.objects.exists()


def test_skip_invalid_imports_the_good_rows_and_reports_the_others(prosecutor, exchange_cases, tmp_path):
    path = export(prosecutor, tmp_path)
    rows = sheet_rows(path)
    delete_cases_and_persons()
    bad_row = next(i for i, r in enumerate(rows, start=3) if r[htcds.FIRST_NAME] == "Yesenia")
    bad = edit(path, {(bad_row, htcds.BIRTHDATE): "mañana"}, tmp_path / "bad.xlsx")

    report = htcds_import(actor=prosecutor, path=bad, skip_invalid=True)

    assert report.committed and report.invalid_rows == [bad_row]
    assert len(report.imported_rows) == 5
    assert CaseVictim.objects.count() == 5
    assert not Person.objects.filter(named("Yesenia")).exists()


def test_a_row_the_services_refuse_is_reported_on_its_column(prosecutor, exchange_cases, tmp_path):
    path = export(prosecutor, tmp_path)
    rows = sheet_rows(path)
    delete_cases_and_persons()
    row = next(i for i, r in enumerate(rows, start=3) if r[htcds.FIRST_NAME] == "José Luis")
    # a birth date that passes the format checks but not the person rules (older than 120 years)
    bad = edit(path, {(row, htcds.BIRTHDATE): D(1890, 1, 1)}, tmp_path / "bad.xlsx")

    report = htcds_import(actor=prosecutor, path=bad)

    assert [(e.row, e.column) for e in report.errors] == [(row, htcds.BIRTHDATE)]
    assert not Case.objects.exists()


def test_rows_of_the_same_case_must_agree_on_the_case(prosecutor, exchange_cases, tmp_path):
    path = export(prosecutor, tmp_path)
    delete_cases_and_persons()
    bad = edit(path, {(4, htcds.COMPLAINT_DATE): D(2024, 3, 11)}, tmp_path / "bad.xlsx")

    report = htcds_import(actor=prosecutor, path=bad)

    assert [(e.row, e.column) for e in report.errors] == [(4, htcds.COMPLAINT_DATE)]
    assert "No coincide con la fila 3" in report.errors[0].message


def test_an_htcds_column_that_contradicts_its_sistra_column_is_reported(prosecutor, exchange_cases, tmp_path):
    path = export(prosecutor, tmp_path)
    delete_cases_and_persons()
    bad = edit(
        path,
        {
            (4, htcds.GENDER): "Masculine",
            (4, htcds.SECOND_NAME): "Otro Apellido",
            (8, htcds.EXPLOITATION_TYPE): "ForcedLabour",
        },
        tmp_path / "bad.xlsx",
    )

    report = htcds_import(actor=prosecutor, path=bad)

    assert {(e.row, e.column) for e in report.errors} == {
        (4, htcds.GENDER),
        (4, htcds.SECOND_NAME),
        (8, htcds.EXPLOITATION_TYPE),
    }
    assert "No coincide con la columna sistra_Sex" in report.errors[0].message


def test_a_case_owned_by_another_agency_is_not_taken_over(prosecutor, outsider, exchange_cases, tmp_path):
    path = export(outsider, tmp_path)

    report = htcds_import(actor=prosecutor, path=path)

    assert [(e.row, e.column) for e in report.errors] == [(3, htcds.OWNER_AGENCY)]
    assert Case.objects.filter(number="2024-00999").count() == 1


def test_a_formula_cell_is_refused(prosecutor, exchange_cases, tmp_path):
    path = export(prosecutor, tmp_path)
    delete_cases_and_persons()
    bad = edit(path, {(3, htcds.CASE_TITLE): "=1+1", (4, htcds.FIRST_NAME): "=HOLA()"}, tmp_path / "bad.xlsx")

    report = htcds_import(actor=prosecutor, path=bad)

    # one message per cell: not also "Indique los nombres" for the name whose formula was not read
    assert [(e.row, e.column) for e in report.errors] == [(3, htcds.CASE_TITLE), (4, htcds.FIRST_NAME)]
    assert all("fórmula" in e.message for e in report.errors)
    assert not Case.objects.exists()


def test_a_file_that_is_not_an_htcds_workbook_is_refused(prosecutor, tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_text("nombre,apellido\n")

    report = htcds_import(actor=prosecutor, path=path)

    assert report.refused and report.errors[0].row == 0


def test_only_users_who_may_import_can_import(police_officer, prosecutor, exchange_cases, tmp_path):
    path = export(prosecutor, tmp_path)
    with pytest.raises(PermissionDenied):
        htcds_import(actor=police_officer, path=path)


# ------------------------------------------------------------------------------------------- no duplicates


def test_importing_the_same_file_twice_creates_nothing_the_second_time(prosecutor, exchange_cases, tmp_path):
    path = export(prosecutor, tmp_path)
    delete_cases_and_persons()
    htcds_import(actor=prosecutor, path=path)
    counts = (
        Case.objects.count(),
        Person.objects.count(),
        CaseVictim.objects.count(),
        CasePlace.objects.count(),
    )

    again = htcds_import(actor=prosecutor, path=path)

    assert again.committed and again.errors == []
    assert sum(again.created.values()) == 0
    assert again.unchanged == {"cases": 2, "persons": 5, "victims": 6, "places": 6}
    assert (
        Case.objects.count(),
        Person.objects.count(),
        CaseVictim.objects.count(),
        CasePlace.objects.count(),
    ) == counts


def test_importing_an_export_into_the_same_database_changes_nothing(prosecutor, exchange_cases, tmp_path):
    before = domain_content()
    path = export(prosecutor, tmp_path)

    report = htcds_import(actor=prosecutor, path=path)

    assert report.committed and sum(report.created.values()) == 0
    assert domain_content() == before


def test_an_existing_person_is_found_by_document_and_added_as_victim_once(
    prosecutor, exchange_cases, tmp_path
):
    path = export(prosecutor, tmp_path)
    minor = exchange_cases["minor"]
    CaseVictim.objects.filter(person=minor, case=exchange_cases["archived"]).delete()

    report = htcds_import(actor=prosecutor, path=path)

    assert report.created == {"victims": 1}
    assert CaseVictim.objects.filter(person=minor).count() == 2
    assert Person.objects.filter(documents__number_index=document_index("dni", "45712389")).count() == 1


# ---------------------------------------------------------------------------------- plain HTCDS workbooks


def plain_htcds_file(path, rows: list[dict]):
    """A workbook as another HTCDS system would write it: the template plus only the columns it knows."""
    htcds.write_workbook(path, rows)
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    used = {name for row in rows for name in row}
    for cell in list(ws[1]):
        if cell.value and cell.value.startswith("sistra_") and cell.value not in used:
            ws.cell(1, cell.column, None)
            ws.cell(2, cell.column, None)
    wb.save(path)
    return path


def test_a_plain_htcds_file_is_mapped_to_sistra(prosecutor, tmp_path):
    path = plain_htcds_file(
        tmp_path / "ngo.xlsx",
        [
            {
                htcds.CASE_NUMBER: "2025-00007",
                htcds.COMPLAINT_DATE: D(2025, 4, 1),
                htcds.FIRST_NAME: "Lucía",
                htcds.SECOND_NAME: "De la Cruz Huamán",
                htcds.BIRTHDATE: D(2005, 1, 20),
                htcds.GENDER: "Feminine",
                htcds.CITIZENSHIP: "Bolivia (Plurinational State of)",
                htcds.EXPLOITATION_TYPE: "Sexual exploitation",
                htcds.SEX_TYPE: "Prostitution",
                htcds.CONTROL: "Debt bondage;PsychologicalAbuse",
                htcds.RECRUITMENT_METHOD: "AtWork",
                htcds.RECRUITMENT_LOCATION: "Bolivia",
                htcds.EXPLOITATION_LOCATION: "Tambopata, Tambopata, Madre de Dios",
                htcds.STATUS: "Closed",
                htcds.TRAFFICKING_STATUS: "Possible victim of trafficking",
            },
            {
                htcds.CASE_NUMBER: "2025-00007",
                htcds.COMPLAINT_DATE: D(2025, 4, 1),
                htcds.FIRST_NAME: "Rubén",
                htcds.SECOND_NAME: "Mamani",
                htcds.GENDER: "TransgenderMasculine",
                htcds.INDUSTRY: "B_MiningAndQuarrying",
                htcds.RECRUITMENT_LOCATION: "080101",
                htcds.EXPLOITATION_LOCATION: "Tambopata, Tambopata, Madre de Dios",
                htcds.STATUS: "Closed",
            },
        ],
    )

    report = htcds_import(actor=prosecutor, path=path)

    assert report.committed, report.errors
    case = Case.objects.get(number="2025-00007")
    assert case.fiscalia == prosecutor.agency and case.source == Case.Source.REFERRAL
    assert case.current_stage_id == "archivo" and case.status == Case.Status.ARCHIVED
    assert sorted((p.kind, p.ubigeo_id or p.country_id) for p in case.places.all()) == [
        ("exploitation", "170101"),
        ("recruitment", "080101"),
        ("recruitment", "BO"),
    ]
    lucia = case.victims.get(person__first_names_key=first_names_key("Lucía"))
    assert (lucia.person.last_name_paternal, lucia.person.last_name_maternal) == ("De la Cruz", "Huamán")
    assert lucia.person.sex == "female" and lucia.person.nationality_id == "BO"
    assert [t.code for t in lucia.exploitation_forms.all()] == ["sexual_exploitation"]
    assert sorted(t.code for t in lucia.control_methods.all()) == ["debt_bondage", "psychological_abuse"]
    assert lucia.recruitment_method.code == "at_work"
    ruben = case.victims.get(person__first_names_key=first_names_key("Rubén"))
    assert ruben.person.sex == "transgender"
    assert [t.code for t in ruben.exploitation_forms.all()] == ["laboral_mineria"]
    assert any("Prostitution" in w for w in report.warnings)


def test_a_not_a_victim_row_is_refused(prosecutor, tmp_path):
    path = plain_htcds_file(
        tmp_path / "x.xlsx",
        [
            {
                htcds.CASE_NUMBER: "2025-00008",
                htcds.COMPLAINT_DATE: D(2025, 4, 1),
                htcds.FIRST_NAME: "Ana",
                htcds.TRAFFICKING_STATUS: "NotAVictimOfTrafficking",
                htcds.EXPLOITATION_TYPE: "Slavery",
            },
        ],
    )

    report = htcds_import(actor=prosecutor, path=path)

    assert {(e.row, e.column) for e in report.errors} == {
        (3, htcds.TRAFFICKING_STATUS),
        (3, htcds.EXPLOITATION_TYPE),
    }


def test_columns_sistra_does_not_store_are_announced(prosecutor, tmp_path):
    path = plain_htcds_file(
        tmp_path / "x.xlsx",
        [
            {
                htcds.CASE_NUMBER: "2025-00009",
                htcds.COMPLAINT_DATE: D(2025, 4, 1),
                htcds.FIRST_NAME: "Ana",
                "prs_Email": "ana@example.org",
            },
        ],
    )

    report = htcds_import(actor=prosecutor, path=path)

    assert report.committed
    assert any("prs_Email" in w for w in report.warnings)
    assert not IdentityDocument.objects.exists()


def test_an_archived_case_keeps_its_stage_and_date(prosecutor, tmp_path):
    case = make_case(actor=prosecutor, number="2022-00001", complaint_date=D(2022, 1, 5))
    case_change_stage(
        actor=prosecutor, case=case, stage=stage("archivo"), date=D(2022, 3, 1), reason="Sin indicios"
    )
    from sistra.cases.services import victim_add

    victim_add(actor=prosecutor, case=case, person=make_person(actor=prosecutor))
    path = export(prosecutor, tmp_path)
    delete_cases_and_persons()

    htcds_import(actor=prosecutor, path=path)

    case = Case.objects.get(number="2022-00001")
    assert (case.current_stage_id, case.stage_started_on, case.status) == (
        "archivo",
        D(2022, 3, 1),
        "archived",
    )


def test_the_fiscalia_of_a_case_must_be_a_fiscalia(prosecutor, police_unit, tmp_path):
    path = plain_htcds_file(
        tmp_path / "x.xlsx",
        [
            {
                htcds.CASE_NUMBER: "2025-00010",
                htcds.FISCALIA: "pnp-dirintrap",
                htcds.COMPLAINT_DATE: D(2025, 4, 1),
                htcds.FIRST_NAME: "Ana",
            }
        ],
    )

    report = htcds_import(actor=prosecutor, path=path)

    assert [(e.row, e.column) for e in report.errors] == [(3, htcds.FISCALIA)]


def test_a_dni_a_spreadsheet_turned_into_a_number_gets_its_zeros_back(prosecutor, tmp_path):
    path = plain_htcds_file(
        tmp_path / "x.xlsx",
        [
            {
                htcds.CASE_NUMBER: "2025-00011",
                htcds.COMPLAINT_DATE: D(2025, 4, 1),
                htcds.FIRST_NAME: "Ana",
                htcds.DOCUMENT_TYPE: "dni",
                htcds.DOCUMENT_NUMBER: 9876543,
            }
        ],
    )

    report = htcds_import(actor=prosecutor, path=path)

    assert report.committed, report.errors
    assert IdentityDocument.objects.get().number == "09876543"
