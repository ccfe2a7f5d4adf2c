"""The audit export is written a chunk of the log at a time into the encrypted archive on disk: the reads grow
with the chunks (a lookup of pseudonyms and case numbers per chunk), not with the rows,
and the rows are those a single read would give."""

import csv
import io

import pytest
import pyzipper
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sistra.accounts.capabilities import Role
from sistra.accounts.models import Agency
from sistra.audit import selectors
from sistra.audit.models import AccessLog
from sistra.audit.selectors import AuditFilters
from sistra.audit.services import log_access_many
from sistra.audit.views import write_export_archive
from sistra.core.testing import AgencyFactory, UserFactory
from sistra.people.testing import make_person

pytestmark = pytest.mark.django_db

PASSWORD = "clave-del-archivo-de-prueba"


@pytest.fixture
def auditor(db):
    agency = AgencyFactory(
        code="contraloria", name="Órgano de Control Institucional", kind=Agency.Kind.MININTER
    )
    return UserFactory(username="auditora", agency=agency, role=Role.AUDITOR)


@pytest.fixture
def persons(prosecutor):
    return [make_person(actor=prosecutor, first_names=f"Persona {i}") for i in range(6)]


def _log_reads(prosecutor, persons, n: int) -> None:
    log_access_many(
        actor=prosecutor,
        reads=[(p, None) for p in persons[:n]],
        fields=["first_names"],
        purpose=AccessLog.Purpose.CASE_WORK,
        detail="=lectura",
    )


def _export(auditor, *, changes: bool = False, chunk_size: int) -> tuple[int, list[dict], int]:
    """(rows written, the CSV's rows, queries made)."""
    if changes:
        queryset = selectors.change_search(auditor, AuditFilters())
    else:
        queryset = selectors.access_log_search(auditor, AuditFilters())
    target = io.BytesIO()
    with CaptureQueriesContext(connection) as queries:
        written = write_export_archive(
            auditor, queryset, changes=changes, password=PASSWORD, target=target, chunk_size=chunk_size
        )
    target.seek(0)
    with pyzipper.AESZipFile(target) as archive:
        archive.setpassword(PASSWORD.encode())
        (name,) = archive.namelist()
        text = archive.read(name).decode("utf-8-sig")
    return written, list(csv.DictReader(io.StringIO(text))), len(queries)


def test_the_rows_are_the_same_whatever_the_chunk(auditor, prosecutor, persons):
    _log_reads(prosecutor, persons, 5)

    whole = _export(auditor, chunk_size=1000)
    chunked = _export(auditor, chunk_size=2)

    assert chunked[:2] == whole[:2]
    rows = chunked[1]
    assert chunked[0] == len(rows) == AccessLog.objects.count()
    assert {r["persona"] for r in rows if r["detalle"] == "'=lectura"} == {p.code for p in persons[:5]}


def test_the_reads_grow_with_the_chunks_not_with_the_rows(auditor, prosecutor, persons):
    _log_reads(prosecutor, persons, 2)
    base = AccessLog.objects.count()
    assert base == 2
    two_chunks = _export(auditor, chunk_size=1)[2]
    _log_reads(prosecutor, persons[2:], 1)
    three_chunks = _export(auditor, chunk_size=1)[2]
    _log_reads(prosecutor, persons[3:], 1)
    four_chunks = _export(auditor, chunk_size=1)[2]

    per_chunk = three_chunks - two_chunks
    assert per_chunk == four_chunks - three_chunks
    # at most the pseudonyms and the case numbers of a chunk: nothing per row on top of the chunk's lookups
    assert 0 < per_chunk <= 2
    assert _export(auditor, chunk_size=1000)[2] == four_chunks - 3 * per_chunk


def test_the_change_history_is_written_chunk_by_chunk_too(auditor, persons):
    whole = _export(auditor, changes=True, chunk_size=1000)
    chunked = _export(auditor, changes=True, chunk_size=2)

    assert whole[0] >= 6
    assert chunked[:2] == whole[:2]
    assert all("Persona" not in value for row in chunked[1] for value in row.values())
