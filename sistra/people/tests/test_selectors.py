import datetime

import pytest

from sistra.people.selectors import document_owner, find_matches, person_search
from sistra.people.services import DocumentInput
from sistra.people.testing import make_person


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
    assert matches[0].reasons == ["mismos nombres", "mismos apellidos"]
    assert matches[0].band == "strong"


def test_a_nickname_stands_for_the_given_name(prosecutor, jose):
    matches = find_matches(actor=prosecutor, first_names="Pepe", last_name_paternal="Quispe",
                           last_name_maternal="Mamani", date_of_birth=datetime.date(1990, 3, 15))
    assert matched(matches) == [jose]
    assert matches[0].band == "strong"


def test_two_surnames_typed_in_one_field_and_a_sound_alike_spelling_are_the_same_person(prosecutor, jose):
    matches = find_matches(actor=prosecutor, first_names="JOSE", last_name_paternal="Kispe Mamani",
                           date_of_birth=datetime.date(1990, 3, 15))
    assert matched(matches) == [jose]
    assert "apellidos parecidos" in matches[0].reasons


def test_a_dni_with_two_digits_swapped_counts_when_the_names_agree(prosecutor, jose):
    matches = find_matches(actor=prosecutor, first_names="José", last_name_paternal="Quispe",
                           documents=[("dni", "10114710")])
    assert matched(matches) == [jose]
    assert "DNI con un dígito distinto" in matches[0].reasons


def test_a_birth_date_with_day_and_month_swapped_counts(prosecutor):
    rosa = make_person(actor=prosecutor, first_names="Rosa", last_name_paternal="Ccori",
                       date_of_birth=datetime.date(2004, 3, 7))
    matches = find_matches(actor=prosecutor, first_names="Rosa", last_name_paternal="Ccori",
                           date_of_birth=datetime.date(2004, 7, 3))
    assert matched(matches) == [rosa]
    assert "fecha de nacimiento con día y mes invertidos o solo el año" in matches[0].reasons


def test_a_person_registered_with_one_more_first_name_is_found(prosecutor, jose):
    matches = find_matches(actor=prosecutor, first_names="José Luis", last_name_paternal="Quispe",
                           last_name_maternal="Mamani")
    assert matched(matches) == [jose]
    assert matches[0].reasons == ["mismo primer nombre", "mismos apellidos"]


def test_a_first_name_that_only_begins_the_same_is_at_most_a_possible_match(prosecutor, jose):
    matches = find_matches(actor=prosecutor, first_names="Josefina", last_name_paternal="Quispe",
                           last_name_maternal="Mamani")
    assert [m.band for m in matches] == ["possible"]


def test_other_surnames_are_not_a_match(prosecutor, jose):
    assert find_matches(actor=prosecutor, first_names="José", last_name_paternal="Rojas",
                        last_name_maternal="Condori") == []


def test_a_different_birth_date_is_no_match(prosecutor, jose):
    assert find_matches(actor=prosecutor, first_names="José", last_name_paternal="Quispe",
                        last_name_maternal="Mamani", date_of_birth=datetime.date(1960, 8, 1)) == []


def test_it_finds_a_person_whose_alias_is_the_name_typed(prosecutor, stranger):
    chola = make_person(actor=prosecutor, first_names="Juana", last_name_paternal="Ccori", aliases=["Rosita Flores"])
    matches = find_matches(actor=prosecutor, first_names="Rosita", last_name_paternal="Flores",
                           last_name_maternal="Pérez")
    assert matched(matches) == [chola]
    assert matches[0].reasons == ["alias coincidente"]


def test_it_finds_a_nickname_typed_as_the_only_name(prosecutor, stranger):
    chola = make_person(actor=prosecutor, first_names="Juana", aliases=["La Chola"])
    assert matched(find_matches(actor=prosecutor, first_names="la chola")) == [chola]


def test_a_close_birth_date_raises_the_score(prosecutor, jose):
    base = find_matches(actor=prosecutor, first_names="José", last_name_paternal="Quispe")[0]
    same = find_matches(actor=prosecutor, first_names="José", last_name_paternal="Quispe",
                        date_of_birth=datetime.date(1990, 3, 15))[0]
    assert base.score < same.score
    assert "misma fecha de nacimiento" in same.reasons


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
    from sistra.cases.testing import make_case

    case = make_case(actor=prosecutor)
    victim_add(actor=prosecutor, case=case, person=jose)
    assert find_matches(actor=outsider, documents=[("dni", "10117410")]) == []
    case_share(actor=prosecutor, case=case, agency=outsider.agency, reason="Investigación conjunta")
    assert matched(find_matches(actor=outsider, documents=[("dni", "10117410")])) == [jose]


