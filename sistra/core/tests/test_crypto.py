"""Identifiers encrypted at rest (sistra.core.crypto, docs/decisions/0210): the keys, the fields, the canary,
the rotation."""

import json

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from sistra.audit.models import ChangeEvent
from sistra.core import crypto
from sistra.core.keyfile import KeyFileError, add_key, ensure, read
from sistra.people.models import IdentityDocument, Person
from sistra.people.selectors import person_find, person_search
from sistra.people.services import DocumentInput
from sistra.people.testing import make_person


@pytest.fixture
def keys(settings):
    """The suite's keys, restored (and the caches emptied) after a test that changes them."""
    original = settings.SISTRA_KEYS
    crypto.reset_keys()
    yield settings
    settings.SISTRA_KEYS = original
    crypto.reset_keys()


def use_keys(settings, data_keys):
    settings.SISTRA_KEYS = {"data_keys": data_keys, "index_key": settings.SISTRA_KEYS["index_key"]}
    crypto.reset_keys()


def raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


# --- the keys ---------------------------------------------------------------------------------------------------

def test_a_missing_key_file_stops_start_up_with_what_to_do(keys, tmp_path):
    keys.SISTRA_KEYS = None
    keys.SISTRA_KEY_FILE = str(tmp_path / "keys.json")
    crypto.reset_keys()
    with pytest.raises(ImproperlyConfigured, match="Falta el archivo de claves .*keyfile ensure"):
        crypto.keys()


@pytest.mark.parametrize("content, message", [
    ("no es json", "no es JSON válido"),
    (json.dumps({"data_keys": ["corta"], "index_key": "x" * 64}), "no es válida"),
    (json.dumps({"data_keys": [], "index_key": "x" * 64}), "incompletas"),
    (json.dumps({"data_keys": [Fernet.generate_key().decode()], "index_key": "corta"}), "demasiado corta"),
])
def test_a_malformed_key_file_stops_start_up(keys, tmp_path, content, message):
    path = tmp_path / "keys.json"
    path.write_text(content)
    keys.SISTRA_KEYS = None
    keys.SISTRA_KEY_FILE = str(path)
    crypto.reset_keys()
    with pytest.raises(ImproperlyConfigured, match=message):
        crypto.keys()


