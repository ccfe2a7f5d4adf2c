"""HTCDS as IOM and its partners send it (issue 14): the official template imports as assistance cases,
nothing is lost or rewritten, bad input is refused by row and column, the export streams."""

import csv
import datetime
import io

import pytest
import pyzipper
import time_machine
from django.core.exceptions import PermissionDenied

from sistra.accounts.capabilities import Role
from sistra.accounts.models import Agency
from sistra.assistance.models import AssistanceCase
from sistra.audit.models import AccessLog
from sistra.core.testing import AgencyFactory, UserFactory
from sistra.interop.exchange import htcds_assistance_export, htcds_assistance_import, htcds_validate
from sistra.interop.htcds import picklists
from sistra.interop.htcds.record import TEMPLATE_ORDER
from sistra.interop.models import HtcdsRecord

from .htcds_files import official_rows, read_columns, write_official

TODAY = datetime.datetime(2026, 6, 15, 12, tzinfo=datetime.UTC)
PASSWORD = "clave-de-prueba-123"


@pytest.fixture(autouse=True)
def fixed_day():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def iom(db):
    return AgencyFactory(code="oim-peru", name="OIM Perú", kind=Agency.Kind.INTERNATIONAL)


@pytest.fixture
def iom_worker(iom):
    return UserFactory(username="oim", agency=iom, role=Role.CASEWORKER)


@pytest.fixture
def mimp_worker(db):
    mimp = AgencyFactory(code="mimp", name="MIMP", kind=Agency.Kind.MIMP)
    return UserFactory(username="mimp", agency=mimp, role=Role.CASEWORKER)


def _export(actor, tmp_path, name):
    archive = tmp_path / f"{name}.zip"
    htcds_assistance_export(actor=actor, path=archive, purpose="Prueba de ida y vuelta", password=PASSWORD)
    with pyzipper.AESZipFile(archive) as zf:
        zf.setpassword(PASSWORD.encode())
        data = zf.read(zf.namelist()[0])
    return archive, io.BytesIO(data)


def test_a_file_from_the_official_template_imports_every_victim_as_an_assistance_case(iom_worker, tmp_path):
    path = write_official(tmp_path / "oim.xlsx", official_rows(200))
    report = htcds_assistance_import(actor=iom_worker, path=path)
    assert report.errors == []
    assert report.committed
    assert report.created["victims"] == 200
    assert AssistanceCase.objects.filter(owner_agency=iom_worker.agency).count() == 200
    assert HtcdsRecord.objects.count() == 200


def test_the_200_rows_use_every_picklist_value(tmp_path):
    rows = official_rows(200)
    used = {column: set() for column in TEMPLATE_ORDER}
    for row in rows:
        for column, value in row.items():
            for item in str(value or "").split(";"):
                used[column].add(item)
    by_picklist = {"vic_TraffickinStatusDecisionMakingOrg": "vic_TraffickingStatusDecisionMakingOrg"}
    for column in TEMPLATE_ORDER:
        name = by_picklist.get(column, column)
        if name in picklists() and name not in ("prs_Citizenship", "con_Consent"):
            assert {v for v, _l in picklists()[name]} <= used[column], column
    assert {"Yes", "No", "TRUE", "FALSE"} <= used["con_Consent"]


def test_export_import_export_gives_the_same_file_column_by_column(iom_worker, mimp_worker, tmp_path):
    htcds_assistance_import(actor=iom_worker, path=write_official(tmp_path / "oim.xlsx", official_rows(200)))
    first_archive, first = _export(iom_worker, tmp_path, "first")
    report = htcds_assistance_import(actor=mimp_worker, path=first_archive, password=PASSWORD)
    assert report.errors == [] and report.created["victims"] == 200
    _archive, second = _export(mimp_worker, tmp_path, "second")
    before, after = read_columns(first), read_columns(second)
    assert set(TEMPLATE_ORDER) <= set(before)
    assert list(before) == list(after)
    for column in before:
        assert before[column] == after[column], column


def test_nothing_is_silently_rewritten(iom_worker, tmp_path):
    rows = official_rows(8)
    rows[0] |= {
        "prs_Gender": "TransgenderFeminine",
        "vic_TraffickingStatus": "ActualVictimOfTrafficking",
        "vic_TraffickinStatusDecisionMakingOrg": "NGO",
        "cas_Status": "FollowUp",
        "cas_CaseOwner": "Misión OIM Tumbes",
    }
    rows[1] |= {
        "prs_Gender": "TransgenderMasculine",
        "cas_Status": "ClosedReferred",
        "cas_ReferredOrganisation": "Refugio",
        "cas_ReasonForCaseClosure": "Derivada",
    }
    htcds_assistance_import(actor=iom_worker, path=write_official(tmp_path / "f.xlsx", rows))
    _archive, exported = _export(iom_worker, tmp_path, "out")
    columns = read_columns(exported)
    assert columns["prs_Gender"][:2] == ["TransgenderFeminine", "TransgenderMasculine"]
    assert columns["vic_TraffickingStatus"][0] == "ActualVictimOfTrafficking"
    assert columns["vic_TraffickinStatusDecisionMakingOrg"][0] == "NGO"
    assert columns["cas_Status"][:2] == ["FollowUp", "ClosedReferred"]
    assert columns["cas_CaseOwner"][0] == "Misión OIM Tumbes"
    assert columns["prs_MailingStreet"][0] == rows[0]["prs_MailingStreet"]
    assert columns["con_Consent"][1] in ("TRUE", "FALSE")


