"""Reads of the person registry: likely duplicates at entry, and every role a person holds."""

import datetime
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet, prefetch_related_objects

from sistra.accounts.types import Actor
from sistra.core.db import id_rows
from sistra.core.text import normalize

from .access import identity_persons, identity_persons_among
from .indexes import (
    PREFIX_MAX,
    alias_index,
    document_index,
    document_number,
    query_token,
    whole_word_token,
    words_of,
)
from .matching import COMPARISONS, features
from .matching.registry import MAX_CANDIDATES, ranked_holders, scored_persons
from .models import IdentityDocument, Person, PersonAlias, PersonSearchToken


@dataclass
class Match:
    person: Person
    reasons: list[str] = field(default_factory=list)
    score: int = 0  # the match probability in percent (Fellegi–Sunter, docs/decisions/0170)
    band: str = "possible"


def _alias_keys(first_key: str, paternal: str, maternal: str) -> set[str]:
    """What an alias of the same person would look like: the name as typed, with one or both surnames."""
    if not first_key:
        return set()
    if not (paternal or maternal):
        return {first_key}
    combos = ((paternal,), (maternal,), (paternal, maternal), (maternal, paternal))
    return {" ".join((first_key, *(part for part in combo if part))) for combo in combos} - {first_key}


def _reasons(vector) -> list[str]:
    from django.utils.translation import get_language

    texts = _reason_texts(get_language())
    reasons = []
    for name, level in zip(COMPARISONS, vector, strict=True):
        if level is not None and name in texts and level < len(texts[name]):
            reasons.append(texts[name][level])
    return reasons


@functools.lru_cache(maxsize=8)
def _reason_texts(language: str | None) -> dict[str, list[str]]:
    """The reasons' texts in one language, translated once (a duplicate check explains up to 300 candidates:
    ~1,700 look-ups of the catalogue a request)."""
    from django.utils.translation import gettext as _

    return {
        "first_names": [_("mismos nombres"), _("mismo primer nombre"), _("un nombre en común"),
                        _("nombre parecido")],
        "surnames": [_("mismos apellidos"), _("apellidos parecidos"), _("un apellido en común"),
                     _("un apellido en común")],
        "dni": [_("mismo documento de identidad"), _("DNI con un dígito distinto")],
        "birth": [_("misma fecha de nacimiento"), _("fecha de nacimiento con día y mes invertidos o solo el año"),
                  _("mismo año de nacimiento"), _("edad compatible")],
    }


def find_matches(
    *,
    actor: Actor,
    first_names: str = "",
    last_name_paternal: str = "",
    last_name_maternal: str = "",
    date_of_birth: datetime.date | None = None,
    documents: Sequence[tuple[str, str]] = (),
    exclude_uuid=None,
    limit: int = 10,
    sex: str | None = None,
    estimated_age: int | None = None,
    age_estimated_on: datetime.date | None = None,
) -> list[Match]:
    """Likely existing records of the same person among those whose identity the user may see, scored by the
    matcher (names as lists, nicknames, sound-alike spellings, DNI near-misses, swapped dates, ages), plus any
    holder of the same document and any alias equal to the name. Only persons the user may see are ever
    looked at, so neither the answer nor its timing depends on records of other agencies."""
    from django.utils.translation import gettext as _

    doc_numbers = {(kind, document_number(kind, number)) for kind, number in documents if (number or "").strip()}
    dni = next((number for kind, number in sorted(doc_numbers) if kind == IdentityDocument.Kind.DNI), "")
    if age_estimated_on is None and estimated_age is not None:
        from sistra.core.validation import today

        age_estimated_on = today()
    target = features(first_names=first_names, last_name_paternal=last_name_paternal,
                      last_name_maternal=last_name_maternal, sex=sex, date_of_birth=date_of_birth,
                      estimated_age=estimated_age, age_estimated_on=age_estimated_on, dni=dni)
    ranked = ranked_holders(target)
    # the holders of the same document and of an alias equal to the name, from their indexes alone
    by_document, by_alias = _document_and_alias_holders(
        [document_index(kind, number) for kind, number in doc_numbers],
        [alias_index(k) for k in _alias_keys(normalize(first_names), normalize(last_name_paternal),
                                             normalize(last_name_maternal))])
    # one statement tests all of them for visibility (the rule planned once: three statements, one for each
    # source, planned it three times — ~10 ms each at the design scale)
    visible = identity_persons(actor)
    if exclude_uuid:
        visible = visible.exclude(uuid=exclude_uuid)
    asked = sorted({*ranked, *by_document, *by_alias})
    seen = set(visible.filter(pk__in=id_rows(asked)).values_list("pk", flat=True))
    candidates = [pk for pk in ranked if pk in seen][:MAX_CANDIDATES]
    # the user may open these records anyway: a holder of the same document is always shown, and so is one
    # with an alias equal to the name
    same_document = [pk for pk in by_document if pk in seen][:limit]
    same_alias = [pk for pk in by_alias if pk in seen][:limit]
    persons = {p.pk: p for p in Person.objects.filter(pk__in=id_rows({*candidates, *same_document, *same_alias}))}
    found: dict[int, Match] = {}
    for scored in scored_persons(target, [persons[pk] for pk in candidates]):
        found[scored.person.pk] = Match(person=scored.person, reasons=_reasons(scored.vector),
                                        score=int(scored.probability * 100), band=scored.band)
    for pk in same_document:
        match = found.setdefault(pk, Match(person=persons[pk], band="strong"))
        if _("mismo documento de identidad") not in match.reasons:
            match.reasons.insert(0, _("mismo documento de identidad"))
        match.score, match.band = 100, "strong"
    for pk in same_alias:
        match = found.setdefault(pk, Match(person=persons[pk], score=50))
        match.reasons.append(_("alias coincidente"))
    matches = sorted(found.values(), key=lambda m: (-m.score, m.person.pk))[:limit]
    # the documents of those shown (the matcher read only the candidates' DNIs)
    prefetch_related_objects([m.person for m in matches], "documents")
    return matches


