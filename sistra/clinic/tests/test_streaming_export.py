"""The consultation export is sent as it is read: the response is a stream, no consultation is read before the
body is asked for, and the reads do not grow with the consultations (one query, read in chunks)."""

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sistra.clinic import exports

from .test_services import consult, register

EXPORT = reverse("clinic:consultation_export")


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(exports, "EXPORT_CHUNK", 2)


def _consultations(nurse, community, n: int) -> None:
    patient = register(nurse, community)
    for i in range(n):
        consult(nurse, patient, reason=f"=Control {i}")


def _download(client) -> tuple[StreamingHttpResponse, int, bytes, int]:
    """The response, the queries of the view, the body, the queries made while the body was read."""
    with CaptureQueriesContext(connection) as view:
        response = client.get(EXPORT)
    with CaptureQueriesContext(connection) as body:
        content = b"".join(response.streaming_content)
    return response, len(view), content, len(body)


def _reads_consultations(queries) -> bool:
    return any("clinic_consultation" in q["sql"] for q in queries)


def test_the_export_is_a_stream_of_the_same_csv(client, nurse, huepetuhe, small_chunks):
    _consultations(nurse, huepetuhe, 5)
    client.force_login(nurse)

    with CaptureQueriesContext(connection) as view:
        response = client.get(EXPORT)

    assert response.status_code == 200 and isinstance(response, StreamingHttpResponse)
    assert response["Content-Disposition"] == 'attachment; filename="consultas-clinica.csv"'
    # nothing is read until the body is asked for
    assert not _reads_consultations(view.captured_queries)
    content = b"".join(response.streaming_content)
    assert content == exports.consultations_csv(nurse)
    text = content.decode("utf-8-sig")
    assert text.count("\r\n") == 6 and "'=Control 4" in text


def test_the_reads_do_not_grow_with_the_consultations(client, nurse, huepetuhe, small_chunks):
    client.force_login(nurse)
    _consultations(nurse, huepetuhe, 4)  # two chunks of two
    _r, _v, small, small_queries = _download(client)
    _consultations(nurse, huepetuhe, 6)  # five chunks
    _r, _v, large, large_queries = _download(client)

    assert large.decode("utf-8-sig").count("\r\n") == 11
    assert small.decode("utf-8-sig").count("\r\n") == 5
    assert large_queries == small_queries


def test_the_driver_gets_no_export_stream(client, driver):
    client.force_login(driver)

    response = client.get(EXPORT)

    assert response.status_code == 404 and not response.streaming
