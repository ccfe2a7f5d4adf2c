import datetime
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from sistra.audit.models import AccessLog
from sistra.cases.models import Case, CaseVictim
from sistra.interop import htcds

from .conftest import PURPOSE, delete_cases_and_persons, unpack


def run(*args, **options) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def exported(out: str) -> str:
    """The password the export command printed (once)."""
    lines = [line for line in out.splitlines() if line.startswith("Contraseña del archivo")]
    assert len(lines) == 1, out
    return lines[0].rsplit(": ", 1)[1]


def export_workbook(tmp_path, **options):
    """Export through the command and unpack the workbook, to edit it as a user would."""
    archive = tmp_path / "casos.zip"
    out, _err = run("export", "htcds-penal", str(archive), purpose=PURPOSE, **options)
    return unpack(archive, exported(out), tmp_path / "casos.xlsx")


def test_export_then_import_through_the_commands_via_the_protected_archive(
    prosecutor, exchange_cases, tmp_path
):
    path = tmp_path / "casos.zip"
    out, _err = run("export", "htcds-penal", str(path), "--purpose", PURPOSE, agency="fiscalia-cusco")
    assert "Exportadas 6 víctimas de 2 casos" in out and "ZIP cifrado" in out
    password = exported(out)
    delete_cases_and_persons()

    out, err = run("import", "htcds", str(path), agency="fiscalia-cusco", password=password)

    assert "Casos: 2 registros nuevos, 0 sin cambios" in out and "Víctimas: 6 registros nuevos" in out
    assert err == ""
    assert CaseVictim.objects.count() == 6

    out, _err = run("import", "htcds", str(path), user="fiscal", password=password)
    assert "Víctimas: 0 registros nuevos, 6 sin cambios" in out


def test_the_export_command_refuses_without_a_purpose_in_spanish(prosecutor, exchange_cases, tmp_path):
    for purpose in (None, "  "):
        options = {} if purpose is None else {"purpose": purpose}
        with pytest.raises(CommandError, match="Indique la finalidad de la exportación con --purpose"):
            run("export", "htcds-penal", str(tmp_path / "casos.zip"), user="fiscal", **options)
    assert not list(tmp_path.iterdir())
    assert not AccessLog.objects.exists()


def test_the_export_command_refuses_a_too_short_purpose(prosecutor, exchange_cases, tmp_path):
    with pytest.raises(CommandError, match="al menos 5 caracteres"):
        run("export", "htcds-penal", str(tmp_path / "casos.zip"), user="fiscal", purpose="ok")
    assert not AccessLog.objects.exists()


def test_the_export_command_writes_only_a_zip(prosecutor, exchange_cases, tmp_path):
    with pytest.raises(CommandError, match="nombre terminado en .zip \\(por ejemplo, casos.zip\\)"):
        run("export", "htcds-penal", str(tmp_path / "casos.xlsx"), user="fiscal", purpose=PURPOSE)
    assert not list(tmp_path.iterdir())


def test_the_export_command_offers_no_way_round_the_archive(prosecutor, exchange_cases, tmp_path):
    with pytest.raises(CommandError):
        run(
            "export",
            "htcds-penal",
            str(tmp_path / "casos.zip"),
            "--no-archive",
            user="fiscal",
            purpose=PURPOSE,
        )


def test_the_printed_password_is_logged_nowhere(prosecutor, exchange_cases, tmp_path, caplog):
    caplog.set_level("DEBUG")
    out, _err = run("export", "htcds-penal", str(tmp_path / "casos.zip"), user="fiscal", purpose=PURPOSE)
    password = exported(out)

    assert password not in caplog.text
    assert not any(password in log.detail for log in AccessLog.objects.all())


def test_the_import_command_refuses_an_archive_with_a_wrong_password(prosecutor, exchange_cases, tmp_path):
    path = tmp_path / "casos.zip"
    run("export", "htcds-penal", str(path), user="fiscal", purpose=PURPOSE)
    delete_cases_and_persons()

    with pytest.raises(CommandError, match="No se importó nada: La contraseña del archivo ZIP no es"):
        run("import", "htcds", str(path), user="fiscal", password="no-es-esta")
    assert not Case.objects.exists()


def test_the_import_command_asks_for_the_password_at_a_terminal(prosecutor, exchange_cases, tmp_path):
    path = tmp_path / "casos.zip"
    out, _err = run("export", "htcds-penal", str(path), user="fiscal", purpose=PURPOSE)
    delete_cases_and_persons()

    with (
        mock.patch("sys.stdin.isatty", return_value=True),
        mock.patch("sistra.interop.management.commands.import.getpass", return_value=exported(out)) as asked,
    ):
        out, _err = run("import", "htcds", str(path), user="fiscal")

    asked.assert_called_once()
    assert "Víctimas: 6 registros nuevos" in out


def test_import_refusal_exits_non_zero_and_prints_each_row_and_column(prosecutor, exchange_cases, tmp_path):
    path = export_workbook(tmp_path, user="fiscal")
    delete_cases_and_persons()
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    columns = {c.value: c.column for c in ws[1] if c.value}
    ws.cell(4, columns[htcds.BIRTHDATE], datetime.date.today() + datetime.timedelta(days=30))
    ws.cell(5, columns[htcds.DOCUMENT_NUMBER], "12AB")
    wb.save(path)
    err = StringIO()

    with pytest.raises(CommandError, match="No se importó nada: 2 error"):
        call_command("import", "htcds", str(path), agency="fiscalia-cusco", stdout=StringIO(), stderr=err)

    assert "Fila 4, columna prs_Birthdate: La fecha de nacimiento" in err.getvalue()
    assert "Fila 5, columna sistra_DocumentNumber: El DNI «12AB» no es válido" in err.getvalue()
    assert not Case.objects.exists()


def test_import_with_skip_invalid_reports_the_skipped_rows_and_succeeds(prosecutor, exchange_cases, tmp_path):
    path = export_workbook(tmp_path, user="fiscal")
    delete_cases_and_persons()
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    columns = {c.value: c.column for c in ws[1] if c.value}
    ws.cell(3, columns[htcds.CITIZENSHIP], "Atlántida")
    wb.save(path)

    out, err = run("import", "htcds", str(path), "--skip-invalid", agency="fiscalia-cusco")

    assert "Filas importadas: 5" in out
    assert "Filas omitidas por errores: 3" in err and "columna prs_Citizenship" in err


def test_commands_refuse_an_agency_without_prosecutors(police_unit, tmp_path):
    with pytest.raises(CommandError, match="no tiene ningún fiscal activo"):
        run("export", "htcds-penal", str(tmp_path / "x.zip"), agency="pnp-dirintrap", purpose=PURPOSE)


def test_an_analyst_is_refused_by_the_export_command(analyst, exchange_cases, tmp_path):
    with pytest.raises(CommandError, match="no permite exportar"):
        run("export", "htcds-penal", str(tmp_path / "x.zip"), user="analista", purpose=PURPOSE)
    assert not (tmp_path / "x.zip").exists()


def test_import_of_a_missing_file_is_refused(prosecutor, tmp_path):
    with pytest.raises(CommandError, match="No existe el archivo"):
        run("import", "htcds", str(tmp_path / "nada.xlsx"), user="fiscal")


def test_an_unknown_format_is_refused(prosecutor, tmp_path):
    with pytest.raises(CommandError):
        run("import", "csv", str(tmp_path / "x.csv"), user="fiscal")
