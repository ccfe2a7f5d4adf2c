"""Identifiers encrypted at rest, still searchable (docs/decisions/0210).

The security world (tests/security/conftest.py: victims, defendants, registry persons, a hotline caller with
name, number and e-mail, an assisted victim and her relative, an at-risk family, a trainee — each with unique
marker strings) is built through the services and committed; then a dump of the whole database — `pg_dump` on
PostgreSQL, the SQL dump of the database file on SQLite — must hold none of its names, documents or phone
numbers, while the search by DNI, phone and name and the duplicate check still find them."""

import os
import subprocess

import pytest
from django.db import connection

from .conftest import MARKERS, build_world, dni

pytestmark = pytest.mark.django_db(transaction=True)

# what the dump must not hold: every marker string of an identity (names, documents, phones, e-mail)
SECRETS = sorted({s for m in MARKERS for s in m.strings if m.key != "atrisk_family" or "Comunidad" not in s})


def database_dump() -> str:
    if connection.vendor == "sqlite":
        return "\n".join(connection.connection.iterdump())
    settings = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""}
    command = ["pg_dump", "--no-owner", "--data-only", "-d", settings["NAME"]]
    for option, key in (("-h", "HOST"), ("-p", "PORT"), ("-U", "USER")):
        if settings.get(key):
            command += [option, str(settings[key])]
    return subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout


def found_in(dump: str) -> list[str]:
    lowered = dump.lower()
    return [s for s in SECRETS if s.lower() in lowered]


def test_a_dump_of_the_database_holds_no_name_document_or_phone_and_search_still_finds_them():
    from sistra.accounts.capabilities import Role
    from sistra.hotline.phone import phone_hash
    from sistra.hotline.selectors import caller_history
    from sistra.people.selectors import find_matches, person_find, person_search
    from sistra.people.services import person_update

    world = build_world()
    prosecutor = world.user(Role.PROSECUTOR, "fis_own")
    victim = world.victim_adult
    # an edit puts the old and new names into the change history, which is in the dump too
    person_update(actor=prosecutor, person=victim, expected_version=victim.version, notes="Zorobabel declaró.")

    dump = database_dump()
    assert "people_person" in dump  # the dump is a real one, with the registry's rows
    assert found_in(dump) == []

    # … and the identities are still found: by DNI, by name (whole word and its beginning), by alias
    assert victim in person_find(prosecutor, "73918264")
    assert victim in person_find(prosecutor, " 7391 8264 ")  # spaces ignored
    assert victim in person_find(prosecutor, dni("73918264"))  # typed with its check character
    assert victim in person_search(prosecutor, "zorobabel QUISPECAHUANA")
    assert victim in person_search(prosecutor, "Quispec")
    assert victim in person_search(prosecutor, "kallparuna")
    assert not person_search(prosecutor, "Quispecahuanax").exists()
    # the duplicate check: a misspelt surname, the other surname first, a DNI with two digits swapped
    matches = find_matches(actor=prosecutor, first_names="Zorobabel", last_name_paternal="Yupanquiyoc",
                           last_name_maternal="Quispecahuanna", documents=[("dni", "73918246")])
    assert victim.pk in [m.person.pk for m in matches]
    # the hotline finds the caller's earlier call by her number, typed another way
    operator = world.user(Role.HOTLINE_OPERATOR, "hot_own")
    history = caller_history(operator, phone_hashes=[phone_hash("+51 984-321-765")])
    assert world.contact.pk in [c.pk for c in history.contacts]


def test_the_dump_would_show_a_name_written_in_plain_text():
    """The check above can fail: a name written around the encryption is found in the dump."""
    from sistra.people.models import Person

    build_world()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE people_person SET notes = %s WHERE id = %s",
                       ["Quispecahuana", Person.objects.order_by("id").first().pk])
    assert found_in(database_dump()) == ["Quispecahuana"]