def _document_and_alias_holders(document_indexes: list[str], alias_indexes: list[str]) -> tuple[list[int], list[int]]:
    """The ids of the persons holding one of these document indexes, and of those holding one of these alias
    indexes, ascending: from the two tables' indexes alone, whoever holds them (the caller tests them for
    visibility). A statement for each kind asked."""
    by_document = by_alias = []
    if document_indexes:
        by_document = sorted(set(IdentityDocument.objects.filter(number_index__in=document_indexes)
                                 .values_list("person_id", flat=True)))
    if alias_indexes:
        by_alias = sorted(set(PersonAlias.objects.filter(alias_key__in=alias_indexes)
                              .values_list("person_id", flat=True)))
    return by_document, by_alias


def document_owner(kind: str, number: str) -> Person | None:
    doc = IdentityDocument.objects.filter(number_index=document_index(kind, number)).select_related("person").first()
    return doc.person if doc else None


# a search by a long word decrypts at most this many candidates found by its first letters
MAX_VERIFIED = 2000


def name_holders(text: str, *, limit: int) -> list[int] | None:
    """The ids of the persons of the whole registry whose names or aliases hold every word of the text, read
    from the word index alone (no person row is touched); None when more than `limit` do. For callers that go
    on to other tables (the cases a named person is in): a list of ids the planner can count, where a subquery
    over a million persons made it walk whole indexes (1.5 s for "Brenda Flores")."""
    words = normalize(text).split()
    if not words:
        return []
    if any(len(word) > PREFIX_MAX for word in words):  # to be confirmed on the decrypted names
        found = list(name_search(text).values_list("pk", flat=True)[: limit + 1])
    else:
        found = list(_holders(words).values_list("person_id", flat=True)[: limit + 1])
    return None if len(found) > limit else found


def _holders(words: list[str], *, whole: bool = False) -> QuerySet:
    """The person ids holding every word, intersected inside the token table: a subquery read from its (token,
    person) index alone, one index a word (each scan comes in person order: the planner merges them). With
    `whole`, a word longer than the indexed prefixes must be held whole."""
    holders: QuerySet | None = None
    for word in words:
        wanted = whole_word_token(word) if whole and len(word) > PREFIX_MAX else query_token(word)
        tokens = PersonSearchToken.objects.filter(token=wanted)
        if holders is not None:
            tokens = tokens.filter(person_id__in=holders)
        holders = tokens.values("person_id")
    assert holders is not None
    return holders


# up to this many holders of the searched words are named by id in the search's statement
HOLDERS_LISTED = 20_000


def name_search(text: str, among: Callable[[Any], list[int]] | None = None) -> QuerySet[Person]:
    """Persons having, for every word of the text, a word of their names or aliases equal to it or beginning
    with it — through the keyed word indexes (sistra.people.indexes), the names being encrypted — of the whole
    registry, or only those `among` keeps (given the holders' ids, a list or a subquery, it returns the ids
    that may be found). Text with no word left (punctuation, control characters) finds nobody."""
    found = _found_by_name(text, among)
    return found if isinstance(found, QuerySet) else Person.objects.filter(pk__in=id_rows(found))


def _found_by_name(text: str, among: Callable[[Any], list[int]] | None) -> list[int] | QuerySet[Person]:
    """name_search's answer: with `among`, the ids it kept (a list, not read back from the database)."""
    words = normalize(text).split()
    if not words:
        return []
    # driven from the index: the persons holding every word, intersected inside the token table (read from its
    # (token, person) index alone) before any person is tested for visibility — at a million persons "María"
    # alone is held by ~19,000, "María Quispe" by ~700
    holders = _holders(words)
    if all(len(word) <= PREFIX_MAX for word in words):
        # every word whole in the index: the holders are the answer, tested for visibility by one statement
        return Person.objects.filter(pk__in=holders) if among is None else among(holders)
    # a word longer than the indexed prefixes: the candidates are decrypted and their words compared. They are
    # named by id: given the subquery and a LIMIT, the planner walked the whole primary key in order (1 s for
    # "Jesús Gutiérrez" at a million persons); given the list, it looks each one up
    listed = list(holders.values_list("person_id", flat=True)[: HOLDERS_LISTED + 1])
    candidates = listed if len(listed) <= HOLDERS_LISTED else holders
    if among is not None:
        candidates = among(candidates)
    qs = Person.objects.filter(pk__in=id_rows(candidates) if isinstance(candidates, list) else candidates)
    # those holding each long word whole need no decrypting: most searches type the whole surname
    # ("Gutiérrez"), and decrypting every holder of its first eight letters was 100 ms
    found = list(qs.filter(pk__in=_holders(words, whole=True)).values_list("pk", flat=True)[:MAX_VERIFIED])
    qs = qs.exclude(pk__in=id_rows(found))
    for person in qs.prefetch_related("aliases")[: MAX_VERIFIED - len(found)]:
        own = words_of(person.first_names, person.last_name_paternal, person.last_name_maternal,
                       *(a.alias for a in person.aliases.all()))
        if all(any(w.startswith(word) for w in own) for word in words):
            found.append(person.pk)
    return found


