"""The telephony (IVR) API: token-authenticated, idempotent, refuses bad input in Spanish, scoped to the
hotline agency of the token's user."""

import pytest
from rest_framework.test import APIClient

from sistra.accounts.tokens import token_create
from sistra.audit.models import ChangeEvent
from sistra.hotline import services
from sistra.hotline.models import Contact
from sistra.hotline.phone import phone_hash

from .conftest import make_contact, minutes_ago

pytestmark = pytest.mark.django_db
URL = "/api/v1/hotline/contacts/"


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        _token, secret = token_create(actor=user, user=user, name="pruebas", second_factor_verified=True)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_the_telephony_registers_an_answered_call(operator):
    started = minutes_ago(0.2).isoformat()
    response = api(operator).post(URL, {"caller_number": "987654321", "started_at": started,
                                        "line": "0800-2-3232"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    contact = Contact.objects.get(uuid=body["uuid"])
    assert body["status"] == "open" and body["source"] == "ivr"
    assert body["repeat_caller"] == {"previous_contacts": 0, "last_contact_at": None, "flags": []}
    assert contact.phone_hash == phone_hash("987654321") and contact.caller_phone == ""
    assert "caller_phone" not in body and "phone_hash" not in body
    assert ChangeEvent.objects.filter(root_uuid=contact.uuid, action="create").exists()


def test_the_same_call_sent_again_is_not_duplicated(operator):
    payload = {"caller_number": "987654321", "started_at": minutes_ago(0.2).isoformat(), "line": "0800-2-3232"}
    first = api(operator).post(URL, payload, format="json")
    again = api(operator).post(URL, payload, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["uuid"] == again.json()["uuid"]
    assert Contact.objects.count() == 1


def test_a_repeat_caller_and_its_flags_come_back_for_routing(operator):
    earlier = make_contact(operator, caller_phone="987654321")
    services.caller_flag_add(actor=operator, contact=earlier, kind="abusive")
    body = api(operator).post(URL, {"caller_number": "+51987654321", "started_at": minutes_ago(0.1).isoformat()},
                              format="json").json()
    assert body["repeat_caller"]["previous_contacts"] == 1
    assert body["repeat_caller"]["flags"] == ["abusive"]


def test_a_withheld_number_is_accepted(operator):
    response = api(operator).post(URL, {"caller_number": "", "started_at": minutes_ago(0.1).isoformat()},
                                  format="json")
    assert response.status_code == 201
    assert Contact.objects.get().phone_hash == ""


def test_bad_input_is_refused_in_spanish(operator):
    response = api(operator).post(URL, {"caller_number": "12", "started_at": "2999-01-01T00:00:00-05:00"},
                                  format="json")
    assert response.status_code == 400
    body = response.json()
    assert "no parece un número de teléfono" in body["caller_number"][0]
    assert "no puede ser futura" in body["started_at"][0]
    assert not Contact.objects.exists()


def test_without_a_token_the_api_refuses(db):
    assert api().post(URL, {"started_at": minutes_ago(0.1).isoformat()}, format="json").status_code == 401


@pytest.mark.parametrize("user", ["police_officer", "prosecutor", "analyst"])
def test_roles_that_do_not_take_calls_are_refused(request, user):
    response = api(request.getfixturevalue(user)).post(URL, {"started_at": minutes_ago(0.1).isoformat()},
                                                       format="json")
    assert response.status_code == 403
    assert not Contact.objects.exists()


def test_a_contact_is_read_back_only_by_its_hotline(operator, foreign_operator, contact):
    body = api(operator).get(f"{URL}{contact.uuid}/").json()
    assert body["code"] == contact.code and "caller_name" not in body
    assert api(foreign_operator).get(f"{URL}{contact.uuid}/").status_code == 404
