"""The only way to fetch an assistance case or a referral for a user, and the rules of who may do what.

- An assistance case is seen only by its lead agency (owner_agency): caseworkers and health workers
  (ASSISTANCE_VIEW) and the roles that identify and refer (REFERRAL_SEND: police, prosecutors, hotline).
- A referral is seen by the agency that sent it and by the agency it was sent to (REFERRAL_RECEIVE).
  The receiver sees the person only as the referral allows: the pseudonym, age band, sex and region, and the
  identity only when the victim consented to share it with that agency.
Anything else is a 404, so its existence is not revealed."""

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from sistra.accounts.capabilities import Capability, has_capability
from sistra.accounts.types import Actor
from sistra.people.access import can_see_identity, identity_persons_among

from .models import AssistanceCase, Referral

C = Capability


def _agency_id(actor: Actor):
    return getattr(actor, "agency_id", None)


# --- assistance cases -------------------------------------------------------------------------------------

def visible_assistance_cases(actor: Actor) -> QuerySet[AssistanceCase]:
    if not (has_capability(actor, C.ASSISTANCE_VIEW) or has_capability(actor, C.REFERRAL_SEND)):
        return AssistanceCase.objects.none()
    if not _agency_id(actor):
        return AssistanceCase.objects.none()
    return AssistanceCase.objects.filter(owner_agency_id=actor.agency_id)


def access_assistance_case(actor: Actor, case_uuid, *, write: bool = False) -> AssistanceCase:
    """A case of the user's agency (with write=True: one the user may edit), or 404."""
    qs = visible_assistance_cases(actor)
    if write and not has_capability(actor, C.ASSISTANCE_EDIT):
        raise Http404
    try:
        return qs.select_related("person", "owner_agency", "caseworker", "identifying_agency").get(uuid=case_uuid)
    except (AssistanceCase.DoesNotExist, ValidationError, ValueError, TypeError):
        raise Http404 from None


def can_identify(actor: Actor) -> bool:
    """Opening a case is identifying a potential victim: the assistance agencies do it, and so do the clinic,
    the police, prosecutors and the hotline, who identify in order to refer."""
    return bool(_agency_id(actor)) and has_capability(actor, C.PERSON_VIEW) and (
        has_capability(actor, C.ASSISTANCE_EDIT) or has_capability(actor, C.REFERRAL_SEND))


def can_edit_case(actor: Actor, case: AssistanceCase) -> bool:
    return has_capability(actor, C.ASSISTANCE_EDIT) and case.owner_agency_id == _agency_id(actor)


def can_record_consent(actor: Actor, case: AssistanceCase) -> bool:
    return case.owner_agency_id == _agency_id(actor) and (
        has_capability(actor, C.ASSISTANCE_EDIT) or has_capability(actor, C.REFERRAL_SEND))


def can_refer(actor: Actor, case: AssistanceCase) -> bool:
    return has_capability(actor, C.REFERRAL_SEND) and case.owner_agency_id == _agency_id(actor)


# --- referrals --------------------------------------------------------------------------------------------

def visible_referrals(actor: Actor) -> QuerySet[Referral]:
    agency_id = _agency_id(actor)
    if not agency_id:
        return Referral.objects.none()
    condition = Q(pk__in=[])
    if has_capability(actor, C.REFERRAL_SEND) or has_capability(actor, C.ASSISTANCE_VIEW):
        # the referrals it sent, and every referral of the cases it now leads (sent before a transfer)
        condition |= Q(from_agency_id=agency_id) | Q(case__owner_agency_id=agency_id)
    if has_capability(actor, C.REFERRAL_RECEIVE):
        condition |= Q(to_agency_id=agency_id)
    return Referral.objects.filter(condition)


def access_referral(actor: Actor, referral_uuid) -> Referral:
    try:
        return visible_referrals(actor).select_related(
            "case", "person", "from_agency", "to_agency", "provider", "sent_by", "destination_ubigeo__parent__parent",
            "destination_country").get(uuid=referral_uuid)
    except (Referral.DoesNotExist, ValidationError, ValueError, TypeError):
        raise Http404 from None


def is_sender(actor: Actor, referral: Referral) -> bool:
    return referral.from_agency_id == _agency_id(actor)


def leads_case(actor: Actor, referral: Referral) -> bool:
    return referral.case.owner_agency_id == _agency_id(actor)


def is_receiver(actor: Actor, referral: Referral) -> bool:
    return referral.to_agency_id == _agency_id(actor) and has_capability(actor, C.REFERRAL_RECEIVE)


