"""Reads of the person registry: likely duplicates at entry, and every role a person holds."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from sistra.core.text import normalize

from .access import visible_persons
from .models import IdentityDocument, Person


@dataclass
class Match:
    person: Person
    reasons: list[str] = field(default_factory=list)
    score: int = 0


def find_matches(
    *,
    actor,
    first_names: str = "",
    last_name_paternal: str = "",
    last_name_maternal: str = "",
    date_of_birth: datetime.date | None = None,
    documents: list[tuple[str, str]] = (),
    exclude_uuid=None,
    limit: int = 10,
) -> list[Match]:
    """Likely existing records of the same person among those the user may see: same document; same names
    ignoring accents, case and the order of the surnames; close birth date."""
    from django.utils.translation import gettext as _

    first_key = normalize(first_names)
    surnames = sorted(k for k in (normalize(last_name_paternal), normalize(last_name_maternal)) if k)
    surnames_key = " ".join(surnames)
    condition = Q(pk__in=[])
    doc_numbers = {(kind, number.strip().upper()[:8] if kind == "dni" else number.strip().upper())
                   for kind, number in documents if number}
    for kind, number in doc_numbers:
        condition |= Q(documents__kind=kind, documents__number=number)
    if surnames_key and first_key:
        first_token = first_key.split()[0]
        condition |= Q(surnames_key=surnames_key, first_names_key__startswith=first_token)
        condition |= Q(aliases__alias_key=f"{first_key} {surnames[0]}")
    elif first_key:
        condition |= Q(aliases__alias_key=first_key)
    qs = visible_persons(actor).filter(condition).distinct().prefetch_related("documents")
    if exclude_uuid:
        qs = qs.exclude(uuid=exclude_uuid)
    matches = []
    for person in qs[: limit * 3]:
        match = Match(person=person)
        person_docs = {(d.kind, d.number.upper()) for d in person.documents.all()}
        if doc_numbers & person_docs:
            match.reasons.append(_("mismo documento de identidad"))
            match.score += 100
        if surnames_key and person.surnames_key == surnames_key:
            match.reasons.append(_("mismos nombres y apellidos"))
            match.score += 40 if person.first_names_key == first_key else 25
        if date_of_birth and person.date_of_birth:
            gap = abs((person.date_of_birth - date_of_birth).days)
            if gap == 0:
                match.reasons.append(_("misma fecha de nacimiento"))
                match.score += 30
            elif gap <= 730:
                match.reasons.append(_("fecha de nacimiento cercana"))
                match.score += 10
        if not match.reasons:
            match.reasons.append(_("alias coincidente"))
            match.score += 20
        matches.append(match)
    matches.sort(key=lambda m: -m.score)
    return matches[:limit]


def document_owner(kind: str, number: str) -> Person | None:
    doc = IdentityDocument.objects.filter(kind=kind, number=number).select_related("person").first()
    return doc.person if doc else None


def person_search(actor, text: str) -> QuerySet[Person]:
    key = normalize(text)
    qs = visible_persons(actor)
    for token in key.split():
        qs = qs.filter(Q(search_key__contains=token) | Q(aliases__alias_key__contains=token))
    return qs.distinct()
