"""The auditor's pages: the search and each of its filters, "who has seen this victim", the masked change
history, the export (purpose, re-authentication, encrypted archive, its own log row) and the denied paths."""

import csv
import datetime
import io
import os
from unittest import mock

import pytest
import pyzipper
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sistra.accounts.capabilities import Role
from sistra.accounts.models import Agency
from sistra.audit.models import AccessLog
from sistra.audit.services import log_access
from sistra.audit.views import EXPORT_DIR
from sistra.cases import services as case_services
from sistra.cases.testing import make_case
from sistra.core.testing import AgencyFactory, UserFactory
from sistra.people import services as people_services
from sistra.people.testing import make_person

pytestmark = pytest.mark.django_db

PASSWORD = "contraseña-de-prueba-segura"
LOG = reverse("audit:log")
EXPORT = reverse("audit:export")
NOBODY = "00000000-0000-0000-0000-000000000000"


@pytest.fixture
def auditor(db):
    # a national auditor (Ministry of the Interior): sees every entry
    agency = AgencyFactory(code="contraloria", name="Órgano de Control Institucional", kind=Agency.Kind.MININTER)
    return UserFactory(username="auditora", agency=agency, role=Role.AUDITOR)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def seen(client, prosecutor, police_officer):
    """Rosa, victim in case 2025-00042 shared with the police: the prosecutor opens her page and the case, the
    police officer opens the case. Luis is opened once by the prosecutor."""
    rosa = make_person(actor=prosecutor, first_names="Rosa", last_name_paternal="Condori")
    luis = make_person(actor=prosecutor, first_names="Luis", last_name_paternal="Vargas")
    case = make_case(actor=prosecutor, number="2025-00042", complaint_date=datetime.date(2025, 1, 10))
    case_services.victim_add(actor=prosecutor, case=case, person=rosa)
    case_services.case_share(actor=prosecutor, case=case, agency=police_officer.agency,
                             reason="Investigación")
    people_services.person_update(actor=prosecutor, person=rosa, expected_version=rosa.version,
                                  first_names="Rosa Elena")
    visitor = Client()
    visitor.force_login(prosecutor)
    assert visitor.get(reverse("people:detail", args=[rosa.uuid])).status_code == 200
    assert visitor.get(reverse("cases:detail", args=[case.uuid])).status_code == 200
    assert visitor.get(reverse("people:detail", args=[luis.uuid])).status_code == 200
    police = Client()
    police.force_login(police_officer)
    assert police.get(reverse("cases:detail", args=[case.uuid])).status_code == 200
    assert AccessLog.objects.count() == 4
    return {"rosa": rosa, "luis": luis, "case": case}


