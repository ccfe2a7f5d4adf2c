import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from sistra.audit.models import ChangeEvent
from sistra.core.crypto import blind
from sistra.core.models import Term
from sistra.core.validation import ConflictError
from sistra.people import services
from sistra.people.indexes import alias_index
from sistra.people.models import IdentityDocument, Person, PersonAlias
from sistra.people.services import DocumentInput, person_update
from sistra.people.testing import make_person

TODAY = timezone.localdate()
DNI = IdentityDocument.Kind.DNI


def dni(number: str) -> DocumentInput:
    return DocumentInput(kind=DNI, number=number)


@pytest.fixture
def quechua(db):
    return Term.objects.create(vocabulary=Term.Vocabulary.LANGUAGE, code="test-quechua", name_es="Quechua")


@pytest.fixture
def aymara(db):
    return Term.objects.create(vocabulary=Term.Vocabulary.LANGUAGE, code="test-aymara", name_es="Aimara")


def assert_nothing_saved():
    assert Person.objects.count() == 0
    assert IdentityDocument.objects.count() == 0
    assert PersonAlias.objects.count() == 0
    assert ChangeEvent.objects.count() == 0


def messages(exc: ValidationError, field: str) -> list[str]:
    return exc.message_dict[field]


# --- DNI ------------------------------------------------------------------------------------------------


def test_it_stores_a_dni_given_with_its_check_character_as_eight_digits(prosecutor):
    person = make_person(actor=prosecutor, documents=[dni("10117410-2")])
    assert list(person.documents.values_list("kind", "number")) == [("dni", "10117410")]


def test_it_refuses_a_dni_with_a_wrong_check_character_and_saves_nothing(prosecutor):
    with pytest.raises(ValidationError) as exc:
        make_person(actor=prosecutor, documents=[dni("101174103")])
    assert messages(exc.value, "documents") == [
        "El DNI «101174103» no es válido: el dígito de verificación no corresponde al número."
    ]
    assert_nothing_saved()


def test_it_refuses_a_dni_with_letters_and_saves_nothing(prosecutor):
    with pytest.raises(ValidationError) as exc:
        make_person(actor=prosecutor, documents=[dni("1011741A")])
    assert "debe tener 8 dígitos" in messages(exc.value, "documents")[0]
    assert_nothing_saved()


def test_it_refuses_a_dni_already_held_by_another_person(prosecutor):
    first = make_person(actor=prosecutor, documents=[dni("10117410")])
    with pytest.raises(ValidationError) as exc:
        make_person(actor=prosecutor, first_names="Rosa", documents=[dni("101174102")])
    assert messages(exc.value, "documents") == ["Ya existe una persona registrada con el documento DNI 10117410."]
    assert list(Person.objects.all()) == [first]
    assert IdentityDocument.objects.count() == 1


def test_a_dni_held_only_by_a_person_of_another_agency_is_saved_without_a_word(prosecutor, outsider):
    # refusing would tell the prosecutor that this person is in another agency's records (ADR 0171)
    make_person(actor=outsider, documents=[dni("10117410")])
    person = make_person(actor=prosecutor, documents=[dni("10117410")])
    assert [str(d) for d in person.documents.all()] == ["DNI 10117410"]


def test_it_refuses_the_same_dni_twice_in_one_entry(prosecutor):
    with pytest.raises(ValidationError) as exc:
        make_person(actor=prosecutor, documents=[dni("10117410"), dni("10117410-2")])
    assert messages(exc.value, "documents") == ["El documento DNI 10117410 está repetido."]
    assert_nothing_saved()


def test_it_refuses_an_unknown_kind_of_document(prosecutor):
    with pytest.raises(ValidationError) as exc:
        make_person(actor=prosecutor, documents=[DocumentInput(kind="libreta", number="123")])
    assert messages(exc.value, "documents") == ["Tipo de documento no válido."]
    assert_nothing_saved()


def test_it_refuses_a_dni_of_another_person_on_update_and_keeps_the_documents(prosecutor):
    make_person(actor=prosecutor, documents=[dni("10117410")])
    rosa = make_person(actor=prosecutor, first_names="Rosa", documents=[dni("20000000")])
    with pytest.raises(ValidationError) as exc:
        person_update(actor=prosecutor, person=rosa, expected_version=1, first_names="Rosa Elena",
                      documents=[dni("10117410")])
    assert "Ya existe una persona registrada con el documento DNI 10117410." in messages(exc.value, "documents")
    rosa.refresh_from_db()
    assert rosa.first_names == "Rosa"
    assert rosa.version == 1
    assert list(rosa.documents.values_list("number", flat=True)) == ["20000000"]
    assert ChangeEvent.objects.filter(action="update").count() == 0


def test_a_person_may_keep_her_own_dni_on_update(prosecutor):
    person = make_person(actor=prosecutor, documents=[dni("10117410")])
    updated = person_update(actor=prosecutor, person=person, expected_version=1, documents=[dni("10117410G")])
    assert list(updated.documents.values_list("number", flat=True)) == ["10117410"]


