"""The only way to fetch hotline records for a user. A contact belongs to the hotline agency that took it and
is seen only there; a police report is seen by the agency that sent it and the one agency it was sent to.
Anything else is a 404, so its existence is not revealed."""

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from sistra.accounts.capabilities import Capability, has_capability
from sistra.accounts.types import Actor

from .models import CallerFlag, Contact, ContactPerson, FollowUp, PoliceReport

_BAD_KEY = (ValidationError, ValueError, TypeError)


def visible_contacts(actor: Actor) -> QuerySet[Contact]:
    if not has_capability(actor, Capability.CONTACT_VIEW) or not actor.agency_id:
        return Contact.objects.none()
    return Contact.objects.filter(owner_agency_id=actor.agency_id)


def access_contact(actor: Actor, contact_uuid, *, write: bool = False) -> Contact:
    qs = visible_contacts(actor)
    if write and not has_capability(actor, Capability.CONTACT_CREATE):
        raise Http404
    try:
        return qs.select_related("operator", "ubigeo__parent__parent", "country", "language").get(uuid=contact_uuid)
    except (Contact.DoesNotExist, *_BAD_KEY):
        raise Http404 from None


def can_see_caller_identity(actor: Actor, contact: Contact) -> bool:
    """The caller's name, number and e-mail: the hotline that took the call, for roles that see identities."""
    return (
        has_capability(actor, Capability.CONTACT_VIEW)
        and has_capability(actor, Capability.PERSON_VIEW_IDENTITY)
        and contact.owner_agency_id == actor.agency_id
    )


def can_supervise(actor: Actor) -> bool:
    return has_capability(actor, Capability.HOTLINE_SUPERVISE) and bool(actor.agency_id)


def received_reports(actor: Actor) -> QuerySet[PoliceReport]:
    """The inbox: reports sent to the user's own agency, for roles that receive them."""
    if not has_capability(actor, Capability.POLICE_REPORT_RECEIVE) or not actor.agency_id:
        return PoliceReport.objects.none()
    return PoliceReport.objects.filter(recipient_id=actor.agency_id)


def visible_reports(actor: Actor) -> QuerySet[PoliceReport]:
    if not actor.agency_id:
        return PoliceReport.objects.none()
    condition = Q(pk__in=[])
    if has_capability(actor, Capability.POLICE_REPORT_RECEIVE):
        condition |= Q(recipient_id=actor.agency_id)
    if has_capability(actor, Capability.CONTACT_VIEW):
        condition |= Q(contact__owner_agency_id=actor.agency_id)
    return PoliceReport.objects.filter(condition)


def access_report(actor: Actor, report_uuid, *, receive: bool = False) -> PoliceReport:
    """A report the user may see; with receive=True, only one sent to the user's agency (to acknowledge it,
    open a case from it)."""
    qs = received_reports(actor) if receive else visible_reports(actor)
    try:
        return qs.select_related("contact", "recipient", "sent_by", "acknowledged_by", "case").get(uuid=report_uuid)
    except (PoliceReport.DoesNotExist, *_BAD_KEY):
        raise Http404 from None


def is_recipient(actor: Actor, report: PoliceReport) -> bool:
    return has_capability(actor, Capability.POLICE_REPORT_RECEIVE) and report.recipient_id == actor.agency_id


def access_follow_up(actor: Actor, follow_up_uuid) -> FollowUp:
    if not has_capability(actor, Capability.CONTACT_CREATE) or not actor.agency_id:
        raise Http404
    try:
        return FollowUp.objects.select_related("contact").get(
            uuid=follow_up_uuid, contact__owner_agency_id=actor.agency_id
        )
    except (FollowUp.DoesNotExist, *_BAD_KEY):
        raise Http404 from None


def access_flag(actor: Actor, flag_uuid) -> CallerFlag:
    if not has_capability(actor, Capability.CONTACT_CREATE) or not actor.agency_id:
        raise Http404
    try:
        return CallerFlag.objects.select_related("contact").get(uuid=flag_uuid, owner_agency_id=actor.agency_id)
    except (CallerFlag.DoesNotExist, *_BAD_KEY):
        raise Http404 from None


def persons_linked_to_contacts(actor: Actor) -> Q:
    """Provider for sistra.people.access: persons linked to the contacts of the user's hotline, and — because a
    report is a deliberate share — to the contacts reported to the user's agency."""
    if not actor.agency_id:
        return Q(pk__in=[])
    condition = Q(pk__in=[])
    if has_capability(actor, Capability.CONTACT_VIEW):
        condition |= Q(Exists(ContactPerson.objects.filter(person=OuterRef("pk"),
                                                           contact__owner_agency_id=actor.agency_id)))
    if has_capability(actor, Capability.POLICE_REPORT_RECEIVE):
        reported = PoliceReport.objects.filter(recipient_id=actor.agency_id).values("contact_id")
        condition |= Q(Exists(ContactPerson.objects.filter(person=OuterRef("pk"), contact_id__in=reported)))
    return condition
