"""Who may see which possible link. A data steward sees the pairs in which a record of their own agency is
involved; a national data steward sees every pair. Anything else is a 404."""

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404

from sistra.accounts.capabilities import Capability, has_capability
from sistra.accounts.types import Actor

from .models import LinkCandidate


def steward_candidates(actor: Actor) -> QuerySet[LinkCandidate]:
    if has_capability(actor, Capability.LINKAGE_REVIEW_ALL):
        return LinkCandidate.objects.all()
    if not has_capability(actor, Capability.LINKAGE_REVIEW) or not actor.agency_id:
        return LinkCandidate.objects.none()
    return LinkCandidate.objects.filter(
        Q(person_a__owner_agency_id=actor.agency_id) | Q(person_b__owner_agency_id=actor.agency_id)
    )


def steward_may_see_pair(actor: Actor, candidate: LinkCandidate) -> bool:
    return steward_candidates(actor).filter(pk=candidate.pk).exists()


def access_candidate(actor: Actor, candidate_uuid) -> LinkCandidate:
    try:
        return steward_candidates(actor).select_related("person_a", "person_b").get(uuid=candidate_uuid)
    except (LinkCandidate.DoesNotExist, ValidationError, ValueError, TypeError):
        raise Http404 from None


def sees_identity_in_review(actor: Actor, person) -> bool:
    """In the review a national steward sees both identities (deciding is the role's work, and every read is
    logged); an agency steward sees the identity of a record only where the agency may see it."""
    from sistra.people.access import can_see_identity

    if has_capability(actor, Capability.LINKAGE_REVIEW_ALL):
        return True
    return can_see_identity(actor, person)
