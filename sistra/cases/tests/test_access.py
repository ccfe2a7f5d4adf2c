import datetime
import uuid

import pytest
from django.http import Http404
from django.utils import timezone

from sistra.accounts.capabilities import Role
from sistra.cases.access import (
    access_case,
    can_edit_case,
    can_see_case_identity,
    can_share_case,
    visible_cases,
    writable_cases,
)
from sistra.cases.models import CaseShare
from sistra.cases.services import case_create, case_share, case_share_revoke
from sistra.cases.testing import make_case
from sistra.core.testing import UserFactory

D = datetime.date


@pytest.fixture
def case(prosecutor):
    return make_case(actor=prosecutor, number="2024-00001", complaint_date=D(2024, 3, 1))


def can_read(user, case) -> bool:
    try:
        return access_case(user, case.uuid) == case
    except Http404:
        return False


def can_write(user, case) -> bool:
    try:
        return access_case(user, case.uuid, write=True) == case
    except Http404:
        return False


def test_the_owner_and_a_colleague_read_and_write(prosecutor, teammate, case):
    for user in (prosecutor, teammate):
        assert can_read(user, case) and can_write(user, case)
        assert can_see_case_identity(user, case)
    assert can_share_case(prosecutor, case)


def test_an_outsider_gets_a_404_until_the_case_is_shared(prosecutor, outsider, case):
    with pytest.raises(Http404):
        access_case(outsider, case.uuid)
    assert not visible_cases(outsider).exists()
    assert not can_see_case_identity(outsider, case)
    assert not can_share_case(outsider, case)
    case_share(actor=prosecutor, case=case, agency=outsider.agency, reason="Investigación conjunta")
    assert can_read(outsider, case)
    assert can_see_case_identity(outsider, case)


@pytest.mark.parametrize("key", ["not-a-uuid", "", None, 7, uuid.uuid4()])
def test_a_malformed_or_unknown_identifier_is_a_404(prosecutor, case, key):
    with pytest.raises(Http404):
        access_case(prosecutor, key)
    with pytest.raises(Http404):
        access_case(prosecutor, key, write=True)


def test_a_read_share_does_not_give_write(prosecutor, outsider, case):
    case_share(actor=prosecutor, case=case, agency=outsider.agency, level=CaseShare.Level.READ, reason="Consulta")
    assert can_read(outsider, case)
    assert not can_write(outsider, case)
    assert not writable_cases(outsider).exists()


def test_a_write_share_gives_write_but_not_the_right_to_share_again(prosecutor, outsider, case):
    case_share(actor=prosecutor, case=case, agency=outsider.agency, level=CaseShare.Level.WRITE,
               reason="Investigación conjunta")
    assert can_write(outsider, case)
    assert not can_share_case(outsider, case)


def test_a_revoked_share_gives_nothing(prosecutor, outsider, case):
    share = case_share(actor=prosecutor, case=case, agency=outsider.agency, level=CaseShare.Level.WRITE,
                       reason="Investigación conjunta")
    case_share_revoke(actor=prosecutor, share=share)
    assert not can_read(outsider, case)
    assert not can_write(outsider, case)
    assert not can_see_case_identity(outsider, case)


