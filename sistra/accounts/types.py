"""The type of whoever acts in a service, a selector or an access function: a signed-in user (AnonymousUser
never reaches them: every page and API requires a login). `Actor | None` where the server itself acts (a
command line, a background task)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from .models import Agency, User

type Actor = User  # evaluated lazily: User is imported for the type checker only


def agency_of(actor: Actor) -> Agency:
    """The actor's agency, for a write that belongs to it. Every role that writes works for an agency; a user
    without one (a misconfigured account) is refused rather than writing an orphan record."""
    if actor.agency is None:
        raise PermissionDenied(_("Su usuario no pertenece a ninguna institución."))
    return actor.agency


def agency_id_of(actor: Actor) -> int:
    """The actor's agency's id, without fetching the agency (for filters); refused as agency_of is."""
    if actor.agency_id is None:
        raise PermissionDenied(_("Su usuario no pertenece a ninguna institución."))
    return actor.agency_id
