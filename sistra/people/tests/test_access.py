import uuid

import pytest
from django.http import Http404

from sistra.accounts.capabilities import Role
from sistra.cases.models import CaseParty
from sistra.cases.services import case_share, case_share_revoke, defendant_add, party_add, victim_add
from sistra.cases.testing import make_case
from sistra.core.testing import UserFactory
from sistra.people.access import access_person, can_see_identity, visible_persons
from sistra.people.testing import make_person


@pytest.fixture
def person(prosecutor):
    return make_person(actor=prosecutor)


def test_the_owning_agency_sees_its_person(prosecutor, teammate, person):
    assert access_person(prosecutor, person.uuid) == person
    assert access_person(teammate, str(person.uuid)) == person
    assert list(visible_persons(teammate)) == [person]


def test_another_agency_gets_a_404(outsider, person):
    with pytest.raises(Http404):
        access_person(outsider, person.uuid)
    assert not visible_persons(outsider).exists()


@pytest.mark.parametrize("key", ["not-a-uuid", "", None, 42, uuid.uuid4()])
def test_a_malformed_or_unknown_identifier_is_a_404(prosecutor, person, key):
    with pytest.raises(Http404):
        access_person(prosecutor, key)


def test_a_colleague_may_edit_but_a_role_without_person_edit_may_not(prosecutor, teammate, fiscalia, person):
    assert access_person(teammate, person.uuid, write=True) == person
    operator = UserFactory(username="operadora", agency=fiscalia, role=Role.HOTLINE_OPERATOR)
    assert access_person(operator, person.uuid) == person
    with pytest.raises(Http404):
        access_person(operator, person.uuid, write=True)


def test_a_user_without_agency_or_capability_sees_no_one(fiscalia, person):
    nobody = UserFactory(username="sin-institucion", agency=None, role=Role.PROSECUTOR)
    prevention = UserFactory(username="prevencion", agency=fiscalia, role=Role.PREVENTION_OFFICER)
    inactive = UserFactory(username="inactiva", agency=fiscalia, role=Role.PROSECUTOR, is_active=False)
    for user in (nobody, prevention, inactive):
        assert not visible_persons(user).exists()
        with pytest.raises(Http404):
            access_person(user, person.uuid)


def test_analysts_see_pseudonyms_only(prosecutor, analyst, person):
    assert can_see_identity(prosecutor, person)
    assert not can_see_identity(analyst, person)


def test_a_victim_becomes_visible_to_another_agency_through_a_shared_case_only(prosecutor, outsider, person):
    case = make_case(actor=prosecutor)
    victim_add(actor=prosecutor, case=case, person=person)
    with pytest.raises(Http404):
        access_person(outsider, person.uuid)
    share = case_share(actor=prosecutor, case=case, agency=outsider.agency, reason="Investigación conjunta")
    assert access_person(outsider, person.uuid) == person
    # visible, not editable: the record stays with its owner
    with pytest.raises(Http404):
        access_person(outsider, person.uuid, write=True)
    case_share_revoke(actor=prosecutor, share=share)
    with pytest.raises(Http404):
        access_person(outsider, person.uuid)


def test_defendants_and_other_parties_of_a_shared_case_become_visible(prosecutor, police_officer):
    case = make_case(actor=prosecutor)
    suspect = make_person(actor=prosecutor, first_names="Pedro")
    witness = make_person(actor=prosecutor, first_names="Ana")
    unrelated = make_person(actor=prosecutor, first_names="Luz")
    defendant_add(actor=prosecutor, case=case, person=suspect)
    party_add(actor=prosecutor, case=case, person=witness, role=CaseParty.Role.WITNESS)
    assert not visible_persons(police_officer).exists()
    case_share(actor=prosecutor, case=case, agency=police_officer.agency, reason="Investigación policial")
    assert set(visible_persons(police_officer)) == {suspect, witness}
    assert unrelated not in visible_persons(police_officer)
