"""The migration that encrypts the registry's existing identities (people 0006, docs/decisions/0210): plain rows
written before it are ciphertext after it, with their keyed indexes, and are still found."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from sistra.core import crypto
from sistra.people.models import Person
from sistra.people.selectors import find_matches, person_find, person_search

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("people", "0005_fill_match_keys")]
AFTER = [("people", "0006_encrypted_identifiers")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def test_existing_plain_identities_are_encrypted_indexed_and_still_found(prosecutor):
    executor = migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE[0]).apps
        person = old.get_model("people", "Person").objects.create(
            code="P-MIGRA001", owner_agency_id=prosecutor.agency_id, first_names="Eulogia Rosa",
            last_name_paternal="Ñahuincopa", last_name_maternal="Quispe", first_names_key="eulogia rosa",
            surnames_key="nahuincopa quispe", search_key="eulogia rosa nahuincopa quispe", sex="female",
            notes="Su madre vive en Sicuani")
        old.get_model("people", "PersonAlias").objects.create(person=person, alias="La Rosita", alias_key="la rosita")
        old.get_model("people", "IdentityDocument").objects.create(person=person, kind="dni", number="41234567")
        old.get_model("people", "PersonMatchKey").objects.create(person=person, key="d:41234567")
        assert raw("SELECT first_names FROM people_person WHERE id = %s", [person.pk]) == [("Eulogia Rosa",)]

        migrate(AFTER)
    finally:
        migrate(executor.loader.graph.leaf_nodes())

    stored = raw("SELECT first_names, last_name_paternal, notes, first_names_key FROM people_person WHERE id = %s",
                 [person.pk])[0]
    assert all(value.startswith("gAAAA") for value in stored[:3])
    assert "eulogia" not in stored[3]
    assert "41234567" not in raw("SELECT number FROM people_identitydocument WHERE person_id = %s", [person.pk])[0][0]
    assert raw("SELECT key FROM people_personmatchkey WHERE person_id = %s", [person.pk]) == [
        (crypto.blind("match", "d:41234567"),)]
    migrated = Person.objects.get(pk=person.pk)
    assert (migrated.first_names, migrated.last_name_paternal, migrated.notes) == (
        "Eulogia Rosa", "Ñahuincopa", "Su madre vive en Sicuani")
    assert migrated.aliases.get().alias == "La Rosita"
    # found by the search box, by alias, by document and by the duplicate check through the migrated keys
    assert migrated in person_search(prosecutor, "eulogia nahuin")
    assert migrated in person_search(prosecutor, "rosita")
    assert migrated in person_find(prosecutor, "41234567")
    assert migrated.pk in [m.person.pk for m in find_matches(actor=prosecutor, first_names="Maria",
                                                             documents=[("dni", "41234567")])]