def test_an_empty_status_comes_back_empty_not_as_the_default(iom_worker, tmp_path):
    rows = official_rows(1)
    rows[0]["cas_Status"] = None
    rows[0]["vic_TraffickingStatus"] = None
    htcds_assistance_import(actor=iom_worker, path=write_official(tmp_path / "f.xlsx", rows))
    _archive, exported = _export(iom_worker, tmp_path, "out")
    columns = read_columns(exported)
    assert columns["cas_Status"] == [None]
    assert columns["vic_TraffickingStatus"] == [None]


def test_the_same_file_twice_creates_nothing_new(iom_worker, tmp_path):
    path = write_official(tmp_path / "oim.xlsx", official_rows(10))
    htcds_assistance_import(actor=iom_worker, path=path)
    again = htcds_assistance_import(actor=iom_worker, path=path)
    assert again.created["victims"] == 0
    assert again.unchanged["victims"] == 10
    assert AssistanceCase.objects.count() == 10


def _refusal(actor, tmp_path, change, **kwargs):
    rows = official_rows(3)
    change(rows)
    path = write_official(tmp_path / "bad.xlsx", rows)
    report = htcds_assistance_import(actor=actor, path=path, **kwargs)
    return report, {(e.row, e.column) for e in report.errors}


def test_an_undefined_picklist_value_is_refused_by_row_and_column_and_nothing_is_imported(
    iom_worker, tmp_path
):
    report, cells = _refusal(iom_worker, tmp_path, lambda rows: rows[1].update(prs_Gender="Mujer trans"))
    assert (4, "prs_Gender") in cells
    assert "lista HTCDS" in report.errors[0].message
    assert AssistanceCase.objects.count() == 0


def test_a_date_that_is_not_a_date_is_refused(iom_worker, tmp_path):
    _report, cells = _refusal(iom_worker, tmp_path, lambda rows: rows[0].update(prs_Birthdate="31/02/1990"))
    assert (3, "prs_Birthdate") in cells


def test_a_row_that_contradicts_itself_is_refused(iom_worker, tmp_path):
    def change(rows):
        rows[2].update(cas_Status="Active", cas_ReasonForCaseClosure="Concluido")

    _report, cells = _refusal(iom_worker, tmp_path, change)
    assert (5, "cas_ReasonForCaseClosure") in cells


def test_skip_invalid_imports_the_valid_rows_and_reports_the_others(iom_worker, tmp_path):
    report, cells = _refusal(
        iom_worker, tmp_path, lambda rows: rows[1].update(prs_Gender="X"), skip_invalid=True
    )
    assert (4, "prs_Gender") in cells
    assert report.created["victims"] == 2
    assert AssistanceCase.objects.count() == 2


def test_an_unknown_column_is_refused(iom_worker, tmp_path):
    path = write_official(tmp_path / "f.xlsx", official_rows(2))
    from openpyxl import load_workbook

    wb = load_workbook(path)
    wb.worksheets[0].cell(1, 60, "prs_FavouriteColour")
    wb.save(path)
    report = htcds_assistance_import(actor=iom_worker, path=path)
    assert (1, "prs_FavouriteColour") in {(e.row, e.column) for e in report.errors}
    assert AssistanceCase.objects.count() == 0


def test_a_formula_in_a_cell_is_refused(iom_worker, tmp_path):
    _report, cells = _refusal(iom_worker, tmp_path, lambda rows: rows[0].update(prs_Email='=HYPERLINK("x")'))
    assert (3, "prs_Email") in cells


def test_a_file_that_is_not_htcds_is_refused(iom_worker, tmp_path):
    path = tmp_path / "notas.xlsx"
    path.write_bytes(b"esto no es un libro")
    report = htcds_assistance_import(actor=iom_worker, path=path)
    assert report.errors[0].row == 0 and "no es un libro" in report.errors[0].message


def test_a_wrong_zip_password_is_refused(iom_worker, tmp_path):
    htcds_assistance_import(actor=iom_worker, path=write_official(tmp_path / "f.xlsx", official_rows(2)))
    archive, _data = _export(iom_worker, tmp_path, "out")
    report = htcds_assistance_import(actor=iom_worker, path=archive, password="otra-clave-cualquiera")
    assert report.errors[0].message == "La contraseña del archivo ZIP no es correcta."


