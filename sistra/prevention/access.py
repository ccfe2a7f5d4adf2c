"""The only way to fetch prevention records for a user.

- Training events and campaigns belong to the agency that recorded them: its prevention staff
  (PREVENTION_VIEW) see them; anyone else gets a 404.
- At-risk families and their children are protected as victims are. The owning agency's prevention staff
  (FAMILY_VIEW_IDENTITY) see names; analysts (FAMILY_VIEW without identity) see every family only through the
  pseudonym codes, age band, sex and region; any other user — a prevention officer of another agency
  included — gets a 404. `read_family` is the one read path: it decides what identity the actor sees and
  writes the access-log rows in the same transaction."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404

from sistra.accounts.capabilities import Capability, has_capability
from sistra.accounts.types import Actor
from sistra.audit.models import AccessLog
from sistra.audit.services import log_access_many
from sistra.core.text import normalize

from .models import AtRiskChild, AtRiskFamily, Campaign, FamilyFollowUp, Participant, TrainingEvent

C = Capability
FAMILY_IDENTITY_FIELDS = ["head_name", "community", "contact_phone"]
CHILD_IDENTITY_FIELDS = ["first_names", "last_names"]


def _agency_id(actor: Actor):
    return getattr(actor, "agency_id", None)


def _get(qs, key):
    try:
        return qs.get(uuid=key)
    except (qs.model.DoesNotExist, ValidationError, ValueError, TypeError):
        raise Http404 from None


# --- trainings and campaigns ------------------------------------------------------------------------------


def visible_events(actor: Actor) -> QuerySet[TrainingEvent]:
    if not has_capability(actor, C.PREVENTION_VIEW) or not _agency_id(actor):
        return TrainingEvent.objects.none()
    return TrainingEvent.objects.filter(owner_agency_id=actor.agency_id)


def access_event(actor: Actor, event_uuid, *, write: bool = False) -> TrainingEvent:
    if write and not has_capability(actor, C.PREVENTION_EDIT):
        raise Http404
    return _get(visible_events(actor).select_related("ubigeo__parent__parent", "owner_agency"), event_uuid)


def access_participant(actor: Actor, event: TrainingEvent, participant_uuid) -> Participant:
    return _get(event.participants.select_related("event"), participant_uuid)


PARTICIPANT_IDENTITY_FIELDS = ["full_name", "document_number"]


@dataclass
class EventRead:
    event: TrainingEvent
    participants: list[Participant]


@transaction.atomic
def read_event(actor: Actor, event_uuid, *, purpose: str = AccessLog.Purpose.PREVENTION) -> EventRead:
    """A training event with its participants, whose names are shown to the agency's prevention staff: each
    participant shown is on record (one row each) in the transaction of the read."""
    event = access_event(actor, event_uuid)
    participants = sorted(event.participants.order_by("id"), key=lambda p: (normalize(p.full_name), p.pk))
    log_access_many(
        actor=actor,
        reads=[(p, None) for p in participants],
        fields=PARTICIPANT_IDENTITY_FIELDS,
        purpose=purpose,
        detail=event.title,
    )
    return EventRead(event=event, participants=participants)


@transaction.atomic
def read_participant(
    actor: Actor, event_uuid, participant_uuid, *, purpose: str = AccessLog.Purpose.PREVENTION
) -> Participant:
    """One participant (her certificate), on record in the transaction of the read."""
    event = access_event(actor, event_uuid)
    participant = access_participant(actor, event, participant_uuid)
    log_access_many(
        actor=actor, reads=[(participant, None)], fields=PARTICIPANT_IDENTITY_FIELDS, purpose=purpose,
        detail=event.title,
    )
    return participant


def visible_campaigns(actor: Actor) -> QuerySet[Campaign]:
    if not has_capability(actor, C.PREVENTION_VIEW) or not _agency_id(actor):
        return Campaign.objects.none()
    return Campaign.objects.filter(owner_agency_id=actor.agency_id)


def access_campaign(actor: Actor, campaign_uuid, *, write: bool = False) -> Campaign:
    if write and not has_capability(actor, C.PREVENTION_EDIT):
        raise Http404
    return _get(visible_campaigns(actor).select_related("owner_agency"), campaign_uuid)


# --- at-risk families -------------------------------------------------------------------------------------


def sees_family_identity(actor: Actor, family: AtRiskFamily | None = None) -> bool:
    if not has_capability(actor, C.FAMILY_VIEW_IDENTITY) or not _agency_id(actor):
        return False
    return family is None or family.owner_agency_id == actor.agency_id


def visible_families(actor: Actor) -> QuerySet[AtRiskFamily]:
    if not _agency_id(actor):
        return AtRiskFamily.objects.none()
    if has_capability(actor, C.FAMILY_VIEW_IDENTITY):
        return AtRiskFamily.objects.filter(owner_agency_id=actor.agency_id)
    if has_capability(actor, C.FAMILY_VIEW):
        # analysts: every family, through pseudonyms only
        return AtRiskFamily.objects.all()
    return AtRiskFamily.objects.none()


def access_family(actor: Actor, family_uuid, *, write: bool = False) -> AtRiskFamily:
    qs = visible_families(actor)
    if write:
        if not (has_capability(actor, C.PREVENTION_EDIT) and has_capability(actor, C.FAMILY_VIEW_IDENTITY)):
            raise Http404
        qs = qs.filter(owner_agency_id=actor.agency_id)
    return _get(qs.select_related("ubigeo__parent__parent", "owner_agency"), family_uuid)


def access_child(actor: Actor, family: AtRiskFamily, child_uuid) -> AtRiskChild:
    return _get(family.children.select_related("family"), child_uuid)


@dataclass
class FamilyRead:
    family: AtRiskFamily
    children: list[AtRiskChild]
    identity: bool


@transaction.atomic
def read_family(actor: Actor, family_uuid, *, purpose: str = AccessLog.Purpose.PREVENTION) -> FamilyRead:
    """The family and its children as the actor may see them; a read with identity is logged (one row for
    the family, one per child) in the transaction of the read."""
    family = access_family(actor, family_uuid)
    children = list(
        family.children.prefetch_related(
            "alternatives", Prefetch("follow_ups", queryset=FamilyFollowUp.objects.order_by("done_on", "id"))
        )
    )
    identity = sees_family_identity(actor, family)
    if identity:
        log_access_many(actor=actor, reads=[(family, None)], fields=FAMILY_IDENTITY_FIELDS, purpose=purpose)
        log_access_many(
            actor=actor,
            reads=[(child, None) for child in children],
            fields=CHILD_IDENTITY_FIELDS,
            purpose=purpose,
        )
    return FamilyRead(family=family, children=children, identity=identity)
