import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from sistra.cases.models import Case, CaseVictim
from sistra.interop import htcds

from .conftest import delete_cases_and_persons


def run(*args, **options) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_export_then_import_through_the_commands(prosecutor, exchange_cases, tmp_path):
    path = tmp_path / "casos.xlsx"
    out, _err = run("export", "htcds", str(path), agency="fiscalia-cusco")
    assert "Exportadas 6 víctimas de 2 casos" in out
    delete_cases_and_persons()

    out, err = run("import", "htcds", str(path), agency="fiscalia-cusco")

    assert "Casos: 2 registros nuevos, 0 sin cambios" in out and "Víctimas: 6 registros nuevos" in out
    assert err == ""
    assert CaseVictim.objects.count() == 6

    out, _err = run("import", "htcds", str(path), user="fiscal")
    assert "Víctimas: 0 registros nuevos, 6 sin cambios" in out


def test_import_refusal_exits_non_zero_and_prints_each_row_and_column(prosecutor, exchange_cases, tmp_path):
    path = tmp_path / "casos.xlsx"
    run("export", "htcds", str(path), user="fiscal")
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
    path = tmp_path / "casos.xlsx"
    run("export", "htcds", str(path), user="fiscal")
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
        run("export", "htcds", str(tmp_path / "x.xlsx"), agency="pnp-dirintrap")


def test_an_analyst_is_refused_by_the_export_command(analyst, exchange_cases, tmp_path):
    with pytest.raises(CommandError, match="no permite exportar"):
        run("export", "htcds", str(tmp_path / "x.xlsx"), user="analista")
    assert not (tmp_path / "x.xlsx").exists()


def test_import_of_a_missing_file_is_refused(prosecutor, tmp_path):
    with pytest.raises(CommandError, match="No existe el archivo"):
        run("import", "htcds", str(tmp_path / "nada.xlsx"), user="fiscal")


def test_an_unknown_format_is_refused(prosecutor, tmp_path):
    with pytest.raises(CommandError):
        run("import", "csv", str(tmp_path / "x.csv"), user="fiscal")
