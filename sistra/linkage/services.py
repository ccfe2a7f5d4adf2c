"""Every write of the record linkage: pending links, stewards' decisions, merge and unmerge. Each records its
change history in the same transaction (audit.record_change)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from sistra.accounts.types import Actor
from sistra.audit.models import ChangeEvent
from sistra.audit.services import record_change
from sistra.core.validation import ConflictError
from sistra.people.matching.registry import person_features, registry_matches
from sistra.people.models import Person

from .access import steward_may_see_pair
from .models import Identity, IdentityMember, LinkageRun, LinkCandidate


def link_new_person_later(person_pk: int) -> None:
    """Hook run after a person is saved (on commit): the look across every agency happens in the background,
    the same way whatever it finds, so the user's request never waits on, or shows, other agencies' records."""
    link_new_person_task.enqueue(person_pk)


def _ordered(a: Person, b: Person) -> tuple[Person, Person]:
    return (a, b) if a.pk < b.pk else (b, a)


@transaction.atomic
def candidate_propose(
    *, a: Person, b: Person, probability: float, band: str, vector, origin: str, run: LinkageRun | None = None
) -> LinkCandidate | None:
    """Record a possible link, unless the pair was already decided (the decision is reused) or is pending."""
    a, b = _ordered(a, b)
    existing = LinkCandidate.objects.filter(person_a=a, person_b=b).first()
    if existing is not None:
        return None
    candidate = LinkCandidate.objects.create(
        person_a=a,
        person_b=b,
        probability=probability,
        band=band,
        vector=list(vector),
        origin=origin,
        run=run,
        version_a=a.version,
        version_b=b.version,
    )
    record_change(
        actor=None,
        action="create",
        instance=candidate,
        root=a,
        after={"pair": [a.code, b.code], "band": band, "origin": origin},
        summary=_("Posible vínculo propuesto"),
    )
    return candidate


def link_new_person(person_pk: int) -> int:
    """Compare a newly saved person with the whole registry; every strong or possible match held by another
    agency, or not already linked, becomes a pending link for the data stewards. Returns how many."""
    person = Person.objects.filter(pk=person_pk).prefetch_related("documents").first()
    if person is None:
        return 0
    found = registry_matches(person_features(person), Person.objects.all(), exclude_pk=person.pk)
    created = 0
    for scored in found:
        if _same_identity(person, scored.person):
            continue
        if candidate_propose(
            a=person,
            b=scored.person,
            probability=scored.probability,
            band=scored.band,
            vector=scored.vector,
            origin=LinkCandidate.Origin.ENTRY,
        ):
            created += 1
    return created


def _active_identity(person: Person) -> Identity | None:
    member = (
        IdentityMember.objects.filter(person=person, removed_at__isnull=True)
        .select_related("identity")
        .first()
    )
    return member.identity if member else None


def _same_identity(a: Person, b: Person) -> bool:
    ia = _active_identity(a)
    return ia is not None and ia == _active_identity(b)


@transaction.atomic
def candidate_decide(
    *, actor: Actor, candidate: LinkCandidate, decision: str, reason: str, expected_version: int
) -> LinkCandidate:
    """A steward's decision on a pair. Refused on a stale pair (decided since, or either record changed)."""
    current = (
        LinkCandidate.objects.select_for_update().select_related("person_a", "person_b").get(pk=candidate.pk)
    )
    errors: dict = {}
    if decision not in (
        LinkCandidate.Status.LINKED,
        LinkCandidate.Status.NOT_SAME,
        LinkCandidate.Status.UNSURE,
    ):
        errors["decision"] = [_("Elija una decisión: misma persona, no es la misma persona o no se sabe.")]
    if not (reason or "").strip():
        errors["reason"] = [_("Indique el motivo de la decisión.")]
    if errors:
        raise ValidationError(errors)
    if current.version != expected_version or current.status not in (
        LinkCandidate.Status.PENDING,
        LinkCandidate.Status.UNSURE,
    ):
        raise ConflictError()
    if (current.person_a.version, current.person_b.version) != (current.version_a, current.version_b):
        raise ValidationError(
            _(
                "Uno de los dos registros cambió desde que se propuso el vínculo: la comparación "
                "ya no vale. Espere a que se vuelva a comparar."
            )
        )
    if not steward_may_see_pair(actor, current):
        raise ValidationError(_("No puede decidir sobre este par."))
    before = {"status": current.status}
    current.status = decision
    current.reason = reason.strip()[:500]
    current.decided_by = actor
    current.decided_at = timezone.now()
    current.version += 1
    current.save()
    record_change(
        actor=actor,
        action="update",
        instance=current,
        root=current.person_a,
        before=before,
        after={"status": decision, "reason": current.reason},
        summary=_("Decisión sobre un posible vínculo"),
    )
    if decision == LinkCandidate.Status.LINKED:
        identity_merge(actor=actor, persons=[current.person_a, current.person_b], reason=current.reason)
    return current