def test_an_expired_share_gives_nothing(prosecutor, outsider, case):
    share = case_share(actor=prosecutor, case=case, agency=outsider.agency, level=CaseShare.Level.WRITE,
                       reason="Por un mes", expires_at=timezone.now() + datetime.timedelta(days=30))
    assert can_read(outsider, case)
    CaseShare.objects.filter(pk=share.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert not can_read(outsider, case)
    assert not can_write(outsider, case)
    assert not can_see_case_identity(outsider, case)


def test_a_share_with_one_agency_gives_nothing_to_another(prosecutor, outsider, police_officer, case):
    case_share(actor=prosecutor, case=case, agency=police_officer.agency, reason="Investigación policial")
    assert can_read(police_officer, case)
    assert not can_read(outsider, case)


def test_an_analyst_sees_every_case_but_never_the_identity_and_never_writes(prosecutor, outsider, analyst, case):
    other = make_case(actor=outsider, number="2024-00500", complaint_date=D(2024, 3, 1))
    assert set(visible_cases(analyst)) == {case, other}
    assert can_read(analyst, case) and can_read(analyst, other)
    assert not can_see_case_identity(analyst, case)
    assert not can_write(analyst, case)
    assert not can_share_case(analyst, case)


def test_a_police_officer_sees_only_cases_owned_by_or_shared_with_the_police_unit(prosecutor, police_officer,
                                                                                 fiscalia, case):
    # a complaint registered by the police for the fiscalía: owned by the unit, visible to the fiscalía
    own = case_create(actor=police_officer, number="PNP-2024-1", fiscalia=fiscalia,
                      distrito_fiscal=fiscalia.distrito_fiscal, complaint_date=D(2024, 3, 1), source="police")
    assert own.owner_agency == police_officer.agency
    assert set(visible_cases(police_officer)) == {own}
    assert can_write(police_officer, own)
    assert can_see_case_identity(police_officer, own)
    assert not can_share_case(police_officer, own)  # the police role has no CASE_SHARE
    assert can_read(prosecutor, own)
    assert not can_read(police_officer, case)
    case_share(actor=prosecutor, case=case, agency=police_officer.agency, reason="Investigación policial")
    assert set(visible_cases(police_officer)) == {own, case}


def test_roles_without_case_view_and_users_without_agency_see_no_case(fiscalia, case):
    operator = UserFactory(username="operadora", agency=fiscalia, role=Role.HOTLINE_OPERATOR)
    homeless = UserFactory(username="sin-institucion", agency=None, role=Role.PROSECUTOR)
    inactive = UserFactory(username="inactiva", agency=fiscalia, role=Role.PROSECUTOR, is_active=False)
    for user in (operator, homeless, inactive):
        assert not visible_cases(user).exists()
        assert not can_read(user, case)
        assert not can_see_case_identity(user, case)


def test_a_caseworker_reads_the_cases_of_her_agency_but_cannot_edit_or_see_identity(fiscalia, case):
    caseworker = UserFactory(username="gestora", agency=fiscalia, role=Role.CASEWORKER)
    assert can_read(caseworker, case)
    assert not can_write(caseworker, case)
    assert not can_see_case_identity(caseworker, case)


# --- minors are protected further ------------------------------------------------------------------------


def _case_with_victim(prosecutor, *, age):
    from sistra.cases.services import victim_add
    from sistra.cases.testing import make_case
    from sistra.people.testing import make_person

    case = make_case(actor=prosecutor)
    person = make_person(actor=prosecutor, first_names="Rosa", last_name_paternal="Huamán")
    victim_add(actor=prosecutor, case=case, person=person, age_at_exploitation=age)
    case.refresh_from_db()
    return case, person


@pytest.mark.django_db
def test_a_read_only_share_shows_an_adult_victims_name_but_not_a_minors(prosecutor, police_officer):
    from sistra.cases.access import can_see_case_identity
    from sistra.cases.services import case_share
    from sistra.people.access import can_see_identity, visible_persons

    adult_case, adult = _case_with_victim(prosecutor, age=25)
    minor_case, minor = _case_with_victim(prosecutor, age=15)
    for case in (adult_case, minor_case):
        case_share(actor=prosecutor, case=case, agency=police_officer.agency, level="read", reason="Investigación")
    assert can_see_case_identity(police_officer, adult_case)
    assert can_see_identity(police_officer, adult)
    assert not can_see_case_identity(police_officer, minor_case)
    assert not can_see_identity(police_officer, minor)
    assert not visible_persons(police_officer).filter(pk=minor.pk).exists()


@pytest.mark.django_db
def test_a_read_write_share_lets_the_agency_working_the_case_see_a_minor(prosecutor, police_officer):
    from sistra.cases.access import can_see_case_identity
    from sistra.cases.services import case_share
    from sistra.people.access import can_see_identity

    minor_case, minor = _case_with_victim(prosecutor, age=15)
    case_share(actor=prosecutor, case=minor_case, agency=police_officer.agency, level="write", reason="Operativo")
    assert can_see_case_identity(police_officer, minor_case)
    assert can_see_identity(police_officer, minor)
    # the owning fiscalía always does
    assert can_see_case_identity(prosecutor, minor_case)


def test_can_edit_case_agrees_with_access_case_for_write(prosecutor, teammate, outsider, police_officer, analyst,
                                                          case, django_assert_max_num_queries):
    # the case page asks can_edit_case on the case it has read: the case's own agencies need no query
    reader = UserFactory(role=Role.PROSECUTOR, agency=police_officer.agency, username="otra.lectora")
    case_share(actor=prosecutor, case=case, agency=outsider.agency, level=CaseShare.Level.WRITE, reason="Apoyo")
    case_share(actor=prosecutor, case=case, agency=police_officer.agency, level=CaseShare.Level.READ,
               reason="Consulta")
    everyone = (prosecutor, teammate, outsider, police_officer, reader, analyst)
    for user in everyone:
        assert can_edit_case(user, case) == can_write(user, case), user.username
    with django_assert_max_num_queries(0):
        assert can_edit_case(prosecutor, case) and can_edit_case(teammate, case)
        assert not can_edit_case(analyst, case)
