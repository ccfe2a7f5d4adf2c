"""The only way to fetch a user or an agency to administer. An agency's administrator sees the users of their own
agency (never a national administrator); the national administrator sees every user and every agency. Anything
else is a 404, so an administrator learns nothing about other agencies' accounts."""

from allauth.mfa.models import Authenticator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from sistra.accounts.capabilities import Capability, Role, has_capability
from sistra.accounts.mfa import SECOND_FACTOR_TYPES
from sistra.accounts.models import Agency, User

from .roles import is_national_admin


def require_user_manager(actor) -> None:
    """Pages of user administration: only administrators (403 for everyone else)."""
    if not has_capability(actor, Capability.USER_MANAGE):
        raise PermissionDenied
    if not is_national_admin(actor) and not actor.agency_id:
        raise PermissionDenied


def require_national_admin(actor) -> None:
    if not is_national_admin(actor):
        raise PermissionDenied


def manageable_users(actor) -> QuerySet[User]:
    if not has_capability(actor, Capability.USER_MANAGE):
        return User.objects.none()
    if is_national_admin(actor):
        return User.objects.all()
    if not actor.agency_id:
        return User.objects.none()
    return User.objects.filter(agency_id=actor.agency_id).exclude(role=Role.SYSTEM_ADMIN)


def with_second_factor(qs: QuerySet[User]) -> QuerySet[User]:
    return qs.annotate(
        has_second_factor=Exists(
            Authenticator.objects.filter(user_id=OuterRef("pk"), type__in=SECOND_FACTOR_TYPES)
        )
    )


def access_managed_user(actor, user_uuid) -> User:
    try:
        return with_second_factor(manageable_users(actor)).select_related("agency").get(uuid=user_uuid)
    except (User.DoesNotExist, ValidationError, ValueError, TypeError):
        raise Http404 from None


def manageable_agencies(actor) -> QuerySet[Agency]:
    if is_national_admin(actor):
        return Agency.objects.all()
    return Agency.objects.none()


def access_agency(actor, agency_uuid) -> Agency:
    try:
        return (
            manageable_agencies(actor)
            .select_related("distrito_fiscal", "ubigeo", "parent")
            .get(uuid=agency_uuid)
        )
    except (Agency.DoesNotExist, ValidationError, ValueError, TypeError):
        raise Http404 from None
