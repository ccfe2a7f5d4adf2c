"""Reads of the record linkage: the review queue, what a steward sees of a pair, the surviving values of an
identity, and the records linked to a person."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from sistra.accounts.types import Actor
from sistra.people.models import Person

from .access import sees_identity_in_review, steward_candidates
from .models import IdentityMember, LinkCandidate

# which source is believed first when records disagree (a case file is checked against documents; a hotline
# caller may give a nickname)
SOURCE_RANK = {"case": 0, "assistance": 1, "clinic": 2, "hotline": 3}


def review_queue(actor: Actor, *, status: str = LinkCandidate.Status.PENDING) -> QuerySet[LinkCandidate]:
    return (
        steward_candidates(actor)
        .filter(status=status)
        .select_related("person_a", "person_b", "person_a__owner_agency", "person_b__owner_agency")
        .order_by("-probability", "pk")
    )


@dataclass
class Side:
    """One record of a pair as the steward may see it: identity fields only where allowed."""

    person: Person
    identity: bool
    agency: str
    rows: list[tuple[str, str]]


def _age_band(person: Person) -> str:
    age = person.age_on(timezone.localdate())
    if age is None:
        return "—"
    low = (age // 5) * 5
    return f"{low}–{low + 4}"


def side(actor: Actor, person: Person) -> Side:
    identity = sees_identity_in_review(actor, person)
    rows = [
        (_("Código"), person.code),
        (_("Sexo / género"), person.get_sex_display()),
        (_("Edad (rango)"), _age_band(person)),
    ]
    if identity:
        rows = [
            (_("Código"), person.code),
            (_("Nombres"), person.first_names),
            (_("Apellido paterno"), person.last_name_paternal or "—"),
            (_("Apellido materno"), person.last_name_maternal or "—"),
            (_("Sexo / género"), person.get_sex_display()),
            (
                _("Fecha de nacimiento"),
                person.date_of_birth.strftime("%d/%m/%Y") if person.date_of_birth else "—",
            ),
            (_("Edad estimada"), str(person.estimated_age) if person.estimated_age is not None else "—"),
            (_("Documentos"), ", ".join(str(d) for d in person.documents.all()) or "—"),
        ]
    return Side(person=person, identity=identity, agency=person.owner_agency.name, rows=rows)


def linked_persons(person: Person) -> list[Person]:
    """The other records of the same identity (whoever may see them: callers filter)."""
    member = IdentityMember.objects.filter(person=person, removed_at__isnull=True).first()
    if member is None:
        return []
    return [
        m.person
        for m in IdentityMember.objects.filter(identity_id=member.identity_id, removed_at__isnull=True)
        .exclude(person=person)
        .select_related("person")
        .order_by("person__pk")
    ]


def visible_linked_persons(actor: Actor, person: Person) -> list[Person]:
    """The other records of the person's identity that the viewer may see (the timeline's provider)."""
    from sistra.people.access import visible_persons

    others = linked_persons(person)
    if not others:
        return []
    allowed = set(visible_persons(actor).filter(pk__in=[p.pk for p in others]).values_list("pk", flat=True))
    return [p for p in others if p.pk in allowed]


def surviving_values(persons: list[Person]) -> dict:
    """Survivorship: for each field the value shown for the identity. Names from the record with a DNI, then
    the oldest record; a full birth date over a 1 January (year only) over an estimated age; documents and
    aliases from every record."""

    def rank(p: Person):
        has_dni = any(d.kind == "dni" for d in p.documents.all())
        return (not has_dni, p.created_at if hasattr(p, "created_at") else 0, p.pk)

    ordered = sorted(persons, key=rank)
    best = ordered[0]
    values: dict[str, object] = {
        "first_names": best.first_names,
        "last_name_paternal": best.last_name_paternal,
        "last_name_maternal": best.last_name_maternal,
    }
    for field in ("last_name_maternal", "last_name_paternal"):
        if not values[field]:
            values[field] = next((getattr(p, field) for p in ordered if getattr(p, field)), "")
    dates = [p.date_of_birth for p in ordered if p.date_of_birth]
    full = [d for d in dates if (d.month, d.day) != (1, 1)]
    values["date_of_birth"] = (full or dates)[0] if dates else None
    values["sex"] = next((p.sex for p in ordered if p.sex not in ("unknown", "")), "unknown")
    values["documents"] = sorted({str(d) for p in ordered for d in p.documents.all()})
    return values
