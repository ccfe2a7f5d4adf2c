"""read_person decides visibility and identity in one statement for the usual read, and the person page asks the
identity rule once (issue #16: each asking cost ~20 ms of ORM work and ~5 ms of planning at the design scale)."""

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sistra.accounts.capabilities import Role
from sistra.audit.models import AccessLog
from sistra.cases.services import case_share, victim_add
from sistra.cases.testing import make_case
from sistra.core.testing import UserFactory
from sistra.people.access import access_person, can_edit_person, can_see_identity, read_person
from sistra.people.sharing import person_share
from sistra.people.testing import make_person

pytestmark = pytest.mark.django_db

RULE = "people_personshare"  # every statement testing the identity rule reads the person shares


def _rule_statements(queries) -> int:
    return sum(RULE in q["sql"] for q in queries)


@pytest.fixture
def shared_victim(prosecutor, police_officer):
    person = make_person(actor=prosecutor, first_names="Flor", last_name_paternal="Ccahuana")
    case = make_case(actor=prosecutor)
    victim_add(actor=prosecutor, case=case, person=person)
    case_share(actor=prosecutor, case=case, agency=police_officer.agency, reason="Investigación policial")
    return person


@pytest.fixture
def pseudonymous(prosecutor, police_officer):
    person = make_person(actor=prosecutor, first_names="Nélida", last_name_paternal="Huarcaya")
    person_share(actor=prosecutor, person=person, agency=police_officer.agency, reason="Seguimiento",
                 include_identity=False)
    return person


def test_a_person_seen_with_her_identity_is_read_in_one_statement(police_officer, shared_victim):
    with CaptureQueriesContext(connection) as queries:
        read = read_person(police_officer, shared_victim.uuid)
    assert read.person == shared_victim and read.identity
    assert _rule_statements(queries) == 1


def test_a_person_seen_under_a_pseudonym_is_read_without_her_identity(police_officer, pseudonymous):
    read = read_person(police_officer, pseudonymous.uuid)
    assert read.person == pseudonymous and not read.identity
    assert read.identity == can_see_identity(police_officer, pseudonymous)
    assert not AccessLog.objects.filter(person_uuid=pseudonymous.uuid).exists()


def test_an_outsider_gets_a_404_whatever_the_key(outsider, shared_victim):
    for key in (shared_victim.uuid, "no-es-un-uuid", None):
        with pytest.raises(Http404):
            read_person(outsider, key)


def test_what_is_read_beside_her_is_read_in_the_same_statement(prosecutor, police_officer, shared_victim):
    read = read_person(police_officer, shared_victim.uuid, related=("owner_agency", "nationality"))
    with CaptureQueriesContext(connection) as queries:
        assert read.person.owner_agency == prosecutor.agency
        assert read.person.nationality_id is None or read.person.nationality
    assert len(queries) == 0


@pytest.mark.parametrize("who", ["prosecutor", "teammate", "police_officer", "analyst", "outsider", "operator"])
def test_can_edit_person_agrees_with_access_person_write(request, fiscalia, who, shared_victim, pseudonymous):
    actor = (UserFactory(username="operadora", agency=fiscalia, role=Role.HOTLINE_OPERATOR) if who == "operator"
             else request.getfixturevalue(who))
    for person in (shared_victim, pseudonymous):
        try:
            seen = access_person(actor, person.uuid)
        except Http404:
            continue
        try:
            access_person(actor, person.uuid, write=True)
            writable = True
        except Http404:
            writable = False
        assert can_edit_person(actor, seen) is writable, (who, person.first_names)


def test_the_person_page_asks_the_identity_rule_once(client, police_officer, shared_victim):
    client.force_login(police_officer)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("people:detail", args=[shared_victim.uuid]))
    html = response.content.decode()
    assert response.status_code == 200 and "Flor" in html and "Ccahuana" in html
    assert _rule_statements(queries) == 1


def test_the_person_page_under_a_pseudonym_shows_the_code_only(client, police_officer, pseudonymous):
    client.force_login(police_officer)
    response = client.get(reverse("people:detail", args=[pseudonymous.uuid]))
    html = response.content.decode()
    assert response.status_code == 200
    assert pseudonymous.code in html and "Nélida" not in html and "Huarcaya" not in html
    assert 'id="edit-person"' not in html