def signed_in(client, user):
    """A real sign-in, so the session has a recent authentication (exports ask for one)."""
    response = client.post(reverse("login"), {"login": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _rows(response):
    return response.context["rows"]


def _entries(response):
    return [row.entry for row in _rows(response)]


# --- who may come in ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["prosecutor", "analyst", "police_officer"])
def test_a_user_who_may_not_audit_gets_403_everywhere(client, request, who, seen):
    client.force_login(request.getfixturevalue(who))

    assert client.get(LOG).status_code == 403
    assert client.get(reverse("audit:person", args=[seen["rosa"].uuid])).status_code == 403
    assert client.get(reverse("audit:person", args=[NOBODY])).status_code == 403
    assert client.post(EXPORT, {"export_purpose": "Revisión anual"}).status_code == 403
    assert client.get(reverse("audit:export_download", args=["abc"])).status_code == 403
    assert not AccessLog.objects.filter(purpose=AccessLog.Purpose.EXPORT).exists()


def test_an_anonymous_visitor_is_sent_to_sign_in(client, db):
    response = client.get(LOG)

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_search_is_read_only(client, auditor):
    client.force_login(auditor)

    assert client.post(LOG).status_code == 405


# --- the search ---------------------------------------------------------------------------------------------

def test_the_auditor_sees_who_read_what_by_pseudonym_and_never_a_name(client, auditor, seen, prosecutor):
    client.force_login(auditor)

    response = client.get(LOG)

    html = response.content.decode()
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert len(_rows(response)) == 4
    assert seen["rosa"].code in html and seen["luis"].code in html
    assert reverse("audit:person", args=[seen["rosa"].uuid]) in html
    assert prosecutor.username in html and prosecutor.agency.name in html
    assert "2025-00042" in html and "Trabajo en el caso" in html and "nombres" in html
    assert "Rosa" not in html and "Condori" not in html and "Luis" not in html and "Vargas" not in html


def test_filter_by_person_code_or_uuid(client, auditor, seen):
    client.force_login(auditor)
    rosa = seen["rosa"]

    by_code = client.get(LOG, {"person": rosa.code})
    by_uuid = client.get(LOG, {"person": str(rosa.uuid)})

    assert {e.person_uuid for e in _entries(by_code)} == {rosa.uuid} and len(_entries(by_code)) == 3
    assert [e.pk for e in _entries(by_uuid)] == [e.pk for e in _entries(by_code)]


def test_filter_by_case_number_or_record_uuid(client, auditor, seen):
    client.force_login(auditor)
    case = seen["case"]

    by_number = client.get(LOG, {"record": "2025-00042"})
    by_uuid = client.get(LOG, {"record": str(case.uuid)})

    assert {e.object_uuid for e in _entries(by_number)} == {case.uuid} and len(_entries(by_number)) == 2
    assert len(_entries(by_uuid)) == 2


def test_filter_by_user_and_by_agency(client, auditor, seen, prosecutor, police_officer):
    client.force_login(auditor)

    by_user = _entries(client.get(LOG, {"user": "policia"}))
    by_agency = _entries(client.get(LOG, {"agency": prosecutor.agency.code}))

    assert {e.actor for e in by_user} == {police_officer} and len(by_user) == 1
    assert {e.actor for e in by_agency} == {prosecutor} and len(by_agency) == 3


def test_filter_by_date_range_in_day_month_year(client, auditor, seen):
    client.force_login(auditor)
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)

    assert len(_entries(client.get(LOG, {"date_from": today.strftime("%d/%m/%Y")}))) == 4
    assert _entries(client.get(LOG, {"date_to": yesterday.strftime("%d/%m/%Y")})) == []
    response = client.get(LOG, {"date_from": today.strftime("%d/%m/%Y"),
                                "date_to": yesterday.strftime("%d/%m/%Y")})
    assert "La fecha final no puede ser anterior a la inicial." in response.content.decode()


def test_filter_by_purpose(client, auditor, seen, prosecutor):
    log_access(actor=prosecutor, instance=seen["luis"], fields=["first_names"], purpose=AccessLog.Purpose.API)
    client.force_login(auditor)

    entries = _entries(client.get(LOG, {"purpose": "api"}))

    assert [e.purpose for e in entries] == ["api"]


def test_an_unknown_person_user_or_case_is_said_clearly(client, auditor, seen):
    client.force_login(auditor)

    html = client.get(LOG, {"person": "P-NOEXISTE", "user": "nadie", "record": "1999-1"}).content.decode()

    assert "Ninguna persona tiene ese código o identificador." in html
    assert "No existe un usuario con ese nombre de usuario o identificador." in html
    assert "No hay ningún caso con ese número" in html
    assert "Corrija los filtros marcados" in html


def test_the_results_are_paginated_and_pages_keep_the_filters(client, auditor, prosecutor, seen):
    for _ in range(55):
        log_access(actor=prosecutor, instance=seen["luis"], fields=["first_names"], purpose="case_work")
    client.force_login(auditor)

    first = client.get(LOG, {"person": seen["luis"].code})
    second = client.get(LOG, {"person": seen["luis"].code, "page": 2})

    assert len(_rows(first)) == 50 and len(_rows(second)) == 6
    assert "Página 1 de 2" in first.content.decode()
    assert f"person={seen['luis'].code}&amp;page=2" in first.content.decode()


def test_the_export_form_carries_the_current_search(client, auditor, seen):
    client.force_login(auditor)

    html = client.get(LOG, {"person": seen["rosa"].code, "kind": "cambios"}).content.decode()

    assert f'<input type="hidden" name="person" value="{seen["rosa"].code}"' in html
    assert '<input type="hidden" name="kind" value="cambios"' in html
    assert 'name="export_purpose"' in html and f'action="{EXPORT}"' in html


def test_the_change_history_search_is_masked_for_the_auditor(client, auditor, seen):
    client.force_login(auditor)

    response = client.get(LOG, {"kind": "cambios", "person": seen["rosa"].code})

    html = response.content.decode()
    assert response.status_code == 200
    assert {e.root_uuid for e in _entries(response)} == {seen["rosa"].uuid, seen["case"].uuid}
    assert "Modificación de datos de la persona" in html and "•••" in html
    assert "Rosa" not in html and "Condori" not in html


def test_the_change_history_search_by_case_number(client, auditor, seen):
    client.force_login(auditor)

    entries = _entries(client.get(LOG, {"kind": "cambios", "record": "2025-00042"}))

    assert entries and {e.root_uuid for e in entries} == {seen["case"].uuid}
    assert {"Registro del caso", f"Víctima añadida: {seen['rosa'].code}"} <= {e.summary for e in entries}


# --- who has seen this victim -------------------------------------------------------------------------------

def test_who_has_seen_this_victim_lists_every_read_of_her_identity(client, auditor, seen, prosecutor,
                                                                  police_officer):
    client.force_login(auditor)
    rosa = seen["rosa"]

    response = client.get(reverse("audit:person", args=[rosa.uuid]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "¿Quién ha visto a esta víctima?" in html and rosa.code in html
    entries = _entries(response)
    assert len(entries) == 3 and {e.person_uuid for e in entries} == {rosa.uuid}
    assert {e.actor for e in entries} == {prosecutor, police_officer}
    for text in (prosecutor.username, police_officer.username, prosecutor.agency.name,
                 police_officer.agency.name, "nombres", "Trabajo en el caso", "2025-00042"):
        assert text in html, text
    assert "Rosa" not in html and "Condori" not in html


def test_who_has_seen_a_person_nobody_opened(client, auditor, analyst, prosecutor):
    person = make_person(actor=prosecutor)
    client.force_login(auditor)

    html = client.get(reverse("audit:person", args=[person.uuid])).content.decode()

    assert "Nadie ha visto todavía" in html


def test_who_has_seen_an_unknown_person_is_404(client, auditor):
    client.force_login(auditor)

    assert client.get(reverse("audit:person", args=[NOBODY])).status_code == 404
    assert client.get("/auditoria/personas/no-es-un-uuid/").status_code == 404


# --- export -------------------------------------------------------------------------------------------------

def _archive_files():
    directory = os.path.join(default_storage.location, EXPORT_DIR)
    return os.listdir(directory) if os.path.isdir(directory) else []


def _read_csv(archive: bytes, password: str, name: str) -> list[dict]:
    with pyzipper.AESZipFile(io.BytesIO(archive)) as zf:
        assert zf.namelist() == [name]
        with pytest.raises(RuntimeError):  # encrypted: nothing without the password
            zf.read(name)
        zf.setpassword(password.encode())
        text = zf.read(name).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_an_export_needs_a_stated_purpose(client, auditor, seen):
    signed_in(client, auditor)

    response = client.post(EXPORT, {"person": seen["rosa"].code, "export_purpose": ""})

    assert response.status_code == 422
    assert "Indique para qué necesita exportar estos registros." in response.content.decode()
    assert not AccessLog.objects.filter(purpose=AccessLog.Purpose.EXPORT).exists()
    assert _archive_files() == []


def test_an_export_asks_for_the_password_again_when_the_sign_in_is_not_recent(client, auditor, seen):
    client.force_login(auditor)  # no authentication on record in this session

    response = client.post(EXPORT, {"export_purpose": "Revisión trimestral"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not AccessLog.objects.filter(purpose=AccessLog.Purpose.EXPORT).exists()


def test_an_export_gives_an_encrypted_archive_with_the_rows_and_is_logged(client, auditor, seen, prosecutor):
    signed_in(client, auditor)
    rosa = seen["rosa"]
    expected = list(AccessLog.objects.filter(person_uuid=rosa.uuid).order_by("-at", "-id"))

    response = client.post(EXPORT, {"person": rosa.code, "kind": "accesos",
                                    "export_purpose": "Queja de la víctima  por acceso indebido"})

    assert response.status_code == 200
    password = response.context["password"]
    html = response.content.decode()
    assert password in html and len(password) >= 16
    assert "Queja de la víctima por acceso indebido" in html
    download = client.get(response.context["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    assert download["Content-Disposition"].startswith('attachment; filename="sistra-auditoria-accesos-')
    assert password.encode() not in download.content
    rows = _read_csv(download.content, password, "accesos.csv")
    assert [r["registro"] for r in rows] == [str(e.object_uuid) for e in expected]
    assert {r["persona"] for r in rows} == {rosa.code}
    assert {r["persona_uuid"] for r in rows} == {str(rosa.uuid)}
    assert rows[0]["usuario"] in {"fiscal", "policia"} and rows[0]["finalidad"] == "case_work"
    assert "2025-00042" in {r["numero_caso"] for r in rows}
    assert "Rosa" not in download.content.decode("latin-1")

    export = AccessLog.objects.get(purpose=AccessLog.Purpose.EXPORT)
    assert (export.actor, export.actor_agency, export.model) == (auditor, auditor.agency, "audit.accesslog")
    assert "Queja de la víctima por acceso indebido" in export.detail and "3 registros" in export.detail
    assert f"person={rosa.code}" in export.detail

    # the archive is handed over once, and not kept
    assert client.get(response.context["download_url"]).status_code == 404
    assert _archive_files() == []


def test_an_export_of_the_change_history_is_masked(client, auditor, seen):
    signed_in(client, auditor)

    response = client.post(EXPORT, {"person": seen["rosa"].code, "kind": "cambios",
                                    "export_purpose": "Revisión de cambios"})

    archive = client.get(response.context["download_url"]).content
    rows = _read_csv(archive, response.context["password"], "cambios.csv")
    update = next(r for r in rows if r["resumen"] == "Modificación de datos de la persona")
    assert "first_names" in update["campos"] and "•••" in update["antes"] and "•••" in update["despues"]
    assert all("Rosa" not in value and "Condori" not in value for r in rows for value in r.values())
    assert AccessLog.objects.get(purpose=AccessLog.Purpose.EXPORT).model == "audit.changeevent"


def test_the_archive_is_only_for_the_session_that_made_it(client, auditor, seen):
    signed_in(client, auditor)
    response = client.post(EXPORT, {"export_purpose": "Revisión anual"})
    other = Client()
    other.force_login(UserFactory(username="auditor2", agency=auditor.agency, role=Role.AUDITOR))

    assert other.get(response.context["download_url"]).status_code == 404
    assert client.get(response.context["download_url"]).status_code == 200


def test_an_export_that_cannot_be_logged_does_not_happen(client, auditor, seen):
    signed_in(client, auditor)
    client.raise_request_exception = False

    with mock.patch("sistra.audit.views.log_export", side_effect=RuntimeError("registro no disponible")):
        response = client.post(EXPORT, {"export_purpose": "Revisión anual"})

    assert response.status_code == 500
    assert _archive_files() == []
    assert not client.session.get("sistra_audit_exports")
    assert not AccessLog.objects.filter(purpose=AccessLog.Purpose.EXPORT).exists()


def test_archives_left_behind_are_removed(client, auditor, seen):
    signed_in(client, auditor)
    first = client.post(EXPORT, {"export_purpose": "Revisión anual"})
    assert len(_archive_files()) == 1
    old = timezone.now() - datetime.timedelta(hours=2)
    path = os.path.join(default_storage.location, EXPORT_DIR, _archive_files()[0])
    os.utime(path, (old.timestamp(), old.timestamp()))

    client.post(EXPORT, {"export_purpose": "Revisión anual"})

    assert len(_archive_files()) == 1
    assert client.get(first.context["download_url"]).status_code == 404
