"""Design-scale seeding (sistra.demo.bulk): the copies made by PostgreSQL are whole, consistent, encrypted and
findable as the Python generator's cases are. PostgreSQL only (pgcrypto, INSERT … SELECT with its functions)."""

from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection

from sistra.accounts.models import Agency
from sistra.cases.models import Case, CaseDefendant, CaseEvent, CaseVictim, Charge
from sistra.cases.seed import seed_cases
from sistra.core.crypto import blind
from sistra.core.models import DistritoFiscal
from sistra.core.testing import AgencyFactory
from sistra.demo.bulk import BulkSeedUnavailable, seed_contacts, seed_design_scale
from sistra.people.indexes import document_index
from sistra.people.matching.registry import person_features, stored_keys
from sistra.people.models import IdentityDocument, Person, PersonMatchKey
from sistra.people.selectors import name_search

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="la carga por copias es de PostgreSQL"),
]

POOL, COUNT = 12, 40


@pytest.fixture
def fiscalias(db):
    return [
        AgencyFactory(
            code=f"fistrap-{code}",
            kind=Agency.Kind.FISCALIA,
            distrito_fiscal=DistritoFiscal.objects.get(code=code),
        )
        for code in ("cusco", "madre-de-dios")
    ]


def _indexes() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename LIKE 'people\\_%%' OR tablename LIKE 'cases\\_%%'"
        )
        return {row[0] for row in cursor.fetchall()}


@pytest.fixture
def copied(fiscalias):
    before = _indexes()
    result = seed_design_scale(
        count=COUNT,
        pool=POOL,
        pool_seeder=lambda n: seed_cases(count=n, seed=3, fiscalias=fiscalias),
    )
    return result, before


def test_it_makes_exactly_the_cases_asked_with_their_persons_and_events(copied):
    result, _before = copied
    assert Case.objects.count() == COUNT == result.cases
    assert Person.objects.count() == result.persons
    # the persons of a copy are its own: no person is a party of two cases
    parties = list(CaseVictim.objects.values_list("person_id", flat=True)) + list(
        CaseDefendant.objects.values_list("person_id", flat=True)
    )
    assert len(parties) == len(set(parties)) == result.persons
    assert CaseEvent.objects.count() == result.events
    per_case = Counter(CaseEvent.objects.values_list("case_id", flat=True))
    assert len(per_case) == COUNT and min(per_case.values()) >= 4  # registration + at least 3 more


def test_copies_are_consistent_sets_of_cases(copied):
    for victim in CaseVictim.objects.select_related("case", "person"):
        assert victim.person.owner_agency_id == victim.case.fiscalia_id
    for charge in Charge.objects.exclude(defendant=None).select_related("defendant"):
        assert charge.defendant.case_id == charge.case_id
    numbers = list(Case.objects.values_list("fiscalia_id", "number"))
    assert len(numbers) == len(set(numbers))
    assert all(len(n.split("-")[1]) >= 5 and n[:4].isdigit() for _f, n in numbers)
    codes = list(Person.objects.values_list("code", flat=True))
    assert len(codes) == len(set(codes)) and all(c.startswith("P-") and len(c) == 10 for c in codes)
    uuids = list(Case.objects.values_list("uuid", flat=True))
    assert len(uuids) == len(set(uuids))


def test_copied_documents_are_new_encrypted_and_indexed_and_found(copied, django_user_model):
    copies = IdentityDocument.objects.filter(number__isnull=False).order_by("-id")[:5]
    numbers = [d.number for d in IdentityDocument.objects.all()]
    assert len(numbers) == len(set(numbers))
    for document in copies:
        assert document.number_index == document_index(document.kind, document.number)
    with connection.cursor() as cursor:
        cursor.execute("SELECT number FROM people_identitydocument ORDER BY id DESC LIMIT 5")
        stored = [row[0] for row in cursor.fetchall()]
    assert all(s.startswith("gAAAAA") for s in stored)  # Fernet tokens, not numbers
    dni = IdentityDocument.objects.filter(kind="dni").order_by("-id").first()
    holders = IdentityDocument.objects.filter(number_index=document_index("dni", dni.number))
    assert list(holders.values_list("person_id", flat=True)) == [dni.person_id]


