"""Reads of the person registry: likely duplicates at entry, and every role a person holds."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet

from sistra.accounts.types import Actor
from sistra.core.text import normalize

from .access import identity_persons
from .matching import COMPARISONS, features
from .matching.registry import registry_matches
from .models import IdentityDocument, Person, PersonAlias
from .validators import clean_dni


@dataclass
class Match:
    person: Person
    reasons: list[str] = field(default_factory=list)
    score: int = 0  # the match probability in percent (Fellegi–Sunter, docs/decisions/0170)
    band: str = "possible"


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


def _reasons(vector) -> list[str]:
    from django.utils.translation import gettext as _

    texts = {
        "first_names": [_("mismos nombres"), _("mismo primer nombre"), _("un nombre en común"),
                        _("nombre parecido")],
        "surnames": [_("mismos apellidos"), _("apellidos parecidos"), _("un apellido en común"),
                     _("un apellido en común")],
        "dni": [_("mismo documento de identidad"), _("DNI con un dígito distinto")],
        "birth": [_("misma fecha de nacimiento"), _("fecha de nacimiento con día y mes invertidos o solo el año"),
                  _("mismo año de nacimiento"), _("edad compatible")],
    }
    reasons = []
    for name, level in zip(COMPARISONS, vector, strict=True):
        if level is not None and name in texts and level < len(texts[name]):
            reasons.append(texts[name][level])
    return reasons


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

    visible = identity_persons(actor)
    if exclude_uuid:
        visible = visible.exclude(uuid=exclude_uuid)
    doc_numbers = {(kind, _document_key(kind, number)) for kind, number in documents if (number or "").strip()}
    dni = next((number for kind, number in sorted(doc_numbers) if kind == IdentityDocument.Kind.DNI), "")
    if age_estimated_on is None and estimated_age is not None:
        from sistra.core.validation import today

        age_estimated_on = today()
    target = features(first_names=first_names, last_name_paternal=last_name_paternal,
                      last_name_maternal=last_name_maternal, sex=sex, date_of_birth=date_of_birth,
                      estimated_age=estimated_age, age_estimated_on=age_estimated_on, dni=dni)
    found: dict[int, Match] = {}
    for scored in registry_matches(target, visible):
        found[scored.person.pk] = Match(person=scored.person, reasons=_reasons(scored.vector),
                                        score=int(scored.probability * 100), band=scored.band)
    # the user may open these records anyway: a holder of the same document is always shown
    if doc_numbers:
        doc_condition = Q(pk__in=[])
        for kind, number in doc_numbers:
            doc_condition |= Q(kind=kind, number=number)
        holders = visible.filter(Exists(IdentityDocument.objects.filter(doc_condition, person=OuterRef("pk"))))
        for person in holders.prefetch_related("documents")[:limit]:
            match = found.setdefault(person.pk, Match(person=person, band="strong"))
            if _("mismo documento de identidad") not in match.reasons:
                match.reasons.insert(0, _("mismo documento de identidad"))
            match.score, match.band = 100, "strong"
    alias_keys = _alias_keys(normalize(first_names), normalize(last_name_paternal), normalize(last_name_maternal))
    if alias_keys:
        aliased = visible.filter(Exists(PersonAlias.objects.filter(person=OuterRef("pk"), alias_key__in=alias_keys)))
        for person in aliased.prefetch_related("documents")[:limit]:
            match = found.setdefault(person.pk, Match(person=person, score=50))
            match.reasons.append(_("alias coincidente"))
    matches = sorted(found.values(), key=lambda m: (-m.score, m.person.pk))
    return matches[:limit]


def document_owner(kind: str, number: str) -> Person | None:
    doc = IdentityDocument.objects.filter(kind=kind, number=number).select_related("person").first()
    return doc.person if doc else None


def person_search(actor: Actor, text: str) -> QuerySet[Person]:
    """Persons matching every word of the text by name or alias, among those whose identity the user may
    see. Text with no word left (punctuation, control characters) finds nobody."""
    tokens = normalize(text).split()
    if not tokens:
        return Person.objects.none()
    qs = identity_persons(actor)
    for token in tokens:
        qs = qs.filter(Q(search_key__contains=token) | Q(aliases__alias_key__contains=token))
    return qs.distinct()


def person_find(actor: Actor, text: str) -> QuerySet[Person]:
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
