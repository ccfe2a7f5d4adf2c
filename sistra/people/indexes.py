"""The keyed indexes that keep encrypted identities searchable (sistra.core.crypto, docs/decisions/0210).

Names, aliases and document numbers are stored encrypted; what the registry searches by is their blind
indexes: the whole first names and the sorted surnames (the HTCDS exchange matches on those), each alias, each
document (kind and normalised number), each word of the names and aliases and its first three to eight
letters, the word itself included when it has no more than eight (the search box: a searched word is then one
index, docs/decisions/0227), and the matcher's blocking keys (phonetic codes, DNI, surname with birth year).
Nothing here is readable without the index key."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from sistra.core.crypto import blind
from sistra.core.text import normalize

PREFIX_MIN, PREFIX_MAX = 3, 8


def first_names_value(person) -> str:
    return normalize(person.first_names)


def surnames_value(person) -> str:
    return " ".join(sorted(k for k in (normalize(person.last_name_paternal), normalize(person.last_name_maternal)) if k))


def alias_value(alias) -> str:
    return normalize(alias.alias)


def document_number(kind: str, number: str) -> str:
    """A document number as the registry compares it: upper case, no spaces; a DNI by its eight digits."""
    number = "".join((number or "").split()).upper()
    if kind == "dni":
        from .validators import clean_dni

        try:
            return clean_dni(number)
        except ValidationError:
            return number
    return number


def document_value(document) -> str:
    number = document_number(document.kind, document.number)
    return f"{document.kind}:{number}" if number else ""


def document_index(kind: str, number: str) -> str:
    number = document_number(kind, number)
    return blind("document", f"{kind}:{number}") if number else ""


def alias_index(text: str) -> str:
    return blind("alias", normalize(text))


def words_of(*texts: str) -> set[str]:
    return {word for text in texts for word in normalize(text).split()}


def word_tokens(words: set[str]) -> set[str]:
    """The indexes stored for a person's words: each word, and its prefixes of three to eight letters — a word of
    three to eight letters is a prefix of itself, so that a searched word is found by one index (query_token)."""
    tokens = set()
    for word in words:
        tokens.add(blind("word", word))
        for size in range(PREFIX_MIN, min(len(word), PREFIX_MAX) + 1):
            tokens.add(blind("prefix", word[:size]))
    return tokens


def whole_word_token(word: str) -> str:
    """The index of the word itself (not of its prefixes): a person holding it holds that exact word."""
    return blind("word", normalize(word))


def query_token(word: str) -> str:
    """The one index a searched word goes by: the word itself when shorter than three letters; otherwise its
    first eight letters as a prefix, held by every person with a word equal to it or beginning with it (a word
    longer than eight letters is then confirmed on the decrypted names, or by its whole-word index). One index a
    word, the holders of two words are the merge of two scans of the (token, person) index in person order;
    asked as "word or prefix", PostgreSQL hashed both sides (121 against 25 ms for "Luz Torres" at a million
    persons, docs/decisions/0227)."""
    word = normalize(word)
    if len(word) < PREFIX_MIN:
        return blind("word", word)
    return blind("prefix", word[:PREFIX_MAX])


def person_word_tokens(person, aliases: list[str] | None = None) -> set[str]:
    if aliases is None:
        aliases = [a.alias for a in person.aliases.all()]
    return word_tokens(words_of(person.first_names, person.last_name_paternal, person.last_name_maternal, *aliases))


def refresh_search_tokens(person) -> None:
    from .models import PersonSearchToken

    tokens = person_word_tokens(person)
    PersonSearchToken.objects.filter(person=person).exclude(token__in=tokens).delete()
    existing = set(PersonSearchToken.objects.filter(person=person).values_list("token", flat=True))
    PersonSearchToken.objects.bulk_create(
        [PersonSearchToken(person=person, token=t) for t in sorted(tokens - existing)]
    )
