"""No identity in URLs or logs: the guard that watches every request of the suite catches a name or a DNI in
a URL, and the logging filter takes query strings out of server log lines (runserver and gunicorn)."""

import logging

import pytest

from sistra.core import url_guard
from sistra.core.logging import ScrubQueryStrings, scrub
from sistra.people.services import DocumentInput
from sistra.people.testing import make_person


@pytest.fixture
def caught():
    """What the guard records during the test, taken out again so that the session does not fail on it."""
    before = len(url_guard.FOUND)
    yield lambda: url_guard.FOUND[before:]
    del url_guard.FOUND[before:]


def test_the_guard_catches_a_name_and_a_dni_in_a_request_of_the_test_client(client, prosecutor, caught):
    make_person(
        actor=prosecutor,
        first_names="Wilma",
        last_name_paternal="Quispichu",
        last_name_maternal="Mamanita",
        documents=[DocumentInput(kind="dni", number="47120033")],
    )
    client.force_login(prosecutor)

    client.get("/api/v1/persons/", {"q": "quispichu MAMANITA"})
    client.get("/personas/", {"dni": "4712-0033"})
    client.get("/personas/")

    found = caught()
    assert len(found) == 2
    assert found[0][2] == "mamanita, quispichu" and "/api/v1/persons/?q=" in found[0][1]
    assert found[1][2] == "47120033"


def test_the_guard_ignores_names_it_has_not_seen_and_paths_of_uuids(client, prosecutor, caught):
    person = make_person(actor=prosecutor, first_names="Wilma", last_name_paternal="Quispichu")
    client.force_login(prosecutor)
    client.get(f"/personas/{person.uuid}/")
    client.get("/api/v1/persons/", {"q": "gutierrez"})
    assert caught() == []


def test_a_path_of_the_interface_in_a_next_parameter_is_not_a_name(client, prosecutor, caught):
    # someone in the test data is called "Nueva": the form's own address in a ?next= is not her
    make_person(actor=prosecutor, first_names="Nueva Esperanza", last_name_paternal="Quispichu")
    client.force_login(prosecutor)
    client.get("/personas/", {"next": "/personas/nueva/"})
    client.get("/personas/", {"next": "/personas/?q=quispichu"})
    found = caught()
    assert [what for _test, _url, what in found] == ["quispichu"]


def test_a_deliberate_block_is_not_recorded_even_when_another_thread_serves_the_request(prosecutor, caught):
    import threading

    make_person(actor=prosecutor, first_names="Wilma", last_name_paternal="Quispichu")
    with url_guard.deliberate():
        served = threading.Thread(target=url_guard.record, args=("/personas/?q=quispichu", "GET"))
        served.start()
        served.join()
    url_guard.record("/personas/?q=quispichu", "GET")
    assert len(caught()) == 1


@pytest.mark.parametrize(
    "line, expected",
    [
        (
            '"GET /api/v1/persons/?q=quispe%20mamani HTTP/1.1" 200 512',
            '"GET /api/v1/persons/?[…] HTTP/1.1" 200 512',
        ),
        ('"POST /personas/ HTTP/1.1" 200 10', '"POST /personas/ HTTP/1.1" 200 10'),
        (
            "next=https://sistra.example/casos/?q=Juana&page=2 done",
            "next=https://sistra.example/casos/?[…] done",
        ),
    ],
)
def test_query_strings_are_scrubbed_from_log_lines(line, expected):
    assert scrub(line) == expected


def test_the_runserver_log_line_has_no_query_string(caplog):
    logger = logging.getLogger("django.server")
    handler = next(h for h in logger.handlers if any(isinstance(f, ScrubQueryStrings) for f in h.filters))
    record = logger.makeRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"%s" %s %s',
        ("GET /personas/?q=quispe HTTP/1.1", "200", "5"),
        None,
    )
    for f in handler.filters:
        f.filter(record)
    assert record.getMessage() == '"GET /personas/?[…] HTTP/1.1" 200 5'


def test_the_gunicorn_access_log_has_no_query_string_nor_referer():
    import runpy
    from pathlib import Path

    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    conf = runpy.run_path(str(Path(__file__).resolve().parents[3] / "config" / "gunicorn.conf.py"))
    cfg = Config()
    cfg.set("access_log_format", conf["access_log_format"])

    class Resp:
        status = "200 OK"
        sent = 10
        headers = []
        response_length = 10

    class Req:
        headers = []
        uri = "/api/v1/persons/?q=quispe"
        path = "/api/v1/persons/"
        query = "q=quispe"
        method = "GET"
        version = (1, 1)

    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/api/v1/persons/?q=quispe",
        "PATH_INFO": "/api/v1/persons/",
        "QUERY_STRING": "q=quispe",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": "https://sistra.example/personas/?q=quispe",
    }
    import datetime

    atoms = Logger(cfg).atoms(Resp(), Req(), environ, datetime.timedelta(seconds=0.01))
    line = conf["access_log_format"] % atoms
    assert "/api/v1/persons/" in line
    assert "quispe" not in line