def test_passports_of_different_countries_may_share_a_number(prosecutor):
    from sistra.core.models import Country

    ar, bo = Country.objects.get(code="AR"), Country.objects.get(code="BO")
    make_person(actor=prosecutor, documents=[DocumentInput(kind="passport", number="aa123", country=ar)])
    other = make_person(actor=prosecutor, first_names="Rosa",
                        documents=[DocumentInput(kind="passport", number="AA123", country=bo)])
    assert other.documents.get().number == "AA123"
    with pytest.raises(ValidationError):
        make_person(actor=prosecutor, first_names="Ana",
                    documents=[DocumentInput(kind="passport", number="AA123", country=ar)])


# --- dates and ages -------------------------------------------------------------------------------------


def test_it_refuses_a_birth_date_in_the_future(prosecutor):
    tomorrow = TODAY + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        make_person(actor=prosecutor, date_of_birth=tomorrow)
    assert messages(exc.value, "date_of_birth") == [
        f"La fecha de nacimiento ({tomorrow:%d/%m/%Y}) no puede ser una fecha futura."
    ]
    assert_nothing_saved()


def test_it_refuses_an_estimated_age_over_120(prosecutor):
    with pytest.raises(ValidationError) as exc:
        make_person(actor=prosecutor, estimated_age=121)
    assert messages(exc.value, "estimated_age") == ["La edad estimada debe estar entre 0 y 120 años."]
    assert_nothing_saved()


def test_it_refuses_a_birth_date_that_gives_an_age_over_120(prosecutor):
    dob = TODAY.replace(year=TODAY.year - 121)
    with pytest.raises(ValidationError) as exc:
        make_person(actor=prosecutor, date_of_birth=dob)
    assert messages(exc.value, "date_of_birth") == [
        f"La fecha de nacimiento ({dob:%d/%m/%Y}) daría una edad mayor de 120 años."
    ]
    assert_nothing_saved()


def test_it_accepts_an_age_of_exactly_120(prosecutor):
    person = make_person(actor=prosecutor, date_of_birth=TODAY.replace(year=TODAY.year - 120), estimated_age=120)
    assert person.age_on(TODAY) == 120


def test_it_refuses_a_person_without_first_names(prosecutor):
    with pytest.raises(ValidationError) as exc:
        make_person(actor=prosecutor, first_names="   ")
    assert messages(exc.value, "first_names") == ["Indique los nombres de la persona."]
    assert_nothing_saved()


def test_an_estimated_age_is_dated_today_when_no_date_is_given(prosecutor):
    person = make_person(actor=prosecutor, estimated_age=16)
    assert person.age_estimated_on == TODAY


# --- creation and history -------------------------------------------------------------------------------


def test_it_creates_a_person_owned_by_the_agency_of_the_actor_with_aliases_and_languages(prosecutor, quechua):
    person = make_person(actor=prosecutor, first_names=" José ", aliases=["Pepe", " "], languages=[quechua])
    assert person.owner_agency == prosecutor.agency
    assert person.created_by == prosecutor
    assert person.first_names == "José"
    assert person.version == 1
    assert person.code.startswith("P-")
    assert list(person.aliases.values_list("alias", "alias_key")) == [("Pepe", alias_index("pepe"))]
    assert list(person.languages.all()) == [quechua]


def test_it_writes_a_history_row_with_the_after_state(prosecutor, quechua):
    person = make_person(actor=prosecutor, documents=[dni("10117410")], aliases=["Mary"], languages=[quechua])
    event = ChangeEvent.objects.get()
    assert event.action == "create"
    assert (event.model, event.object_uuid) == ("people.person", person.uuid)
    assert (event.root_model, event.root_uuid) == ("people.person", person.uuid)
    assert event.actor == prosecutor
    assert event.actor_agency == prosecutor.agency
    assert event.before is None
    assert event.after["first_names"] == "María"
    assert event.after["documents"] == ["dni:10117410"]
    assert event.after["aliases"] == ["Mary"]
    assert event.after["languages"] == ["test-quechua"]
    assert "search_key" not in event.after


