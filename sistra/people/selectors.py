"""Reads of the person registry: likely duplicates at entry, and every role a person holds."""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Value

from sistra.core.text import normalize

from .access import identity_persons
from .models import IdentityDocument, Person, PersonAlias
from .validators import clean_dni


@dataclass
class Match:
    person: Person
    reasons: list[str] = field(default_factory=list)
    score: int = 0


def _document_key(kind: str, number: str) -> str:
    number = (number or "").strip().upper()
    if kind == IdentityDocument.Kind.DNI:
        try:
            return clean_dni(number)
        except ValidationError:
            return number
    return number


def _alias_keys(first_key: str, paternal: str, maternal: str) -> set[str]:
    """What an alias of the same person would look like: the name as typed, with one or both surnames."""
    if not first_key:
        return set()
    if not (paternal or maternal):
        return {first_key}
    combos = ((paternal,), (maternal,), (paternal, maternal), (maternal, paternal))
    return {" ".join((first_key, *(part for part in combo if part))) for combo in combos} - {first_key}


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
    ignoring accents, case and the order of the surnames; an alias equal to the name; close birth date."""
    from django.utils.translation import gettext as _

    first_key = normalize(first_names)
    paternal, maternal = normalize(last_name_paternal), normalize(last_name_maternal)
    surnames_key = " ".join(sorted(k for k in (paternal, maternal) if k))
    doc_numbers = {(kind, _document_key(kind, number)) for kind, number in documents if (number or "").strip()}
    alias_keys = _alias_keys(first_key, paternal, maternal)

    doc_condition = Q(pk__in=[])
    for kind, number in doc_numbers:
        doc_condition |= Q(kind=kind, number=number)
    doc_hit = Exists(IdentityDocument.objects.filter(doc_condition, person=OuterRef("pk")))
    alias_hit = Exists(PersonAlias.objects.filter(person=OuterRef("pk"), alias_key__in=alias_keys))
    # Candidates come from three indexed look-ups united in one subquery, so the registry is never scanned.
    candidates = []
    if doc_numbers:
        candidates.append(IdentityDocument.objects.filter(doc_condition).values("person_id"))
    if surnames_key and first_key:
        first_token = first_key.split()[0]
        # "José" matches "José Luis", not "Josefina"
        candidates.append(Person.objects.filter(
            Q(surnames_key=surnames_key),
            Q(first_names_key=first_token) | Q(first_names_key__startswith=f"{first_token} "),
        ).values("pk"))
    if alias_keys:
        candidates.append(PersonAlias.objects.filter(alias_key__in=alias_keys).values("person_id"))
    if not candidates:
        return []
    candidate_ids = candidates[0].union(*candidates[1:]) if len(candidates) > 1 else candidates[0]
    same_name = Q(surnames_key=surnames_key, first_names_key=first_key) if surnames_key else Q(pk__in=[])
    same_birth = Q(date_of_birth=date_of_birth) if date_of_birth else Q(pk__in=[])
    qs = (
        identity_persons(actor).filter(pk__in=candidate_ids)
        .annotate(
            doc_hit=doc_hit if doc_numbers else Value(False),
            alias_hit=alias_hit if alias_keys else Value(False),
            same_name=ExpressionWrapper(same_name, output_field=BooleanField()),
            same_birth=ExpressionWrapper(same_birth, output_field=BooleanField()),
        )
        # the strongest candidates first, so the cut below never drops a same-document match
        .order_by("-doc_hit", "-same_name", "-same_birth", "-alias_hit", "pk")
        .distinct()
        .prefetch_related("documents")
    )
    if exclude_uuid:
        qs = qs.exclude(uuid=exclude_uuid)
    matches = []
    for person in qs[: limit * 3]:
        match = Match(person=person)
        if person.doc_hit:
            match.reasons.append(_("mismo documento de identidad"))
            match.score += 100
        if surnames_key and person.surnames_key == surnames_key and first_key:
            if person.first_names_key == first_key:
                match.reasons.append(_("mismos nombres y apellidos"))
                match.score += 40
            elif person.first_names_key.split()[:1] == first_key.split()[:1]:
                match.reasons.append(_("mismos apellidos y primer nombre"))
                match.score += 25
        if person.alias_hit:
            match.reasons.append(_("alias coincidente"))
            match.score += 20
        if date_of_birth and person.date_of_birth:
            gap = abs((person.date_of_birth - date_of_birth).days)
            if gap == 0:
                match.reasons.append(_("misma fecha de nacimiento"))
                match.score += 30
            elif gap <= 730:
                match.reasons.append(_("fecha de nacimiento cercana"))
                match.score += 10
        matches.append(match)
    matches.sort(key=lambda m: -m.score)
    return matches[:limit]


def document_owner(kind: str, number: str) -> Person | None:
    doc = IdentityDocument.objects.filter(kind=kind, number=number).select_related("person").first()
    return doc.person if doc else None


def person_search(actor, text: str) -> QuerySet[Person]:
    """Persons matching every word of the text by name or alias, among those whose identity the user may
    see. Text with no word left (punctuation, control characters) finds nobody."""
    tokens = normalize(text).split()
    if not tokens:
        return Person.objects.none()
    qs = identity_persons(actor)
    for token in tokens:
        qs = qs.filter(Q(search_key__contains=token) | Q(aliases__alias_key__contains=token))
    return qs.distinct()


def person_find(actor, text: str) -> QuerySet[Person]:
    """What the person search box finds: the pseudonym code (P-XXXXXXXX) among the persons the user may see;
    and, for roles that see identities, a document number (DNI, passport…) and names or aliases among the
    persons whose identity they may see. The text always travels in a POST body, never in a URL."""
    from .access import can_see_identity, identity_persons, visible_persons

    text = (text or "").strip()
    if not text or "\x00" in text:
        return Person.objects.none()
    by_code = Q(code__iexact=text)
    if not can_see_identity(actor):
        return visible_persons(actor).filter(by_code)
    number = "".join(ch for ch in text if ch.isalnum())
    found = Q(pk__in=identity_persons(actor).filter(documents__number__iexact=number).values("pk")) if (
        number and any(ch.isdigit() for ch in number)
    ) else Q(pk__in=[])
    named = person_search(actor, text).values("pk")
    return visible_persons(actor).filter(by_code | found | Q(pk__in=named)).distinct()
