"""Import of historical call logs: all or nothing, row-level errors, never a duplicate, CSV and XLSX, and the
`sistra import_calls` command."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from openpyxl import Workbook

from sistra.audit.models import ChangeEvent
from sistra.hotline.imports import ImportFileError, import_calls_file, read_rows
from sistra.hotline.models import Contact
from sistra.hotline.phone import phone_hash

pytestmark = pytest.mark.django_db

HEADER = "linea,inicio,fin,telefono,categoria,motivo,canal,ubigeo,temas,riesgo,resumen\n"
GOOD = [
    "0800-2-3232,01/03/2025 10:00,01/03/2025 10:07,987654321,Reporte de posible trata,,Teléfono,170101,"
    "job_offer;Explotación laboral,Alto,Oferta de trabajo en mina\n",
    "0800-2-3232,01/03/2025 10:30:15,01/03/2025 10:30:40,,non_substantive,Silencio,phone,,,,\n",
    "WhatsApp,2025-03-02 08:00,2025-03-02 08:20,912345678,Solicitud de ayuda,,whatsapp,80101,,,Madre busca hija\n",
]
BAD = [
    "0800-2-3232,03/03/2025 09:00,03/03/2025 08:00,987000111,Solicitud de información,,phone,,,,Fin antes\n",
    "0800-2-3232,03/03/2025 09:30,,987000112,Solicitud de información,,phone,999999,,,Ubigeo inventado\n",
    "0800-2-3232,ayer,,,Solicitud de información,,fax,,,,\n",
]


def csv_bytes(lines) -> bytes:
    return (HEADER + "".join(lines)).encode()


def test_valid_rows_are_imported_through_the_service(supervisor):
    result = import_calls_file(actor=supervisor, data=csv_bytes(GOOD), filename="log.csv")
    assert (result.saved, result.created, result.errors) == (True, 3, [])
    contacts = {c.line: c for c in Contact.objects.filter(line="WhatsApp")}
    whatsapp = contacts["WhatsApp"]
    assert whatsapp.ubigeo_id == "080101"  # the leading zero a spreadsheet dropped
    trafficking = Contact.objects.get(category="trafficking_report")
    assert trafficking.topics == ["job_offer", "labour_exploitation"] and trafficking.risk_level == "high"
    assert trafficking.caller_phone == "" and trafficking.phone_hash == phone_hash("987654321")
    assert trafficking.source == "import" and trafficking.duration_seconds == 420
    assert timezone.localtime(trafficking.started_at).hour == 10  # the log's times are Lima time
    assert ChangeEvent.objects.filter(model="hotline.contact", action="create").count() == 3


def test_one_invalid_row_means_nothing_is_saved_and_every_error_is_reported(supervisor):
    result = import_calls_file(actor=supervisor, data=csv_bytes(GOOD + BAD), filename="log.csv")
    assert not result.saved and result.created == 0
    assert not Contact.objects.exists()
    assert not ChangeEvent.objects.exists()
    by_row = {}
    for error in result.errors:
        by_row.setdefault(error.row, []).append((error.column, error.message))
    assert set(by_row) == {5, 6, 7}
    assert by_row[5] == [("fin", by_row[5][0][1])] and "anterior a la hora de inicio" in by_row[5][0][1]
    assert "No existe el ubigeo «999999»" in by_row[6][0][1]
    assert {column for column, _m in by_row[7]} == {"inicio", "canal"}


def test_skipping_invalid_rows_imports_the_rest(supervisor):
    result = import_calls_file(actor=supervisor, data=csv_bytes(GOOD + BAD), filename="log.csv", skip_invalid=True)
    assert result.saved and result.created == 3 and result.invalid_rows == 3
    assert Contact.objects.count() == 3


def test_importing_the_same_log_twice_creates_no_duplicates(supervisor):
    import_calls_file(actor=supervisor, data=csv_bytes(GOOD), filename="log.csv")
    again = import_calls_file(actor=supervisor, data=csv_bytes(GOOD + GOOD[:1]), filename="log.csv")
    assert again.saved and again.created == 0 and again.duplicates == 4
    assert Contact.objects.count() == 3


def test_a_call_registered_by_the_telephony_is_not_imported_again(supervisor):
    from sistra.hotline.services import contact_register_call

    lima = timezone.get_current_timezone()
    contact_register_call(actor=supervisor, caller_number="987654321",
                          started_at=datetime.datetime(2025, 3, 1, 10, 0, tzinfo=lima), line="0800-2-3232")
    result = import_calls_file(actor=supervisor, data=csv_bytes(GOOD[:1]), filename="log.csv")
    assert result.duplicates == 1 and Contact.objects.count() == 1


def test_a_semicolon_separated_file_with_a_bom_is_read():
    data = ("\ufeff" + HEADER.replace(",", ";") + GOOD[1].replace(",", ";")).encode()
    rows = read_rows(data, "log.csv")
    assert rows[0][0] == 2 and rows[0][1]["non_substantive_reason"] == "Silencio"


def test_an_xlsx_log_is_imported(supervisor):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Línea", "Inicio", "Fin", "Teléfono", "Categoría", "Motivo"])
    sheet.append(["0800-2-3232", datetime.datetime(2025, 4, 1, 9, 0), datetime.datetime(2025, 4, 1, 9, 3),
                  987654321, "Solicitud de información", None])
    sheet.append([None, None, None, None, None, None])
    sheet.append(["0800-2-3232", datetime.datetime(2025, 4, 1, 9, 5), None, None, "No sustantivo", "Broma"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = import_calls_file(actor=supervisor, data=buffer.getvalue(), filename="log.xlsx")
    assert result.created == 2 and result.total == 2
    info = Contact.objects.get(category="information")
    assert info.phone_hash == phone_hash("987654321") and info.duration_seconds == 180


def test_a_file_without_the_required_columns_is_refused(supervisor):
    with pytest.raises(ImportFileError) as exc:
        import_calls_file(actor=supervisor, data=b"fecha,texto\n1,2\n", filename="log.csv")
    assert "inicio" in exc.value.messages[0]


def test_the_command_imports_all_or_nothing(tmp_path, supervisor, capsys):
    path = tmp_path / "llamadas.csv"
    path.write_bytes(csv_bytes(GOOD + BAD[:1]))
    with pytest.raises(CommandError):
        call_command("import_calls", str(path), "--user", supervisor.username)
    assert not Contact.objects.exists()
    assert "fila 5 [fin]" in capsys.readouterr().err
    call_command("import_calls", str(path), "--skip-invalid")  # the only hotline: no --user needed
    assert Contact.objects.count() == 3
    assert "creadas: 3" in capsys.readouterr().out
    assert ChangeEvent.objects.filter(model="hotline.contact", actor__isnull=True).count() == 3