def test_xlsform_submissions_in_kobo_csv_import_with_the_same_validation(iom_worker, tmp_path):
    path = tmp_path / "kobo.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(
            [
                "start",
                "end",
                "con_Consent",
                "prs_First_Name",
                "prs_Second_Name",
                "prs_Birthdate",
                "prs_Gender",
                "prs_Citizenship",
                "vic_TypeOfExploitation",
                "vic_ForcedLabourIndustry",
                "vic_TypeOfExploitation/ForcedLabour",
                "cas_Status",
                "_uuid",
            ]
        )
        writer.writerow(
            [
                "2026-01-01T10:00:00",
                "2026-01-01T10:20:00",
                "TRUE",
                "Rosa",
                "Ccahua Apaza",
                "1998-04-02",
                "TransgenderFeminine",
                "VE",
                "ForcedLabour ForcedBegging",
                "B_MiningAndQuarrying",
                "1",
                "FollowUp",
                "abc",
            ]
        )
        writer.writerow(["", "", "", "Luz", "Mamani", "2030-01-01", "Woman", "", "", "", "", "", "def"])
    report = htcds_assistance_import(actor=iom_worker, path=path)
    cells = {(e.row, e.column) for e in report.errors}
    assert cells == {(3, "prs_Birthdate"), (3, "prs_Gender")}
    report = htcds_assistance_import(actor=iom_worker, path=path, skip_invalid=True)
    record = HtcdsRecord.objects.get()
    assert record.gender == "TransgenderFeminine"
    assert record.citizenship == "Venezuela (Bolivarian Republic of)"
    assert record.exploitation_types == ["ForcedLabour", "ForcedBegging"]
    assert record.case.status == "FollowUp"


def test_validation_writes_nothing_and_plans_creates_and_unchanged(iom_worker, tmp_path):
    path = write_official(tmp_path / "f.xlsx", official_rows(4))
    plan = htcds_validate(actor=iom_worker, path=path)
    assert plan.create == [3, 4, 5, 6] and plan.unchanged == []
    assert AssistanceCase.objects.count() == 0
    htcds_assistance_import(actor=iom_worker, path=path)
    assert htcds_validate(actor=iom_worker, path=path).unchanged == [3, 4, 5, 6]


def test_the_export_logs_every_victim_read_in_bulk_and_needs_a_purpose(iom_worker, tmp_path):
    htcds_assistance_import(actor=iom_worker, path=write_official(tmp_path / "f.xlsx", official_rows(5)))
    htcds_assistance_export(
        actor=iom_worker, path=tmp_path / "o.zip", purpose="Informe a la OIM", password=PASSWORD, chunk_size=2
    )
    reads = AccessLog.objects.filter(
        purpose=AccessLog.Purpose.EXPORT, model="assistance.assistancecase", person_uuid__isnull=False
    )
    assert reads.count() == 5
    with pytest.raises(Exception, match="finalidad"):
        htcds_assistance_export(actor=iom_worker, path=tmp_path / "p.zip", purpose="", password=PASSWORD)


def test_another_agency_exports_none_of_these_victims(iom_worker, mimp_worker, tmp_path):
    htcds_assistance_import(actor=iom_worker, path=write_official(tmp_path / "f.xlsx", official_rows(3)))
    _archive, exported = _export(mimp_worker, tmp_path, "out")
    assert read_columns(exported)["prs_FirstName"] == []


def test_an_analyst_may_not_import_or_export(db, tmp_path):
    analyst = UserFactory(username="analista", agency=AgencyFactory(code="inei"), role=Role.ANALYST)
    with pytest.raises(PermissionDenied):
        htcds_validate(actor=analyst, path=tmp_path / "x.xlsx")
    with pytest.raises(PermissionDenied):
        htcds_assistance_export(
            actor=analyst, path=tmp_path / "x.zip", purpose="Curiosidad", password=PASSWORD
        )


def test_xlsform_submissions_in_odk_xlsx_with_group_paths_import(iom_worker, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(
        [
            "SubmissionDate",
            "victima/prs_First_Name",
            "victima/prs_Second_Name",
            "victima/prs_Gender",
            "explotacion/vic_TypeOfExploitation",
            "explotacion/vic_TypeOfSexExploitation",
            "meta/instanceID",
            "KEY",
        ]
    )
    ws.append(
        [
            "2026-02-01",
            "Flor",
            "Apaza Torres",
            "TransgenderMasculine",
            "SexualExploitation",
            "Pornography",
            "uuid:1",
            "uuid:1",
        ]
    )
    path = tmp_path / "odk.xlsx"
    wb.save(path)
    report = htcds_assistance_import(actor=iom_worker, path=path)
    assert report.errors == [] and report.created["victims"] == 1
    record = HtcdsRecord.objects.get()
    assert (record.gender, record.sex_exploitation_types) == ("TransgenderMasculine", ["Pornography"])
    assert record.case.person.last_name_maternal == "Torres"