def test_the_duplicate_check_keys_of_a_copy_are_those_of_its_own_data(copied):
    dni = IdentityDocument.objects.filter(kind="dni").order_by("-id").first()
    person = dni.person
    expected = stored_keys(person_features(person, dni=dni.number))
    assert set(PersonMatchKey.objects.filter(person=person).values_list("key", flat=True)) == expected
    assert PersonMatchKey.objects.filter(key=blind("match", "d:" + dni.number)).count() == 1


def test_copied_names_decrypt_and_are_found_by_name(copied):
    person = Person.objects.order_by("-id").first()
    assert person.first_names and person.last_name_paternal
    found = name_search(f"{person.first_names.split()[0]} {person.last_name_paternal}")
    assert person in found
    twins = found.filter(first_names_key=person.first_names_key)
    assert twins.count() >= 2  # its template too: names repeat, documents and codes do not


def test_indexes_and_sequences_are_back(copied):
    result, before = copied
    assert _indexes() == before
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM pg_tables WHERE tablename LIKE 'sistra\\_seed\\_%%'")
        assert cursor.fetchone()[0] == 0
    # the sequences are past the copies: the next row made by the ORM does not collide
    case = Case.objects.order_by("-id").first()
    Case.objects.filter(pk=case.pk).update(title="x")
    person = Person.objects.create(
        first_names="Ana", last_name_paternal="Quispe", sex="female", owner_agency=case.fiscalia
    )
    assert person.pk > Person.objects.exclude(pk=person.pk).order_by("-id").first().pk


def test_the_copied_tables_are_vacuumed_so_that_their_indexes_answer_alone(copied):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, relallvisible FROM pg_class WHERE relname IN "
            "('people_personsearchtoken', 'people_personmatchkey', 'cases_case', 'cases_casevictim')"
        )
        visible = dict(cursor.fetchall())
    assert len(visible) == 4 and all(pages > 0 for pages in visible.values()), visible


def test_contacts_are_copied_without_caller_data(fiscalias):
    from sistra.hotline.models import Contact

    with pytest.raises(BulkSeedUnavailable):
        seed_contacts(count=10)
    agency = fiscalias[0]
    template = Contact.objects.create(owner_agency=agency, started_at="2026-01-05T10:00:00Z", caller_name="Rosa Ccama",
                           caller_phone="987654321", contact_consent=True, phone_hash="h",
                           category="information")
    made, _seconds = seed_contacts(count=25)
    assert made == 25 and Contact.objects.count() == 26
    copies = Contact.objects.exclude(pk=template.pk)
    assert copies.count() == 25
    assert not copies.exclude(caller_phone="").exists() and not copies.exclude(phone_hash="").exists()
    codes = list(Contact.objects.values_list("code", flat=True))
    assert len(set(codes)) == 26
    assert len(set(copies.values_list("started_at", flat=True))) > 10


def test_the_command_copies_on_postgresql_and_writes_history(fiscalias):
    from sistra.audit.models import ChangeEvent

    call_command("seed", cases=30, pool=10, fiscalias="fistrap-cusco", verbosity=0)
    assert Case.objects.count() == 30
    assert ChangeEvent.objects.filter(root_model="cases.seed").count() == 2


def test_a_copy_that_fails_leaves_whole_copies_and_every_index_back(fiscalias, monkeypatch):
    from sistra.demo import bulk

    before = _indexes()
    real = bulk._copy_sql
    calls = {"n": 0}

    def failing(model, *args):
        calls["n"] += 1
        if model is CaseEvent and calls["n"] > 13:  # the second copy's last table
            raise RuntimeError("copia interrumpida")
        return real(model, *args)

    monkeypatch.setattr(bulk, "_copy_sql", failing)
    with pytest.raises(RuntimeError):
        seed_design_scale(
            count=POOL * 3, pool=POOL, workers=1,
            pool_seeder=lambda n: seed_cases(count=n, seed=3, fiscalias=fiscalias),
        )
    assert Case.objects.count() == 2 * POOL  # the pool and one whole copy; the failed copy rolled back
    assert _indexes() == before
    dni = IdentityDocument.objects.filter(kind="dni").order_by("-id").first()
    assert PersonMatchKey.objects.filter(key=blind("match", "d:" + dni.number), person=dni.person).exists()
