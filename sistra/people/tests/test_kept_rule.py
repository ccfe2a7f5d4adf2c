"""The person rules kept compiled per process (sistra.core.kept, ADR 0225) answer as the rules built afresh, in
every place a query puts them, and the promises that make keeping them safe hold for every role."""

import datetime

import pytest
from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.db.models.functions import Now
from django.utils import timezone

from sistra.accounts.capabilities import Role
from sistra.cases.models import CaseVictim
from sistra.cases.services import case_share, victim_add
from sistra.cases.testing import make_case
from sistra.core import kept
from sistra.core.kept import KeptCondition
from sistra.core.testing import UserFactory
from sistra.people.access import (
    identity_condition,
    identity_persons,
    identity_persons_among,
    identity_rule,
    visible_persons,
    visible_rule,
)
from sistra.people.models import Person, PersonShare
from sistra.people.sharing import person_share
from sistra.people.testing import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def persons(prosecutor, police_officer, outsider):
    """Persons the police sees in every way the rule knows, and some it must not see."""
    own = make_person(actor=police_officer, first_names="Rosa", last_name_paternal="Condori")
    victim = make_person(actor=prosecutor, first_names="Flor", last_name_paternal="Ccahuana")
    case = make_case(actor=prosecutor)
    victim_add(actor=prosecutor, case=case, person=victim)
    case_share(actor=prosecutor, case=case, agency=police_officer.agency, reason="Investigación policial")
    pseudonymous = make_person(actor=prosecutor, first_names="Nélida", last_name_paternal="Huarcaya")
    person_share(actor=prosecutor, person=pseudonymous, agency=police_officer.agency, reason="Seguimiento",
                 include_identity=False)
    named = make_person(actor=prosecutor, first_names="Yeni", last_name_paternal="Quispe")
    person_share(actor=prosecutor, person=named, agency=police_officer.agency, reason="Seguimiento",
                 include_identity=True, expires_at=timezone.now() + datetime.timedelta(days=3))
    unseen = make_person(actor=prosecutor, first_names="Luz", last_name_paternal="Mamani")
    foreign = make_person(actor=outsider, first_names="Ana", last_name_paternal="Ttito")
    return {"own": own, "victim": victim, "pseudonymous": pseudonymous, "named": named, "unseen": unseen,
            "foreign": foreign}


def _ids(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


@pytest.mark.parametrize("role", list(Role))
def test_building_the_rules_reads_nothing_from_the_database(role, fiscalia, django_assert_num_queries):
    # a row read while building would be frozen in the kept SQL for every later request
    user = UserFactory(role=role, agency=fiscalia)
    with django_assert_num_queries(0):
        identity_rule(user)
        visible_rule(user)


@pytest.mark.parametrize("role", list(Role))
def test_users_of_one_agency_and_role_get_the_same_rule(role, fiscalia, other_fiscalia):
    # the rule is kept per agency and role: nothing else of the user may change it
    one, two = UserFactory(role=role, agency=fiscalia), UserFactory(role=role, agency=fiscalia)
    other = UserFactory(role=role, agency=other_fiscalia)

    def compiled(user, rule):
        return str(Person.objects.filter(rule(user)).query), Person.objects.filter(rule(user)).query.sql_with_params()

    for rule in (identity_rule, visible_rule):
        assert compiled(one, rule) == compiled(two, rule)
        assert compiled(one, rule) != compiled(other, rule)


def test_the_kept_rules_find_what_the_rules_built_afresh_find(persons, prosecutor, police_officer, outsider,
                                                               analyst):
    kept.forget()
    for user in (police_officer, prosecutor, outsider, analyst):
        for _ in range(2):  # compiled, then from the keeper
            identity = _ids(Person.objects.filter(identity_rule(user)))
            visible = _ids(Person.objects.filter(visible_rule(user)))
            if user.role != Role.ANALYST:  # analysts see no identity at all
                assert _ids(identity_persons(user)) == identity
            assert _ids(visible_persons(user)) == visible
            # inside another query: the person table is then aliased and its subqueries take other prefixes
            assert _ids(Person.objects.filter(pk__in=visible_persons(user).values("pk"))) == visible
            assert _ids(Person.objects.exclude(pk__in=Person.objects.filter(identity_condition(user))
                                               .values("pk"))) == _ids(Person.objects.all()) - identity
            cases = CaseVictim.objects.filter(person__in=visible_persons(user)).values_list("person_id", flat=True)
            assert set(cases) == visible & set(CaseVictim.objects.values_list("person_id", flat=True))
            flags = Person.objects.annotate(seen=ExpressionWrapper(identity_condition(user), BooleanField()))
            assert {p.pk for p in flags if p.seen} == identity
            everyone = sorted(_ids(Person.objects.all()))
            among = set(identity_persons_among(user, everyone))
            assert among == (identity if user.role != Role.ANALYST else set())
    assert kept.kept_count() > 0
    police_sees = _ids(visible_persons(police_officer))
    assert police_sees == {persons[k].pk for k in ("own", "victim", "pseudonymous", "named")}
    assert _ids(identity_persons(police_officer)) == {persons[k].pk for k in ("own", "victim", "named")}


def test_a_share_that_expires_stops_counting_though_the_rule_is_kept(persons, police_officer):
    named = persons["named"]
    assert named in identity_persons(police_officer) and named in visible_persons(police_officer)
    count = kept.kept_count()
    PersonShare.objects.filter(person=named).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    # the kept SQL asks the database's clock
    assert named not in identity_persons(police_officer)
    assert named not in visible_persons(police_officer)
    assert kept.kept_count() == count


def test_a_condition_holding_the_time_is_not_kept(persons):
    kept.forget()
    condition = KeptCondition(Person, "created-before", lambda: Q(created_at__lt=timezone.now()))
    assert _ids(Person.objects.filter(condition)) == _ids(Person.objects.all())
    assert kept.kept_count() == 0
    # the same condition on the database's clock is kept
    condition = KeptCondition(Person, "created-before-now", lambda: Q(created_at__lt=Now()))
    assert _ids(Person.objects.filter(condition)) == _ids(Person.objects.all())
    assert kept.kept_count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's dates are strings once compiled")
def test_a_condition_holding_a_date_is_not_kept(persons):
    kept.forget()
    condition = KeptCondition(Person, "born-before", lambda: Q(date_of_birth__lt=timezone.localdate()))
    list(Person.objects.filter(condition))
    assert kept.kept_count() == 0


def test_a_kept_condition_filters_only_its_own_model(persons, police_officer):
    from sistra.cases.models import Case

    with pytest.raises(TypeError):
        list(Case.objects.filter(KeptCondition(Person, "x", lambda: Q(pk=1))))