def can_respond(actor: Actor, referral: Referral) -> bool:
    return is_receiver(actor, referral) and referral.status == Referral.Status.SENT


def can_complete(actor: Actor, referral: Referral) -> bool:
    return (is_receiver(actor, referral) and referral.status == Referral.Status.ACCEPTED
            and referral.kind == Referral.Kind.SERVICES)


def can_revoke(actor: Actor, referral: Referral) -> bool:
    """The agency that sent it, or the one that now leads the case, may withdraw an open referral."""
    return (has_capability(actor, C.REFERRAL_SEND) and (is_sender(actor, referral) or leads_case(actor, referral))
            and referral.is_open)


def can_work_on_referral(actor: Actor, referral: Referral) -> bool:
    """The receiver records the services it delivers, its follow-ups and (for tracing and return) the family
    contacts, while the referral is accepted and not yet done."""
    return can_complete(actor, referral) and has_capability(actor, C.ASSISTANCE_EDIT)


def referral_shows_identity(actor: Actor, referral: Referral) -> bool:
    """The sender sees the person as it always does; the receiver sees names and documents only when the
    referral carries them (the victim consented to share with that agency, and has not withdrawn it)."""
    if is_sender(actor, referral) or leads_case(actor, referral):
        return can_see_identity(actor, referral.person)
    return referral.carries_identity and referral.is_open and can_see_identity(actor, referral.person)


def referral_shows_family(actor: Actor, referral: Referral) -> bool:
    """Family contacts identify the victim too: the receiver sees them only for tracing, reunification, return
    or reintegration, with identity, while it works on the referral."""
    if not (is_receiver(actor, referral) and referral.status == Referral.Status.ACCEPTED and referral.is_open):
        return False
    if not referral.carries_identity:
        return False
    return referral.services.filter(needs_family=True).exists()


# --- the person-visibility provider -----------------------------------------------------------------------

def persons_in_assistance(actor: Actor) -> Q:
    """Provider for sistra.people.access. It grants identity, so it covers only the persons of the agency's own
    assistance cases and of referrals it accepted that carry identity; a referral without the victim's consent
    to share with that agency is left to the pseudonymous PersonShare it created."""
    agency_id = _agency_id(actor)
    if not agency_id or not (has_capability(actor, C.ASSISTANCE_VIEW) or has_capability(actor, C.REFERRAL_SEND)
                             or has_capability(actor, C.REFERRAL_RECEIVE)):
        return Q(pk__in=[])
    owned = AssistanceCase.objects.filter(owner_agency_id=agency_id, person=OuterRef("pk"))
    accepted = Referral.objects.filter(
        to_agency_id=agency_id, person=OuterRef("pk"), status=Referral.Status.ACCEPTED, include_identity=True,
        identity_withdrawn_at__isnull=True)
    return Q(Exists(owned)) | Q(Exists(accepted))


def access_family_contact(actor: Actor, contact_uuid):
    """A family contact of a case of the user's agency, or of a case referred to it for tracing, reunification,
    return or reintegration (with identity, while it works on it). Returns (contact, referral or None)."""
    from .models import FamilyContact

    try:
        contact = FamilyContact.objects.select_related("case__person", "case__owner_agency",
                                                       "ubigeo__parent__parent").get(uuid=contact_uuid)
    except (FamilyContact.DoesNotExist, ValidationError, ValueError, TypeError):
        raise Http404 from None
    if visible_assistance_cases(actor).filter(pk=contact.case_id).exists() and (
            has_capability(actor, C.ASSISTANCE_VIEW)):
        return contact, None
    for referral in visible_referrals(actor).filter(case_id=contact.case_id, to_agency_id=_agency_id(actor),
                                                    status=Referral.Status.ACCEPTED):
        if referral_shows_family(actor, referral):
            return contact, referral
    raise Http404


# --- who may see the identity in an assistance case's history (registered with audit.masking) ---------------

def can_see_assistance_case_identity(actor: Actor, case: AssistanceCase) -> bool:
    return can_see_identity(actor, case.person)


def assistance_cases_whose_identity_is_visible(actor: Actor, uuids: set) -> set:
    if not uuids or not can_see_identity(actor):
        return set()
    cases = list(AssistanceCase.objects.filter(uuid__in=uuids).values_list("uuid", "person_id"))
    seen = set(identity_persons_among(actor, sorted({person for _uuid, person in cases})))
    return {uuid for uuid, person in cases if person in seen}