def test_name_holders_lists_who_holds_every_word_from_the_index(prosecutor):
    from sistra.people.selectors import name_holders

    ana = make_person(actor=prosecutor, first_names="Ana Lucía", last_name_paternal="Gutiérrez",
                      last_name_maternal="Quispe")
    make_person(actor=prosecutor, first_names="Ana", last_name_paternal="Mamani")
    make_person(actor=prosecutor, first_names="Rosa", last_name_paternal="Quispe")

    assert name_holders("ana quispe", limit=10) == [ana.pk]
    assert name_holders("Luc Gutiérrez", limit=10) == [ana.pk]  # a word past the indexed prefixes: checked
    assert name_holders("gutierrezz", limit=10) == []
    assert len(name_holders("quispe", limit=2) or []) == 2  # Ana and Rosa
    assert name_holders("quispe", limit=1) is None  # more holders than the limit
    assert name_holders("  ", limit=10) == []


def test_a_long_word_held_whole_is_found_without_decrypting_and_a_longer_one_after(prosecutor, monkeypatch):
    from sistra.people import selectors

    whole = make_person(actor=prosecutor, first_names="Ana", last_name_paternal="Bustamante")
    longer = make_person(actor=prosecutor, first_names="Ana", last_name_paternal="Bustamantes")
    make_person(actor=prosecutor, first_names="Ana", last_name_paternal="Bustos")
    decrypted = []
    original = selectors.words_of
    monkeypatch.setattr(selectors, "words_of", lambda *names: decrypted.append(names) or original(*names))

    assert set(selectors.person_search(prosecutor, "ana bustamante")) == {whole, longer}
    assert len(decrypted) == 1  # only the holder of a longer word was decrypted to compare
    assert list(selectors.person_search(prosecutor, "Ana Bustamantes")) == [longer]


def test_match_reasons_are_translated_once_per_language_and_follow_each_request():
    from django.utils import translation

    from sistra.people.selectors import _reasons

    vector = (0, 0, None, None, None)  # same first names, same surnames
    with translation.override("en"):
        english = _reasons(vector)
    with translation.override("es-pe"):
        spanish = _reasons(vector)
    with translation.override("en"):
        assert _reasons(vector) == english
    assert spanish == ["mismos nombres", "mismos apellidos"]
    assert english and english != spanish and "mismos nombres" not in english


def test_the_duplicate_check_asks_the_same_statements_for_one_candidate_as_for_many(prosecutor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    numbers = ["41523678", "52634789", "63745891", "74856912", "85967123", "96178234"]

    def rosa(number):
        return make_person(actor=prosecutor, first_names="Rosa", last_name_paternal="Quispe",
                           last_name_maternal="Mamani", documents=[dni(number)])

    def check():
        with CaptureQueriesContext(connection) as queries:
            found = find_matches(actor=prosecutor, first_names="Rosa", last_name_paternal="Quispe",
                                 last_name_maternal="Mamani")
            # the documents of the matches shown come with them
            shown = sorted(d.number for p in matched(found) for d in p.documents.all())
        return shown, len(queries.captured_queries)

    rosa(numbers[0])
    shown, statements = check()
    assert shown == numbers[:1]
    for number in numbers[1:]:
        rosa(number)
    shown, statements_for_many = check()
    assert shown == numbers and statements_for_many == statements
    # each candidate is scored with her own DNI: a near miss of one (last two digits swapped) puts her first
    best = find_matches(actor=prosecutor, first_names="Rosa", last_name_paternal="Quispe",
                        last_name_maternal="Mamani", documents=[("dni", "74856921")])
    assert [d.number for d in best[0].person.documents.all()] == ["74856912"]
    assert best[0].score > best[1].score


def test_the_duplicate_check_tests_visibility_once_for_the_ranked_the_document_and_the_alias_holders(
        prosecutor, outsider, jose):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    chola = make_person(actor=prosecutor, first_names="Juana", last_name_paternal="Ccori",
                        aliases=["Pedro Rojas"])
    # another agency's persons holding the same document and the same alias are never shown
    make_person(actor=outsider, first_names="Teodoro", last_name_paternal="Vilca", documents=[dni("10117410")])
    make_person(actor=outsider, first_names="Eva", last_name_paternal="Soto", aliases=["Pedro Rojas"])
    make_person(actor=outsider, first_names="Pedro", last_name_paternal="Rojas")
    with CaptureQueriesContext(connection) as queries:
        matches = find_matches(actor=prosecutor, first_names="Pedro", last_name_paternal="Rojas",
                               documents=[("dni", "10117410")])
    assert [(m.person, m.band) for m in matches] == [(jose, "strong"), (chola, "possible")]
    assert matches[0].reasons == ["mismo documento de identidad"] and matches[1].reasons == ["alias coincidente"]
    # the agency's rule (its own persons, shares, cases…) is in one statement only
    assert sum('"owner_agency_id" =' in q["sql"] for q in queries.captured_queries) == 1
