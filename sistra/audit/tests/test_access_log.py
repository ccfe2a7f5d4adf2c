"""A scripted session: opening N victim records (person pages, case pages, the API) writes exactly N
access-log rows, none for a user who sees only pseudonyms, and each in the same transaction as the read."""

import datetime
from unittest import mock

import pytest
from django.db import DatabaseError
from django.urls import reverse
from rest_framework.pagination import PageNumberPagination
from rest_framework.test import APIClient

from sistra.accounts.tokens import token_create
from sistra.audit.models import AccessLog
from sistra.cases import services as case_services
from sistra.cases.testing import make_case
from sistra.people.sharing import person_share
from sistra.people.testing import make_person

pytestmark = pytest.mark.django_db

N = 4
NAMES = ["Rosa", "Juana", "Flor", "Maribel"]


def api(user) -> APIClient:
    client = APIClient()
    _token, secret = token_create(actor=user, user=user, name="pruebas", second_factor_verified=True)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.fixture
def victims(prosecutor):
    return [make_person(actor=prosecutor, first_names=name, last_name_paternal="Condori") for name in NAMES]


@pytest.fixture
def cases(prosecutor, victims):
    """N cases, each with one victim."""
    result = []
    for i, person in enumerate(victims):
        case = make_case(actor=prosecutor, number=f"2025-{i + 1:05d}",
                         complaint_date=datetime.date(2025, 1, 10))
        case_services.victim_add(actor=prosecutor, case=case, person=person)
        result.append(case)
    return result


@pytest.fixture
def shared_without_identity(prosecutor, analyst, victims):
    for person in victims:
        person_share(actor=prosecutor, person=person, agency=analyst.agency, reason="Análisis",
                     include_identity=False)
    return victims


# --- exactly one row per record opened ----------------------------------------------------------------------

def test_opening_n_person_pages_writes_exactly_n_rows(client, prosecutor, victims):
    client.force_login(prosecutor)

    for person in victims:
        response = client.get(reverse("people:detail", args=[person.uuid]))
        assert response.status_code == 200 and person.first_names in response.content.decode()

    rows = AccessLog.objects.all()
    assert rows.count() == N
    assert {r.person_uuid for r in rows} == {p.uuid for p in victims}
    for row in rows:
        assert (row.actor, row.actor_agency, row.model) == (prosecutor, prosecutor.agency, "people.person")
        assert row.object_uuid == row.person_uuid and row.at is not None
        assert row.purpose == AccessLog.Purpose.CASE_WORK and "first_names" in row.fields


def test_each_opening_counts_even_of_the_same_record(client, prosecutor, victims):
    client.force_login(prosecutor)
    url = reverse("people:detail", args=[victims[0].uuid])

    for _ in range(3):
        client.get(url)

    assert AccessLog.objects.filter(person_uuid=victims[0].uuid).count() == 3


def test_opening_n_case_pages_with_one_victim_each_writes_exactly_n_rows(client, prosecutor, cases, victims):
    client.force_login(prosecutor)

    for case in cases:
        assert client.get(reverse("cases:detail", args=[case.uuid])).status_code == 200

    rows = AccessLog.objects.all()
    assert rows.count() == N
    assert {(r.object_uuid, r.person_uuid) for r in rows} == {
        (case.uuid, person.uuid) for case, person in zip(cases, victims, strict=True)}
    assert {r.purpose for r in rows} == {AccessLog.Purpose.CASE_WORK}


def test_n_api_person_details_write_exactly_n_rows(prosecutor, victims):
    client = api(prosecutor)

    for person in victims:
        body = client.get(f"/api/v1/persons/{person.uuid}/").json()
        assert body["first_names"] == person.first_names

    rows = AccessLog.objects.all()
    assert rows.count() == N
    assert {r.person_uuid for r in rows} == {p.uuid for p in victims}
    assert {r.purpose for r in rows} == {AccessLog.Purpose.API}
    assert set(rows[0].fields) >= {"first_names", "last_name_paternal", "documents"}


def test_n_api_case_details_write_exactly_n_rows(prosecutor, cases, victims):
    client = api(prosecutor)

    for case in cases:
        body = client.get(f"/api/v1/cases/{case.uuid}/").json()
        assert body["victims"][0]["person"]["first_names"] in NAMES

    rows = AccessLog.objects.all()
    assert rows.count() == N
    assert {(r.object_uuid, r.person_uuid) for r in rows} == {
        (case.uuid, person.uuid) for case, person in zip(cases, victims, strict=True)}
    assert {r.purpose for r in rows} == {AccessLog.Purpose.API}
    assert {r.detail for r in rows} == {case.number for case in cases}


def test_an_api_case_detail_writes_one_row_per_person_shown(prosecutor, cases):
    case = cases[0]
    accused = make_person(actor=prosecutor, first_names="Pedro", last_name_paternal="Ramos")
    case_services.defendant_add(actor=prosecutor, case=case, person=accused)
    case_services.party_add(actor=prosecutor, case=case, person=accused, role="witness")  # same person twice

    api(prosecutor).get(f"/api/v1/cases/{case.uuid}/")

    assert AccessLog.objects.filter(object_uuid=case.uuid).count() == 2


