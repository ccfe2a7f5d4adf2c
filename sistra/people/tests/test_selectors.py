import datetime

import pytest

from sistra.core.testing import make_person
from sistra.people.selectors import document_owner, find_matches, person_search
from sistra.people.services import DocumentInput


def dni(number: str) -> DocumentInput:
    return DocumentInput(kind="dni", number=number)


def matched(matches) -> list:
    return [m.person for m in matches]


@pytest.fixture
def jose(prosecutor):
    return make_person(actor=prosecutor, first_names="José", last_name_paternal="Quispe",
                       last_name_maternal="Mamani", date_of_birth=datetime.date(1990, 3, 15),
                       documents=[dni("10117410")])


@pytest.fixture
def stranger(prosecutor):
    return make_person(actor=prosecutor, first_names="Rosa", last_name_paternal="Flores",
                       last_name_maternal="Huamán", documents=[dni("20000000")])


def test_it_finds_the_person_with_the_same_dni_whatever_the_name(prosecutor, jose, stranger):
    matches = find_matches(actor=prosecutor, first_names="Pedro", last_name_paternal="Rojas",
                           documents=[("dni", "10117410-2")])
    assert matched(matches) == [jose]
    assert matches[0].reasons == ["mismo documento de identidad"]
    assert matches[0].score == 100


def test_it_finds_the_same_names_ignoring_accents_case_and_the_order_of_the_surnames(prosecutor, jose, stranger):
    matches = find_matches(actor=prosecutor, first_names="jose", last_name_paternal="MAMANI",
                           last_name_maternal="quispe")
    assert matched(matches) == [jose]
    assert matches[0].reasons == ["mismos nombres y apellidos"]


def test_it_finds_a_person_registered_with_one_more_first_name(prosecutor, jose):
    matches = find_matches(actor=prosecutor, first_names="José Luis", last_name_paternal="Quispe",
                           last_name_maternal="Mamani")
    assert matched(matches) == [jose]
    assert matches[0].reasons == ["mismos apellidos y primer nombre"]
    assert matches[0].score < 40


def test_a_first_name_that_only_begins_the_same_is_not_a_match(prosecutor, jose):
    assert find_matches(actor=prosecutor, first_names="Josefina", last_name_paternal="Quispe",
                        last_name_maternal="Mamani") == []


def test_other_surnames_are_not_a_match(prosecutor, jose):
    assert find_matches(actor=prosecutor, first_names="José", last_name_paternal="Quispe",
                        last_name_maternal="Condori") == []


def test_it_finds_a_person_whose_alias_is_the_name_typed(prosecutor, stranger):
    chola = make_person(actor=prosecutor, first_names="Juana", last_name_paternal="Ccori", aliases=["Rosita Flores"])
    matches = find_matches(actor=prosecutor, first_names="Rosita", last_name_paternal="Flores",
                           last_name_maternal="Huamán")
    assert matched(matches) == [chola]
    assert matches[0].reasons == ["alias coincidente"]


def test_it_finds_a_nickname_typed_as_the_only_name(prosecutor, stranger):
    chola = make_person(actor=prosecutor, first_names="Juana", aliases=["La Chola"])
    assert matched(find_matches(actor=prosecutor, first_names="la chola")) == [chola]


def test_a_close_birth_date_raises_the_score(prosecutor, jose):
    base = find_matches(actor=prosecutor, first_names="José", last_name_paternal="Quispe",
                        last_name_maternal="Mamani")[0]
    close = find_matches(actor=prosecutor, first_names="José", last_name_paternal="Quispe",
                         last_name_maternal="Mamani", date_of_birth=datetime.date(1991, 1, 1))[0]
    same = find_matches(actor=prosecutor, first_names="José", last_name_paternal="Quispe",
                        last_name_maternal="Mamani", date_of_birth=datetime.date(1990, 3, 15))[0]
    far = find_matches(actor=prosecutor, first_names="José", last_name_paternal="Quispe",
                       last_name_maternal="Mamani", date_of_birth=datetime.date(1960, 1, 1))[0]
    assert base.score < close.score < same.score
    assert far.score == base.score
    assert "fecha de nacimiento cercana" in close.reasons
    assert "misma fecha de nacimiento" in same.reasons


