"""The review queue over the API: what a data steward may list, see and decide, and nothing more."""

import datetime

import pytest
from rest_framework.test import APIClient

from sistra.accounts.capabilities import Role
from sistra.accounts.tokens import token_create
from sistra.audit.models import AccessLog
from sistra.core.testing import UserFactory
from sistra.linkage import services
from sistra.linkage.models import LinkCandidate
from sistra.people.services import DocumentInput
from sistra.people.testing import make_person

pytestmark = pytest.mark.django_db

QUEUE = "/api/v1/linkage/candidates/"


def api(user) -> APIClient:
    client = APIClient()
    _token, secret = token_create(actor=user, user=user, name="pruebas", second_factor_verified=True)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def _jose(actor, **extra):
    data = {
        "first_names": "José",
        "last_name_paternal": "Quispe",
        "last_name_maternal": "Mamani",
        "sex": "male",
        "date_of_birth": datetime.date(1990, 3, 15),
    }
    data.update(extra)
    return make_person(actor=actor, **data)


@pytest.fixture
def pair(prosecutor, outsider, django_capture_on_commit_callbacks):
    """The same man in two fiscalías; the second registration proposes the link."""
    theirs = _jose(outsider, documents=[DocumentInput(kind="dni", number="10117410")], aliases=["Pepe"])
    with django_capture_on_commit_callbacks(execute=True):
        ours = _jose(prosecutor, first_names="Pepe", documents=[DocumentInput(kind="dni", number="10117401")])
    return ours, theirs, LinkCandidate.objects.get()


def test_the_steward_lists_the_pending_pair_by_pseudonyms_only(pair, lima_steward):
    ours, theirs, candidate = pair

    response = api(lima_steward).get(QUEUE)

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["uuid"] == str(candidate.uuid) and row["status"] == "pending" and row["version"] == 1
    assert {row["person_a"]["code"], row["person_b"]["code"]} == {ours.code, theirs.code}
    assert "Quispe" not in response.content.decode() and "10117410" not in response.content.decode()


def test_the_detail_shows_identity_only_where_the_agency_may_see_it_and_logs_the_read(pair, lima_steward):
    ours, theirs, candidate = pair

    response = api(lima_steward).get(f"{QUEUE}{candidate.uuid}/")

    assert response.status_code == 200
    sides = {s["code"]: s for s in response.json()["sides"]}
    assert sides[theirs.code]["identity"] is True
    assert any("10117410" in f["value"] for f in sides[theirs.code]["fields"])
    assert sides[ours.code]["identity"] is False
    assert not any("10117401" in f["value"] for f in sides[ours.code]["fields"])
    assert AccessLog.objects.filter(actor=lima_steward, purpose=AccessLog.Purpose.LINKAGE).count() == 1


def test_a_steward_of_another_agency_gets_a_404_and_an_empty_queue(pair, police_officer):
    candidate = pair[2]
    stranger = UserFactory(username="responsable-pnp", agency=police_officer.agency, role=Role.DATA_STEWARD)
    client = api(stranger)

    assert client.get(QUEUE).json()["results"] == []
    assert client.get(f"{QUEUE}{candidate.uuid}/").status_code == 404
    response = client.post(
        f"{QUEUE}{candidate.uuid}/decide/",
        {"decision": "not_same", "reason": "No es él.", "version": 1},
        format="json",
    )
    assert response.status_code == 404
    candidate.refresh_from_db()
    assert candidate.status == "pending"


def test_a_user_without_the_steward_role_is_refused(pair, prosecutor):
    assert api(prosecutor).get(QUEUE).status_code == 403


def test_a_national_steward_links_the_pair_with_a_reason(pair, national_steward):
    ours, theirs, candidate = pair

    response = api(national_steward).post(
        f"{QUEUE}{candidate.uuid}/decide/",
        {"decision": "linked", "reason": "Mismo DNI salvo un dígito; misma fecha.", "version": 1},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["status"] == "linked" and response.json()["version"] == 2
    assert services.active_identity(ours) == services.active_identity(theirs) is not None
    assert api(national_steward).get(QUEUE).json()["results"] == []


def test_unsure_leaves_the_pair_in_the_queue(pair, lima_steward):
    candidate = pair[2]
    client = api(lima_steward)

    response = client.post(
        f"{QUEUE}{candidate.uuid}/decide/",
        {"decision": "unsure", "reason": "Faltan datos.", "version": 1},
        format="json",
    )

    assert response.status_code == 200
    [row] = client.get(QUEUE).json()["results"]
    assert row["status"] == "unsure" and row["version"] == 2


def test_a_decision_without_a_reason_is_refused_in_spanish(pair, national_steward):
    candidate = pair[2]

    response = api(national_steward).post(
        f"{QUEUE}{candidate.uuid}/decide/", {"decision": "linked", "reason": "", "version": 1}, format="json"
    )

    assert response.status_code == 400
    assert "reason" in response.json()
    candidate.refresh_from_db()
    assert candidate.status == "pending"


def test_a_decision_on_a_stale_version_is_a_conflict(pair, national_steward):
    candidate = pair[2]
    client = api(national_steward)
    client.post(
        f"{QUEUE}{candidate.uuid}/decide/",
        {"decision": "unsure", "reason": "Dudoso.", "version": 1},
        format="json",
    )

    response = client.post(
        f"{QUEUE}{candidate.uuid}/decide/",
        {"decision": "linked", "reason": "Es él.", "version": 1},
        format="json",
    )

    assert response.status_code == 409
    candidate.refresh_from_db()
    assert candidate.status == "unsure"