def test_the_key_file_is_created_once_private_and_a_new_key_goes_first(tmp_path):
    path = tmp_path / "var" / "keys.json"
    assert ensure(path) is True
    first = read(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert ensure(path) is False and read(path) == first  # never overwritten
    add_key(path)
    second = read(path)
    assert second["data_keys"][1:] == first["data_keys"] and second["index_key"] == first["index_key"]
    with pytest.raises(KeyFileError):
        read(tmp_path / "missing.json")


@pytest.mark.django_db
def test_keys_that_do_not_open_the_stored_data_are_refused(keys):
    crypto.write_canary()  # as the migration does (a transactional test's flush may have emptied the table)
    assert crypto.check_canary() is None
    use_keys(keys, [Fernet.generate_key().decode()])
    assert "no abren los datos" in crypto.check_canary()
    from sistra.core.checks import encryption_keys_open_the_data

    assert [e.id for e in encryption_keys_open_the_data(databases=["default"])] == ["sistra.E010"]


# --- the fields -------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_names_and_documents_are_ciphertext_in_the_table_and_plain_in_the_model(prosecutor):
    person = make_person(actor=prosecutor, first_names="Zenobia", last_name_paternal="Ccoyllur",
                         notes="Vive con su tía", documents=[DocumentInput(kind="dni", number="45678912")])
    stored = raw("people_person", "first_names", person.pk)
    assert "Zenobia" not in stored and crypto.decrypt(stored) == "Zenobia"
    assert raw("people_person", "notes", person.pk).startswith("gAAAA")
    document = person.documents.get()
    assert "45678912" not in raw("people_identitydocument", "number", document.pk)
    assert Person.objects.get(pk=person.pk).first_names == "Zenobia"
    assert IdentityDocument.objects.get(pk=document.pk).number == "45678912"
    # the same value twice is two different ciphertexts: equal names cannot be grouped in the table
    other = make_person(actor=prosecutor, first_names="Zenobia", last_name_paternal="Ccoyllur")
    assert raw("people_person", "first_names", other.pk) != stored
    # … while their keyed indexes are equal, and hold no name
    assert Person.objects.get(pk=other.pk).first_names_key == Person.objects.get(pk=person.pk).first_names_key
    assert "zenobia" not in Person.objects.get(pk=person.pk).first_names_key


@pytest.mark.django_db
def test_a_lookup_on_an_encrypted_value_is_refused_not_silently_empty():
    with pytest.raises(FieldError, match="cifrado"):
        list(Person.objects.filter(first_names="Zenobia"))
    with pytest.raises(FieldError):
        list(Person.objects.filter(first_names__icontains="zen"))
    assert list(Person.objects.filter(last_name_maternal="")) == []  # blank values stay comparable


@pytest.mark.django_db
def test_the_change_history_keeps_identity_values_sealed_and_the_rest_queryable(prosecutor):
    person = make_person(actor=prosecutor, first_names="Zenobia", last_name_paternal="Ccoyllur")
    event = ChangeEvent.objects.filter(root_uuid=person.uuid).latest("id")
    with connection.cursor() as cursor:
        cursor.execute("SELECT after FROM audit_changeevent WHERE id = %s", [event.pk])
        stored = cursor.fetchone()[0]
    stored = stored if isinstance(stored, str) else json.dumps(stored)
    assert "Zenobia" not in stored and "Ccoyllur" not in stored and crypto.ENCRYPTED_MARK in stored
    assert event.after["first_names"] == "Zenobia"
    assert event.after["sex"] == person.sex  # not identity: stored as it is
    assert ChangeEvent.objects.filter(after__sex=person.sex, pk=event.pk).exists()


# --- rotation ---------------------------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_rotation_re_encrypts_everything_resumes_after_an_interruption_and_then_the_old_key_can_go(
        keys, prosecutor, monkeypatch):
    old = keys.SISTRA_KEYS["data_keys"][0]
    persons = [make_person(actor=prosecutor, first_names=f"Zenobia{n}", last_name_paternal="Ccoyllur",
                           documents=[DocumentInput(kind="dni", number=f"4567891{n}")]) for n in range(4)]
    new = Fernet.generate_key().decode()
    use_keys(keys, [new, old])

    # interrupted half-way: a failure at the third person's name (batches of two: the first two are written)
    calls = {"n": 0}
    rotate = crypto.rotate

    def failing(token):
        if crypto.decrypt(token).startswith("Zenobia"):
            calls["n"] += 1
            if calls["n"] > 2:
                raise RuntimeError("corte de luz")
        return rotate(token)

    monkeypatch.setattr(crypto, "rotate", failing)
    with pytest.raises(RuntimeError):
        call_command("rotate_keys", batch=2, stdout=open("/dev/null", "w"))
    monkeypatch.setattr(crypto, "rotate", rotate)
    # nothing unreadable half-way: some values under the new key, some under the old, all open with both
    tokens = [raw("people_person", "first_names", p.pk) for p in persons]
    assert {crypto.under_primary(t) for t in tokens} == {True, False}
    assert [Person.objects.get(pk=p.pk).first_names for p in persons] == [f"Zenobia{n}" for n in range(4)]

    call_command("rotate_keys", batch=2, stdout=open("/dev/null", "w"))
    use_keys(keys, [new])  # the old key dropped
    assert crypto.check_canary() is None
    assert [Person.objects.get(pk=p.pk).first_names for p in persons] == [f"Zenobia{n}" for n in range(4)]
    assert [e.after for e in ChangeEvent.objects.filter(root_uuid=persons[0].uuid)][-1]["first_names"] == "Zenobia0"
    # the indexes were not touched: search still finds them
    assert set(person_search(prosecutor, "zenobia2")) == {persons[2]}
    assert set(person_find(prosecutor, "45678913")) == {persons[3]}