def test_the_history_row_is_written_in_the_same_transaction(prosecutor, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("audit unavailable")

    monkeypatch.setattr(services, "record_change", broken)
    with pytest.raises(RuntimeError):
        make_person(actor=prosecutor, documents=[dni("10117410")], aliases=["Mary"])
    assert_nothing_saved()


# --- update ---------------------------------------------------------------------------------------------


def test_it_updates_fields_bumps_the_version_and_records_before_and_after(prosecutor):
    person = make_person(actor=prosecutor)
    updated = person_update(actor=prosecutor, person=person, expected_version=1, first_names="María Elena",
                            date_of_birth=datetime.date(2001, 5, 4))
    updated.refresh_from_db()
    assert updated.first_names == "María Elena"
    assert updated.date_of_birth == datetime.date(2001, 5, 4)
    assert updated.version == 2
    assert updated.first_names_key == blind("first-names", "maria elena")
    event = ChangeEvent.objects.get(action="update")
    assert event.object_uuid == person.uuid
    assert event.before["first_names"] == "María"
    assert event.after["first_names"] == "María Elena"
    assert event.before["date_of_birth"] is None
    assert event.after["date_of_birth"] == "2001-05-04"
    assert {"first_names", "date_of_birth", "version"} <= set(event.changed_fields)


def test_an_update_with_a_stale_version_raises_a_conflict_and_changes_nothing(prosecutor, teammate):
    person = make_person(actor=prosecutor, aliases=["Mary"])
    person_update(actor=teammate, person=person, expected_version=1, notes="visto por la colega")
    with pytest.raises(ConflictError) as exc:
        person_update(actor=prosecutor, person=person, expected_version=1, first_names="Otra",
                      aliases=["Otra"], documents=[dni("10117410")])
    assert exc.value.messages == [
        "Otra persona modificó este registro mientras usted lo editaba. Vuelva a cargarlo y repita el cambio."
    ]
    person.refresh_from_db()
    assert person.first_names == "María"
    assert person.notes == "visto por la colega"
    assert person.version == 2
    assert list(person.aliases.values_list("alias", flat=True)) == ["Mary"]
    assert not person.documents.exists()
    assert ChangeEvent.objects.filter(action="update").count() == 1


def test_an_update_refused_for_a_future_birth_date_changes_nothing(prosecutor):
    person = make_person(actor=prosecutor)
    with pytest.raises(ValidationError) as exc:
        person_update(actor=prosecutor, person=person, expected_version=1, notes="x",
                      date_of_birth=TODAY + datetime.timedelta(days=3))
    assert "no puede ser una fecha futura" in messages(exc.value, "date_of_birth")[0]
    person.refresh_from_db()
    assert (person.version, person.notes, person.date_of_birth) == (1, "", None)
    assert ChangeEvent.objects.filter(action="update").count() == 0


def test_an_update_refused_for_an_age_over_120_changes_nothing(prosecutor):
    person = make_person(actor=prosecutor, estimated_age=30)
    with pytest.raises(ValidationError):
        person_update(actor=prosecutor, person=person, expected_version=1, estimated_age=130)
    person.refresh_from_db()
    assert (person.version, person.estimated_age) == (1, 30)


def test_an_update_replaces_aliases_languages_and_documents(prosecutor, quechua, aymara):
    person = make_person(actor=prosecutor, aliases=["Mary", "La Chola"], languages=[quechua],
                         documents=[dni("10117410")])
    updated = person_update(actor=prosecutor, person=person, expected_version=1, aliases=["Marita"],
                            languages=[aymara], documents=[DocumentInput(kind="ce", number="ce-001")])
    assert list(updated.aliases.values_list("alias", flat=True)) == ["Marita"]
    assert list(updated.languages.all()) == [aymara]
    assert list(updated.documents.values_list("kind", "number")) == [("ce", "CE-001")]
    assert PersonAlias.objects.count() == 1
    event = ChangeEvent.objects.get(action="update")
    assert event.before["aliases"] == ["La Chola", "Mary"]
    assert event.after["aliases"] == ["Marita"]
    assert event.before["documents"] == ["dni:10117410"]
    assert event.after["documents"] == ["ce:CE-001"]
    assert (event.before["languages"], event.after["languages"]) == (["test-quechua"], ["test-aymara"])


def test_an_update_without_lists_keeps_aliases_languages_and_documents(prosecutor, quechua):
    person = make_person(actor=prosecutor, aliases=["Mary"], languages=[quechua], documents=[dni("10117410")])
    updated = person_update(actor=prosecutor, person=person, expected_version=1, notes="sin cambios de listas")
    assert list(updated.aliases.values_list("alias", flat=True)) == ["Mary"]
    assert list(updated.languages.all()) == [quechua]
    assert updated.documents.count() == 1


def test_an_update_may_free_a_dni_for_another_person(prosecutor):
    first = make_person(actor=prosecutor, documents=[dni("10117410")])
    person_update(actor=prosecutor, person=first, expected_version=1, documents=[])
    second = make_person(actor=prosecutor, first_names="Rosa", documents=[dni("10117410")])
    assert second.documents.get().number == "10117410"


def test_a_new_estimated_age_is_dated_today(prosecutor):
    person = make_person(actor=prosecutor, estimated_age=14, age_estimated_on=datetime.date(2020, 1, 1))
    updated = person_update(actor=prosecutor, person=person, expected_version=1, estimated_age=20)
    assert (updated.estimated_age, updated.age_estimated_on) == (20, TODAY)


def test_an_update_refuses_unknown_fields(prosecutor):
    person = make_person(actor=prosecutor)
    with pytest.raises(TypeError):
        person_update(actor=prosecutor, person=person, expected_version=1, owner_agency=None)


@pytest.mark.django_db
def test_a_new_person_never_gets_a_pseudonym_already_taken(prosecutor, monkeypatch):
    from sistra.people import services
    from sistra.people.testing import make_person

    first = make_person(actor=prosecutor, first_names="Ana")
    codes = iter([first.code, first.code, "P-NEWCODE1"])
    monkeypatch.setattr(services, "new_person_code", lambda: next(codes))
    second = make_person(actor=prosecutor, first_names="Luz")
    assert second.code == "P-NEWCODE1"
