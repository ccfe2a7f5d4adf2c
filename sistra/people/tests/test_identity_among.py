"""identity_persons_among: the identity rule asked of a given list of persons one alternative at a time (the
path of the name search and the duplicate check at scale) keeps exactly the persons identity_persons keeps, and
its statements do not change with how many persons it is given."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sistra.cases.models import CaseParty
from sistra.cases.services import case_share, defendant_add, party_add, victim_add
from sistra.cases.testing import make_case
from sistra.people import access
from sistra.people.access import identity_persons, identity_persons_among
from sistra.people.models import Person
from sistra.people.sharing import person_share
from sistra.people.testing import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(prosecutor, outsider, police_officer):
    """Persons reaching the other agencies by each path of the rule, and some reaching no one."""
    shared_case = make_case(actor=prosecutor, number="C-COMPARTIDO")
    written_case = make_case(actor=prosecutor, number="C-ESCRITURA")
    adult, minor, minor_written = (
        make_person(actor=prosecutor, first_names=n) for n in ("Ana", "Rosa", "Luz")
    )
    victim_add(actor=prosecutor, case=shared_case, person=adult, age_at_exploitation=30)
    victim_add(actor=prosecutor, case=shared_case, person=minor, age_at_exploitation=15)
    victim_add(actor=prosecutor, case=written_case, person=minor_written, age_at_exploitation=16)
    suspect, witness = make_person(actor=prosecutor, first_names="Pedro"), make_person(actor=prosecutor)
    defendant_add(actor=prosecutor, case=shared_case, person=suspect)
    party_add(actor=prosecutor, case=shared_case, person=witness, role=CaseParty.Role.WITNESS)
    for agency in (outsider.agency, police_officer.agency):
        case_share(actor=prosecutor, case=shared_case, agency=agency, reason="Investigación conjunta")
    case_share(actor=prosecutor, case=written_case, agency=outsider.agency, level="write", reason="Conjunta")
    named, pseudonymous = make_person(actor=prosecutor), make_person(actor=prosecutor)
    person_share(
        actor=prosecutor,
        person=named,
        agency=police_officer.agency,
        reason="Derivación",
        include_identity=True,
    )
    person_share(
        actor=prosecutor,
        person=pseudonymous,
        agency=police_officer.agency,
        reason="Derivación",
        include_identity=False,
    )
    make_person(actor=prosecutor, first_names="Nadie")
    make_person(actor=outsider, first_names="Propia")
    make_person(actor=police_officer, first_names="Policial")
    return sorted(Person.objects.values_list("pk", flat=True))


@pytest.mark.parametrize("who", ["prosecutor", "outsider", "police_officer", "analyst"])
def test_it_keeps_exactly_whom_the_identity_rule_keeps(request, registry, who):
    actor = request.getfixturevalue(who)
    expected = sorted(identity_persons(actor).filter(pk__in=registry).values_list("pk", flat=True))

    assert identity_persons_among(actor, registry) == expected
    assert identity_persons_among(actor, set(registry[::2])) == [pk for pk in expected if pk in registry[::2]]
    assert identity_persons_among(actor, Person.objects.values("pk")) == expected  # a subquery: one statement
    assert identity_persons_among(actor, []) == []
    if who == "police_officer":  # the case-shared adult, defendant and witness, the named share, its own
        assert len(expected) == 5
    if who == "analyst":
        assert expected == []


def test_many_persons_are_tested_by_one_statement_with_the_same_answer(monkeypatch, registry, outsider):
    one_by_one = identity_persons_among(outsider, registry)
    monkeypatch.setattr(access, "AMONG_ONE_BY_ONE", 2)
    with CaptureQueriesContext(connection) as queries:
        at_once = identity_persons_among(outsider, registry)

    assert at_once == one_by_one
    assert len(queries.captured_queries) == 1


def _shapes(actor, ids) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        identity_persons_among(actor, ids)
    return [re.sub(r"'[^']*'|\b\d+\b", "?", q["sql"]) for q in queries.captured_queries]


def test_its_statements_are_the_same_for_no_one_and_for_many(registry, outsider):
    none, one, every = _shapes(outsider, []), _shapes(outsider, registry[:1]), _shapes(outsider, registry)

    assert none == one == every
    assert len(every) > 1  # one statement per alternative of the rule
