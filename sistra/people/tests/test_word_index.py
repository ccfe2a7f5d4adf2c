"""The name search's word index (sistra.people.indexes, docs/decisions/0227): a searched word goes by one
index, held by every person with that word or a longer one it begins; people 0008 adds that index to persons
registered before it."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

from sistra.people.indexes import query_token, whole_word_token, word_tokens
from sistra.people.models import PersonSearchToken
from sistra.people.selectors import name_holders, person_search
from sistra.people.testing import make_person


@pytest.mark.parametrize(
    ("searched", "held", "found"),
    [
        ("luz", "luz", True),  # the word itself, three letters
        ("torres", "torres", True),
        ("quispehu", "quispehu", True),  # eight letters: still a prefix of itself
        ("luz", "luzmila", True),  # a longer word it begins
        ("lu", "lu", True),  # under three letters: the word only
        ("lu", "luz", False),
        ("luz", "lucia", False),
        ("katherine", "katherine", True),  # past eight letters: its first eight, confirmed later
        ("katherine", "katherina", True),  # a candidate the decrypted names rule out
        ("torres", "torre", False),
    ],
)
def test_a_searched_word_is_one_index_held_by_the_word_and_the_longer_words_it_begins(searched, held, found):
    assert (query_token(searched) in word_tokens({held})) is found


def test_the_holders_of_each_word_are_asked_by_one_index_each(prosecutor):
    luz = make_person(actor=prosecutor, first_names="Luz", last_name_paternal="Torres")
    luzmila = make_person(actor=prosecutor, first_names="Luzmila", last_name_paternal="Torresano")
    make_person(actor=prosecutor, first_names="Lucía", last_name_paternal="Torres")
    make_person(actor=prosecutor, first_names="Luz", last_name_paternal="Torre")

    with CaptureQueriesContext(connection) as queries:
        holders = name_holders("Luz Torres", limit=10)
    assert sorted(holders) == sorted([luz.pk, luzmila.pk])
    (statement,) = [q["sql"] for q in queries.captured_queries if "people_personsearchtoken" in q["sql"]]
    # one index a word, compared by equality: each scan in person order, merged (no "IN (word, prefix)")
    assert statement.count(query_token("luz")) == 1 and statement.count(query_token("torres")) == 1
    assert " IN ('" not in statement
    assert set(person_search(prosecutor, "luz torres")) == {luz, luzmila}


def test_a_long_word_is_confirmed_on_the_names_and_its_whole_index(prosecutor):
    katherine = make_person(actor=prosecutor, first_names="Katherine", last_name_paternal="Mamani")
    make_person(actor=prosecutor, first_names="Katherina", last_name_paternal="Mamani")
    make_person(actor=prosecutor, first_names="Katherin", last_name_paternal="Mamani")

    assert PersonSearchToken.objects.filter(person=katherine, token=whole_word_token("katherine")).exists()
    assert list(person_search(prosecutor, "Katherine Mamani")) == [katherine]


@pytest.mark.django_db(transaction=True)
def test_persons_indexed_before_people_0008_are_found_by_a_word_they_hold_whole(prosecutor):
    luz = make_person(actor=prosecutor, first_names="Luz Aurora", last_name_paternal="Ccama")
    luzmila = make_person(actor=prosecutor, first_names="Luzmila", last_name_paternal="Ccamac")
    own_prefixes = [query_token(word) for word in ("luz", "aurora", "ccama")]
    # the index as people 0007 left it: no word of three to eight letters was a prefix of itself
    PersonSearchToken.objects.filter(person=luz, token__in=own_prefixes).delete()
    assert list(person_search(prosecutor, "luz ccama")) == [luzmila]  # she holds longer words, Luz lost hers

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([("people", "0007_token_and_key_indexes")])
    executor.loader.build_graph()
    executor.migrate([("people", "0008_words_as_their_own_prefix")])
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert set(PersonSearchToken.objects.filter(person=luz, token__in=own_prefixes).values_list(
        "token", flat=True)) == set(own_prefixes)
    assert set(person_search(prosecutor, "luz ccama")) == {luz, luzmila}
    assert list(person_search(prosecutor, "Aurora")) == [luz]
    # run again over the rows it wrote, it adds nothing
    count = PersonSearchToken.objects.count()
    executor.migrate([("people", "0007_token_and_key_indexes")])
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert PersonSearchToken.objects.count() == count


def test_text_that_cannot_be_a_code_is_not_looked_up_as_one_and_a_code_still_is(prosecutor):
    from sistra.people.models import Person
    from sistra.people.selectors import CODE_LENGTH, person_find_ids

    assert Person._meta.get_field("code").max_length == CODE_LENGTH
    person = make_person(actor=prosecutor, first_names="Rosa", last_name_paternal="Condori")
    with CaptureQueriesContext(connection) as queries:
        assert person_find_ids(prosecutor, "rosa condori") == [person.pk]
    assert not any('"code" =' in q["sql"] for q in queries.captured_queries)
    assert person_find_ids(prosecutor, f" {person.code.lower()} ") == [person.pk]