def test_a_close_birth_date_raises_the_score_of_an_alias_match_too(prosecutor):
    make_person(actor=prosecutor, first_names="Juana", date_of_birth=datetime.date(2000, 1, 1),
                aliases=["La Chola"])
    alone = find_matches(actor=prosecutor, first_names="La Chola")[0]
    close = find_matches(actor=prosecutor, first_names="La Chola", date_of_birth=datetime.date(2000, 6, 1))[0]
    assert close.score > alone.score
    assert close.reasons == ["alias coincidente", "fecha de nacimiento cercana"]


def test_the_strongest_match_comes_first(prosecutor, jose):
    namesake = make_person(actor=prosecutor, first_names="José", last_name_paternal="Quispe",
                           last_name_maternal="Mamani")
    matches = find_matches(actor=prosecutor, first_names="José", last_name_paternal="Quispe",
                           last_name_maternal="Mamani", documents=[("dni", "10117410")])
    assert matched(matches) == [jose, namesake]


def test_a_same_document_match_is_never_cut_off_by_many_namesakes(prosecutor):
    for _ in range(5):
        make_person(actor=prosecutor, first_names="María", last_name_paternal="Quispe", last_name_maternal="Mamani")
    holder = make_person(actor=prosecutor, first_names="María", last_name_paternal="Quispe",
                         last_name_maternal="Mamani", documents=[dni("10117410")])
    matches = find_matches(actor=prosecutor, first_names="María", last_name_paternal="Quispe",
                           last_name_maternal="Mamani", documents=[("dni", "10117410")], limit=1)
    assert matched(matches) == [holder]


def test_it_can_leave_out_the_person_being_edited(prosecutor, jose):
    assert find_matches(actor=prosecutor, first_names="José", last_name_paternal="Quispe",
                        last_name_maternal="Mamani", exclude_uuid=jose.uuid) == []


def test_it_finds_nothing_when_nothing_is_given(prosecutor, jose):
    assert find_matches(actor=prosecutor) == []


def test_it_never_returns_a_person_of_another_agency_that_is_not_visible(prosecutor, outsider, jose):
    assert find_matches(actor=outsider, first_names="José", last_name_paternal="Quispe",
                        last_name_maternal="Mamani", documents=[("dni", "10117410")]) == []
    make_person(actor=prosecutor, first_names="Juana", aliases=["La Chola"])
    assert find_matches(actor=outsider, first_names="La Chola") == []


def test_person_search_ignores_accents_and_finds_aliases_among_visible_persons_only(prosecutor, outsider, jose):
    chola = make_person(actor=prosecutor, first_names="Juana", aliases=["La Chola"])
    assert list(person_search(prosecutor, "jose QUISPE")) == [jose]
    assert list(person_search(prosecutor, "chola")) == [chola]
    assert list(person_search(outsider, "quispe")) == []


def test_document_owner_finds_the_holder_of_a_document(jose):
    assert document_owner("dni", "10117410") == jose
    assert document_owner("dni", "99999999") is None


def test_a_person_in_a_case_shared_with_the_agency_can_be_found(prosecutor, outsider, jose):
    from sistra.cases.services import case_share, victim_add
    from sistra.core.testing import make_case

    case = make_case(actor=prosecutor)
    victim_add(actor=prosecutor, case=case, person=jose)
    assert find_matches(actor=outsider, documents=[("dni", "10117410")]) == []
    case_share(actor=prosecutor, case=case, agency=outsider.agency, reason="Investigación conjunta")
    assert matched(find_matches(actor=outsider, documents=[("dni", "10117410")])) == [jose]
