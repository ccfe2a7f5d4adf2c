"""The entry check never tells a user about a person held by an agency the user may not see: not by a
message, a count, a status code, nor by doing anything different while answering (same SQL, same order).
The same person registered anyway becomes a pending link for the data stewards."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from sistra.accounts.tokens import token_create
from sistra.linkage.models import LinkCandidate
from sistra.people.models import Person
from sistra.people.services import DocumentInput
from sistra.people.testing import make_person

pytestmark = pytest.mark.django_db

CREATE = reverse("people:create")
DUMMY_TASKS = {
    "default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend", "QUEUES": ["default", "stats"]}
}


def form(**extra):
    data = {
        "first_names": "José",
        "last_name_paternal": "Quispe",
        "last_name_maternal": "Mamani",
        "aliases": "",
        "sex": "male",
        "date_of_birth": "15/03/1990",
        "estimated_age": "",
        "nationality": "PE",
        "country_origin": "",
        "notes": "",
        "doc-TOTAL_FORMS": "2",
        "doc-INITIAL_FORMS": "0",
        "doc-MIN_NUM_FORMS": "0",
        "doc-MAX_NUM_FORMS": "6",
        "doc-0-kind": "dni",
        "doc-0-number": "10117410",
        "doc-1-kind": "",
        "doc-1-number": "",
    }
    data.update(extra)
    return data


def api(user) -> APIClient:
    client = APIClient()
    _token, secret = token_create(actor=user, user=user, name="pruebas", second_factor_verified=True)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def payload(**extra):
    data = {
        "first_names": "José",
        "last_name_paternal": "Quispe",
        "last_name_maternal": "Mamani",
        "sex": "male",
        "date_of_birth": "1990-03-15",
        "documents": [{"kind": "dni", "number": "10117410"}],
    }
    data.update(extra)
    return data


@pytest.fixture
def hidden_jose(outsider):
    """The same man, registered by a fiscalía the prosecutor may not see."""
    return make_person(
        actor=outsider,
        first_names="José",
        last_name_paternal="Quispe",
        last_name_maternal="Mamani",
        sex="male",
        documents=[DocumentInput(kind="dni", number="10117410")],
    )


def _shape(sql: str) -> str:
    return re.sub(r"'[^']*'|\b\d+\b|\"s\d+_x\d+\"", "?", sql)


def _register(client, data):
    with CaptureQueriesContext(connection) as queries:
        response = client.post(CREATE, data)
    return response, [_shape(q["sql"]) for q in queries.captured_queries]


def test_registering_the_same_dni_and_name_as_a_hidden_person_answers_as_if_it_did_not_exist(
    client, prosecutor, outsider
):
    client.force_login(prosecutor)
    with override_settings(TASKS=DUMMY_TASKS):
        alone, alone_queries = _register(client, form())
        Person.objects.filter(owner_agency=prosecutor.agency).delete()
        make_person(
            actor=outsider,
            first_names="José",
            last_name_paternal="Quispe",
            last_name_maternal="Mamani",
            sex="male",
            documents=[DocumentInput(kind="dni", number="10117410")],
        )
        hidden, hidden_queries = _register(client, form())

    assert alone.status_code == hidden.status_code == 302
    new = Person.objects.get(owner_agency=prosecutor.agency)
    assert hidden["Location"] == reverse("people:detail", args=[new.uuid])
    # the same statements in the same order: no branch, and so no timing, depends on the hidden record
    assert hidden_queries == alone_queries
    page = client.get(hidden["Location"]).content.decode()
    assert "Ya existe" not in page
    assert Person.objects.get(owner_agency=outsider.agency).code not in page


def test_the_hidden_person_is_never_offered_as_a_match(client, prosecutor, hidden_jose):
    client.force_login(prosecutor)

    response = client.post(CREATE, form(**{"doc-0-number": "10117401"}))  # a near-miss DNI too

    assert response.status_code == 302
    assert hidden_jose.code not in response.content.decode()


def test_the_api_registers_the_same_dni_and_answers_as_for_anyone_else(prosecutor, hidden_jose):
    response = api(prosecutor).post("/api/v1/persons/", payload(), format="json")

    assert response.status_code == 201
    assert "Ya existe" not in response.content.decode()
    assert hidden_jose.code not in response.content.decode()


def test_the_api_match_lists_nothing_of_another_agency(prosecutor, hidden_jose):
    response = api(prosecutor).post("/api/v1/persons/match/", payload(), format="json")

    assert response.status_code == 200
    assert response.json() == []


def test_a_hidden_duplicate_becomes_a_pending_link_for_the_stewards(
    client, prosecutor, hidden_jose, django_capture_on_commit_callbacks
):
    client.force_login(prosecutor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(CREATE, form())

    new = Person.objects.get(owner_agency=prosecutor.agency)
    link = LinkCandidate.objects.get()
    assert {link.person_a, link.person_b} == {new, hidden_jose}
    assert link.status == LinkCandidate.Status.PENDING
    assert link.band == "strong"
    assert link.origin == LinkCandidate.Origin.ENTRY


def test_a_namesake_without_a_document_in_another_agency_is_saved_and_queued(
    client, prosecutor, outsider, django_capture_on_commit_callbacks
):
    hidden = make_person(
        actor=outsider,
        first_names="Pepe",
        last_name_paternal="Quispe Mamani",
        sex="male",
        date_of_birth=datetime.date(1990, 3, 15),
    )
    client.force_login(prosecutor)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(CREATE, form(**{"doc-0-kind": "", "doc-0-number": ""}))

    assert response.status_code == 302
    assert hidden.code not in client.get(response["Location"]).content.decode()
    assert LinkCandidate.objects.filter(status="pending").count() == 1


def test_a_visible_duplicate_dni_is_still_refused(prosecutor):
    make_person(actor=prosecutor, documents=[DocumentInput(kind="dni", number="10117410")])

    response = api(prosecutor).post("/api/v1/persons/", payload(), format="json")

    assert response.status_code == 400
    assert "Ya existe una persona registrada con el documento DNI 10117410" in response.json()["documents"][0]