def person_search(actor: Actor, text: str) -> QuerySet[Person]:
    """Persons matching every word of the text by name or alias, among those whose identity the user may
    see."""
    return name_search(text, among=functools.partial(identity_persons_among, actor))


def person_search_ids(actor: Actor, text: str) -> list[int]:
    """person_search's persons as their ids."""
    found = _found_by_name(text, functools.partial(identity_persons_among, actor))
    assert isinstance(found, list)
    return found


def person_find(actor: Actor, text: str) -> QuerySet[Person]:
    """What the person search box finds: the pseudonym code (P-XXXXXXXX) among the persons the user may see;
    and, for roles that see identities, a document number (DNI, passport…) and names or aliases among the
    persons whose identity they may see. The text always travels in a POST body, never in a URL."""
    return Person.objects.filter(pk__in=id_rows(person_find_ids(actor, text)))


CODE_LENGTH = 12  # Person.code's max_length ("P-" and eight characters fit with room)


def person_find_ids(actor: Actor, text: str) -> list[int]:
    """person_find's persons as their ids, ascending: what a page of results is cut from without asking the
    database again for the count and the order of the same list."""
    from .access import can_see_identity, identity_persons, visible_persons

    text = (text or "").strip()
    if not text or "\x00" in text:
        return []
    # codes are stored in capitals: an equality the unique index answers (iexact compared UPPER(code) of every
    # person the user may see — 0.8 s at a million)
    by_code = Q(code=text.upper())
    # a code has no space and at most twelve characters (Person.code): other text is not looked up as one (the
    # statement plans the whole visibility rule, ~10 ms at the design scale, to find nothing)
    maybe_code = len(text) <= CODE_LENGTH and not any(ch.isspace() for ch in text)
    if not can_see_identity(actor):
        if not maybe_code:
            return []
        return list(visible_persons(actor).filter(by_code).order_by("pk").values_list("pk", flat=True))
    # each source asked on its own, from its index, and only its matches checked for visibility: one query with
    # "visible AND (code OR document OR name)" tested the visibility of every person of the registry
    found = set(visible_persons(actor).filter(by_code).values_list("pk", flat=True)) if maybe_code else set()
    number = "".join(ch for ch in text if ch.isalnum())
    if number and any(ch.isdigit() for ch in number):
        indexes = [document_index(kind, number) for kind in IdentityDocument.Kind.values]
        holders = IdentityDocument.objects.filter(number_index__in=indexes).values("person_id")
        found.update(identity_persons(actor).filter(pk__in=holders).values_list("pk", flat=True))
    found.update(person_search_ids(actor, text))
    return sorted(found)


# up to this many matches are sorted by name as a whole; beyond, pages in registration order, each sorted
SORT_ALL_UP_TO = 300


def name_key(person: Person) -> tuple:
    return (normalize(person.last_name_paternal), normalize(person.last_name_maternal), normalize(person.first_names),
            person.pk)


def page_by_name(persons) -> list[Person]:
    return sorted(persons, key=name_key)


def name_sorted_page(ids: list[int], number, *, per_page: int, queryset: QuerySet[Person] | None = None,
                     prefetch: Sequence[str] = ("documents",)) -> Page:
    """A page of found persons (their ids, ascending) by surname and name. The names are encrypted (ADR 0210),
    so the database cannot order them: up to SORT_ALL_UP_TO are sorted here as a whole; more come in
    registration order, each page sorted by name. The persons are read once from `queryset` (what the caller
    reads of each, Person.objects by default), and only the page's own get `prefetch`; the count is the list's
    length."""
    base = Person.objects.all() if queryset is None else queryset.prefetch_related(None)
    page: Page
    if len(ids) <= SORT_ALL_UP_TO:
        page = Paginator(sorted(base.filter(pk__in=id_rows(ids)), key=name_key), per_page).get_page(number)
        persons = list(page.object_list)
    else:
        page = Paginator(ids, per_page).get_page(number)
        persons = page_by_name(base.filter(pk__in=id_rows([int(pk) for pk in page.object_list])))
    prefetch_related_objects(persons, *prefetch)
    page.object_list = persons
    return page
