"""The matcher against the registry: blocking keys stored on each person, candidates by index look-up."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, QuerySet

from sistra.core.db import id_rows

from .compare import Features, blocking_keys, features
from .model import NONE, Model, default_model

if TYPE_CHECKING:
    from sistra.people.models import Person

MAX_CANDIDATES = 300


def person_features(person, *, dni: str | None = None) -> Features:
    if dni is None:
        dni = next((d.number for d in person.documents.all() if d.kind == "dni"), "")
    return features(
        first_names=person.first_names,
        last_name_paternal=person.last_name_paternal,
        last_name_maternal=person.last_name_maternal,
        sex=person.sex,
        date_of_birth=person.date_of_birth,
        estimated_age=person.estimated_age,
        age_estimated_on=person.age_estimated_on,
        dni=dni,
    )


def _dni_numbers(ids: list[int]) -> dict[int, str]:
    """Each person's DNI (the first by id, as person_features takes it from the prefetched documents), read as
    two columns: the candidates' documents as model instances, and a queryset over them per person, were a
    tenth of a duplicate check at the design scale."""
    from sistra.people.models import IdentityDocument

    found: dict[int, str] = {}
    rows = IdentityDocument.objects.filter(person_id__in=id_rows(ids), kind="dni").order_by("person_id", "pk")
    for person_id, number in rows.values_list("person_id", "number"):
        found.setdefault(person_id, number)
    return found


def stored_keys(f: Features) -> set[str]:
    """The blocking keys as the registry stores them: keyed (sistra.core.crypto.blind), so that a phonetic
    code of a name or a DNI cannot be read back from the table."""
    from sistra.core.crypto import blind

    return {blind("match", key) for key in blocking_keys(f)}


def refresh_match_keys(person) -> None:
    from ..models import PersonMatchKey

    keys = stored_keys(person_features(person))
    PersonMatchKey.objects.filter(person=person).exclude(key__in=keys).delete()
    existing = set(PersonMatchKey.objects.filter(person=person).values_list("key", flat=True))
    PersonMatchKey.objects.bulk_create(
        [PersonMatchKey(person=person, key=k) for k in sorted(keys - existing)]
    )


@dataclass
class Scored:
    person: Person
    probability: float
    band: str
    vector: tuple


# the holders of the keys sharing the most with the target that are tested for visibility: beyond, a
# holder shares a single key with it (a surname and a birth year, say), never a candidate a reviewer needs
RANK_WINDOW = 2000


def registry_matches(
    target: Features,
    persons: QuerySet,
    *,
    model: Model | None = None,
    exclude_pk=None,
    minimum_band: str = "possible",
) -> list[Scored]:
    """Persons of `persons` (already restricted to what the caller may look at) sharing a blocking key with the
    target, scored; those at or above the band, best first."""
    from ..models import PersonMatchKey

    model = model or default_model()
    keys = stored_keys(target)
    if not keys:
        return []
    # driven from the key index: the holders of the keys ranked by how many they share, read from the (key,
    # person) index alone, and only the best ranked tested for visibility (at a million persons a common name's
    # keys are held by ~16,000 persons: testing them all cost 0.47 s, ranking them 7 ms). Always the same two
    # statements, whatever the registry holds: nothing the user may not see changes what is asked.
    ranked = (
        PersonMatchKey.objects.filter(key__in=keys)
        .values("person_id")
        .annotate(shared=Count("*"))
        .order_by("-shared", "person_id")
        .values_list("person_id", flat=True)[:RANK_WINDOW]
    )
    order = list(ranked)
    # the ranked ids named as one parameter (as a subquery the ranking ran a second time inside this statement)
    visible = set(persons.filter(pk__in=id_rows(order)).values_list("pk", flat=True))
    ids = [pk for pk in order if pk in visible][:MAX_CANDIDATES]
    if exclude_pk is not None:
        ids = [i for i in ids if i != exclude_pk]
    # the ids as one parameter: Django prepares each of 300 placeholders one by one (~3 ms)
    candidates = persons.model.objects.filter(pk__in=id_rows(ids))
    dnis = _dni_numbers(ids)
    result = []
    for person in candidates:
        probability, vector = model.score(target, person_features(person, dni=dnis.get(person.pk, "")))
        band = model.band(probability)
        if band == NONE or (minimum_band == "strong" and band != "strong"):
            continue
        result.append(Scored(person=person, probability=probability, band=band, vector=vector))
    result.sort(key=lambda s: (-s.probability, s.person.pk))
    return result