def test_an_api_list_writes_one_row_per_person_with_identity_in_the_page(prosecutor, victims):
    client = api(prosecutor)

    with mock.patch.object(PageNumberPagination, "page_size", 3):
        first = client.get("/api/v1/persons/").json()
        assert len(first["results"]) == 3
        assert {str(r.person_uuid) for r in AccessLog.objects.all()} == {r["uuid"] for r in first["results"]}
        assert AccessLog.objects.count() == 3

        second = client.get("/api/v1/persons/", {"page": 2}).json()

    assert len(second["results"]) == 1
    assert AccessLog.objects.count() == N
    assert {r.person_uuid for r in AccessLog.objects.all()} == {p.uuid for p in victims}


def test_api_writes_that_answer_with_names_are_logged_too(prosecutor, victims):
    case = make_case(actor=prosecutor, number="2025-00099", complaint_date=datetime.date(2025, 1, 10))
    client = api(prosecutor)

    added = client.post(f"/api/v1/cases/{case.uuid}/victims/", {"person": str(victims[0].uuid)},
                        format="json")
    assert added.status_code == 201 and added.json()["person"]["first_names"] == "Rosa"
    assert AccessLog.objects.filter(object_uuid=case.uuid, person_uuid=victims[0].uuid).count() == 1

    person = victims[1]
    patched = client.patch(f"/api/v1/persons/{person.uuid}/", {"version": person.version, "notes": "x"},
                           format="json")
    assert patched.status_code == 200
    assert AccessLog.objects.filter(object_uuid=person.uuid).count() == 1


def test_api_matching_logs_the_persons_it_names(prosecutor, victims):
    response = api(prosecutor).post("/api/v1/persons/match/", {
        "first_names": "Rosa", "last_name_paternal": "Condori", "last_name_maternal": "Mamani",
    }, format="json")

    named = {m["person"]["uuid"] for m in response.json()}
    assert str(victims[0].uuid) in named
    assert {str(r.person_uuid) for r in AccessLog.objects.all()} == named


# --- none for a user who sees only pseudonyms ---------------------------------------------------------------

def test_an_analyst_opening_n_records_everywhere_writes_no_row(client, analyst, cases,
                                                               shared_without_identity):
    client.force_login(analyst)
    client_api = api(analyst)

    for person, case in zip(shared_without_identity, cases, strict=True):
        page = client.get(reverse("people:detail", args=[person.uuid]))
        assert page.status_code == 200 and person.code in page.content.decode()
        assert person.first_names not in page.content.decode()
        assert client.get(reverse("cases:detail", args=[case.uuid])).status_code == 200
        body = client_api.get(f"/api/v1/persons/{person.uuid}/").json()
        assert body["code"] == person.code and "first_names" not in body
        case_body = client_api.get(f"/api/v1/cases/{case.uuid}/").json()
        assert "first_names" not in case_body["victims"][0]["person"]
    assert len(client_api.get("/api/v1/persons/").json()["results"]) == N

    assert not AccessLog.objects.exists()


# --- the read and its log row are one transaction -----------------------------------------------------------

def _failing(name):
    return mock.patch.object(AccessLog.objects, name,
                             side_effect=DatabaseError("registro de accesos no disponible"))


def test_a_person_page_whose_read_cannot_be_logged_fails_and_shows_nothing(client, prosecutor, victims):
    client.force_login(prosecutor)
    client.raise_request_exception = False

    with _failing("create"):
        response = client.get(reverse("people:detail", args=[victims[0].uuid]))

    assert response.status_code == 500
    assert "Rosa" not in response.content.decode() and "Condori" not in response.content.decode()
    assert not AccessLog.objects.exists()


def test_a_case_page_whose_read_cannot_be_logged_fails_and_shows_nothing(client, prosecutor, cases):
    client.force_login(prosecutor)
    client.raise_request_exception = False

    # the case page logs the names of its parties with one INSERT (log_access_many)
    with _failing("bulk_create"):
        response = client.get(reverse("cases:detail", args=[cases[0].uuid]))

    assert response.status_code == 500
    assert "Rosa" not in response.content.decode()
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize("path", ["/api/v1/persons/{person}/", "/api/v1/cases/{case}/", "/api/v1/persons/"])
def test_an_api_read_that_cannot_be_logged_fails_and_returns_nothing(prosecutor, cases, victims, path):
    client = api(prosecutor)
    client.raise_request_exception = False

    with _failing("bulk_create"):
        response = client.get(path.format(person=victims[0].uuid, case=cases[0].uuid))

    assert response.status_code == 500
    assert b"Rosa" not in response.content and b"Condori" not in response.content
    assert not AccessLog.objects.exists()


def test_a_page_that_fails_after_logging_leaves_no_row(client, prosecutor, victims):
    # the log row is written in the transaction of the read: when the page fails, the row goes with it
    client.force_login(prosecutor)
    client.raise_request_exception = False

    with mock.patch("sistra.people.views.render", side_effect=RuntimeError("plantilla rota")):
        response = client.get(reverse("people:detail", args=[victims[0].uuid]))

    assert response.status_code == 500
    assert not AccessLog.objects.exists()
