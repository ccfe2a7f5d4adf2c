import io

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import Workbook

from sistra.prevention.imports import ImportFileError, import_participants_file

HEADER = [
    "N°",
    "Nombre",
    "DNI",
    "Profesión",
    "Institución",
    "Sexo",
    "Región",
    "Asistió",
    "Nota entrada",
    "Nota salida",
]


def sheet(rows, header=HEADER) -> bytes:
    workbook = Workbook()
    ws = workbook.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def good_rows(n=30):
    professions = ["Juez", "Fiscal", "Policía", "Personal de salud", "Docente", "autoridad comunal"]
    return [
        [
            i + 1,
            f"Participante {i + 1:02d} Quispe",
            f"4{i:07d}",
            professions[i % 6],
            "Corte Superior de Cusco",
            "F" if i % 2 else "M",
            "Cusco" if i % 3 else "17",
            "sí",
            8 + i % 5,
            14 + i % 6,
        ]
        for i in range(n)
    ]


def test_thirty_participants_are_imported_from_an_attendance_sheet(officer, event):
    result = import_participants_file(
        actor=officer, event=event, data=sheet(good_rows()), filename="lista.xlsx"
    )
    assert result.saved and result.created == 30 and not result.errors
    assert event.participants.count() == 30
    judge = next(p for p in event.participants.all() if p.full_name == "Participante 01 Quispe")
    assert judge.profession == "judge" and judge.sex == "male" and judge.region == "17"
    assert judge.knowledge_gain == 6
    assert event.participants.filter(region="08").count() == 20


def test_importing_the_same_sheet_again_adds_nobody(officer, event):
    data = sheet(good_rows())
    import_participants_file(actor=officer, event=event, data=data, filename="lista.xlsx")
    again = import_participants_file(actor=officer, event=event, data=data, filename="lista.xlsx")
    assert again.saved and again.created == 0 and again.duplicates == 30
    assert event.participants.count() == 30


def test_a_bad_row_is_reported_by_row_and_column_and_nothing_is_saved(officer, event):
    rows = good_rows(5)
    rows[1][3] = "Astronauta"  # row 3 of the sheet
    rows[3][9] = 25  # row 5: outside the scale
    rows[4][8] = None  # row 6: post-test without pre-test
    result = import_participants_file(actor=officer, event=event, data=sheet(rows), filename="lista.xlsx")
    assert not result.saved and result.created == 0
    assert [(e.row, e.column) for e in result.errors] == [
        (3, "profesion"),
        (5, "nota_salida"),
        (6, "nota_salida"),
    ]
    assert "Astronauta" in result.errors[0].message
    assert "fuera de la escala" in result.errors[1].message
    assert "entrada" in result.errors[2].message
    assert event.participants.count() == 0


def test_skip_invalid_saves_the_good_rows_and_reports_the_bad_ones(officer, event):
    rows = good_rows(5)
    rows[1][3] = "Astronauta"
    result = import_participants_file(
        actor=officer, event=event, data=sheet(rows), filename="lista.xlsx", skip_invalid=True
    )
    assert result.saved and result.created == 4 and result.invalid_rows == 1
    assert event.participants.count() == 4


def test_a_participant_twice_in_the_same_sheet_is_a_row_error(officer, event):
    rows = good_rows(3)
    rows[2][1], rows[2][2] = rows[0][1], rows[0][2]
    result = import_participants_file(actor=officer, event=event, data=sheet(rows), filename="lista.xlsx")
    assert not result.saved
    assert [(e.row, e.column) for e in result.errors] == [(4, "nombre")]
    assert "fila 2" in result.errors[0].message


def test_a_sheet_without_the_profession_column_is_refused_naming_it(officer, event):
    header = [h for h in HEADER if h != "Profesión"]
    rows = [r[:3] + r[4:] for r in good_rows(2)]
    with pytest.raises(ImportFileError) as exc:
        import_participants_file(actor=officer, event=event, data=sheet(rows, header), filename="lista.xlsx")
    assert "profesion" in exc.value.messages[0]
    assert event.participants.count() == 0


def test_a_file_that_is_not_a_spreadsheet_is_refused(officer, event):
    with pytest.raises(ImportFileError):
        import_participants_file(actor=officer, event=event, data=b"not a zip", filename="lista.xlsx")


def test_another_agency_cannot_import_into_the_event(other_officer, event):
    with pytest.raises(PermissionDenied):
        import_participants_file(
            actor=other_officer, event=event, data=sheet(good_rows(2)), filename="l.xlsx"
        )