def _may_merge(actor: Actor, persons: list[Person]) -> bool:
    from sistra.accounts.capabilities import Capability, has_capability
    from sistra.people.access import identity_persons

    if has_capability(actor, Capability.LINKAGE_REVIEW_ALL):
        return True
    if not has_capability(actor, Capability.LINKAGE_REVIEW):
        return False
    visible = set(identity_persons(actor).filter(pk__in=[p.pk for p in persons]).values_list("pk", flat=True))
    return visible == {p.pk for p in persons}


@transaction.atomic
def identity_merge(*, actor: Actor, persons: list[Person], reason: str) -> Identity:
    """The records become one identity. Nothing in them changes: cases, contacts, referrals and family links
    stay on their records and are shown together; an unmerge gives each record back as it was."""
    persons = list({p.pk: p for p in persons}.values())
    if len(persons) < 2:
        raise ValidationError(_("Elija al menos dos registros distintos para vincular."))
    # a steward who reached the pair through the review queue may link it; anyone else must see both records
    pair_reviewed = (
        LinkCandidate.objects.filter(
            person_a=min(persons, key=lambda p: p.pk),
            person_b=max(persons, key=lambda p: p.pk),
            status=LinkCandidate.Status.LINKED,
            decided_by=actor,
        ).exists()
        if len(persons) == 2
        else False
    )
    if not (pair_reviewed or _may_merge(actor, persons)):
        raise ValidationError(_("No puede vincular registros que no tiene permitido ver."))
    identities = {
        m.identity_id: m.identity
        for m in IdentityMember.objects.select_for_update()
        .filter(person__in=persons, removed_at__isnull=True)
        .select_related("identity")
    }
    target = (
        min(identities.values(), key=lambda i: i.pk)
        if identities
        else Identity.objects.create(created_by=actor)
    )
    now = timezone.now()
    # members of the other identities move to the target (their old membership ends, with its history)
    for member in IdentityMember.objects.filter(
        identity_id__in=set(identities) - {target.pk}, removed_at__isnull=True
    ):
        member.removed_at, member.removed_by = now, actor
        member.save(update_fields=["removed_at", "removed_by"])
        IdentityMember.objects.create(identity=target, person=member.person, added_by=actor)
    in_target = set(target.members.filter(removed_at__isnull=True).values_list("person_id", flat=True))
    for person in persons:
        if person.pk not in in_target:
            try:
                with transaction.atomic():
                    IdentityMember.objects.create(identity=target, person=person, added_by=actor)
            except IntegrityError:
                raise ConflictError() from None
    codes = sorted(
        IdentityMember.objects.filter(identity=target, removed_at__isnull=True).values_list(
            "person__code", flat=True
        )
    )
    record_change(
        kind=ChangeEvent.Kind.PERSONS_MERGED,
        actor=actor,
        action="update",
        instance=target,
        after={"members": codes, "reason": reason},
        summary=_("Registros vinculados como una misma persona"),
    )
    return target


@transaction.atomic
def identity_unmerge(*, actor: Actor, identity: Identity | None, reason: str) -> list[Person]:
    """Every record of the identity stands alone again, exactly as it was; the memberships stay as history."""
    if identity is None:
        raise ValidationError(_("Este registro no está vinculado con otros: no hay nada que separar."))
    members = list(
        IdentityMember.objects.select_for_update()
        .filter(identity=identity, removed_at__isnull=True)
        .select_related("person")
    )
    if not members:
        raise ValidationError(_("Este registro no está vinculado con otros: no hay nada que separar."))
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Indique el motivo de la separación.")]})
    persons = [m.person for m in members]
    if not _may_merge(actor, persons):
        raise ValidationError(_("No puede separar registros que no tiene permitido ver."))
    now = timezone.now()
    for member in members:
        member.removed_at, member.removed_by = now, actor
        member.save(update_fields=["removed_at", "removed_by"])
    LinkCandidate.objects.filter(
        person_a__in=persons, person_b__in=persons, status=LinkCandidate.Status.LINKED
    ).update(status=LinkCandidate.Status.NOT_SAME)
    record_change(
        kind=ChangeEvent.Kind.PERSONS_UNMERGED,
        actor=actor,
        action="update",
        instance=identity,
        before={"members": sorted(p.code for p in persons)},
        after={"members": [], "reason": reason},
        summary=_("Vinculación deshecha"),
    )
    return persons


def active_identity(person: Person) -> Identity | None:
    return _active_identity(person)


# --- background work (Django's tasks API): defined beside the service that enqueues it, so that services and
# tasks form no import circle; tasks.py lists the tasks for the worker (ADR 0170). Tasks take public
# identifiers.


@task
def link_new_person_task(person_pk: int) -> int:
    return link_new_person(person_pk)
