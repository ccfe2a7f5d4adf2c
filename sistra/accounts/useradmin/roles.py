"""Which roles a user of each kind of agency may hold, and which roles an administrator may give.

A role is work an agency does: a prosecutor belongs in a fiscalía, a health worker in a health facility. The
roles that see across the whole system (the national administrator, the auditor) are given only by the
national administrator, in any agency; an agency's administrator can never give them."""

from sistra.accounts.capabilities import Capability, Role, has_capability
from sistra.accounts.models import Agency

R = Role
K = Agency.Kind

# Roles given only by the national administrator: they reach beyond one agency.
NATIONAL_ROLES = frozenset({R.SYSTEM_ADMIN, R.AUDITOR})

ROLES_BY_AGENCY_KIND: dict[str, frozenset[str]] = {
    K.FISCALIA: frozenset({R.PROSECUTOR}),
    K.POLICE: frozenset({R.POLICE}),
    K.COURT: frozenset({R.ANALYST}),
    K.MIMP: frozenset({R.CASEWORKER, R.PREVENTION_OFFICER, R.ANALYST}),
    K.MININTER: frozenset({R.ANALYST, R.PREVENTION_OFFICER}),
    K.REGIONAL_GOVERNMENT: frozenset({R.CASEWORKER, R.PREVENTION_OFFICER, R.ANALYST}),
    K.INTERNATIONAL: frozenset({R.CASEWORKER, R.PREVENTION_OFFICER, R.ANALYST}),
    K.NGO: frozenset({R.CASEWORKER, R.PREVENTION_OFFICER}),
    K.HEALTH: frozenset({R.HEALTH_WORKER}),
    K.HOTLINE: frozenset({R.HOTLINE_OPERATOR, R.HOTLINE_SUPERVISOR}),
    K.OTHER: frozenset({R.ANALYST, R.PREVENTION_OFFICER}),
}


def is_national_admin(actor) -> bool:
    return has_capability(actor, Capability.USER_MANAGE) and actor.role == R.SYSTEM_ADMIN


def roles_for_agency(agency: Agency) -> frozenset[str]:
    """Every role a user of `agency` may hold: its kind's work, its own administrator, the national roles."""
    return ROLES_BY_AGENCY_KIND.get(agency.kind, frozenset()) | {R.AGENCY_ADMIN} | NATIONAL_ROLES


def assignable_roles(actor, agency: Agency | None) -> list[str]:
    """The roles `actor` may give to a user of `agency` (every role when the agency is not chosen yet), in the
    order of Role."""
    if not has_capability(actor, Capability.USER_MANAGE):
        return []
    allowed = set(Role.values) if agency is None else set(roles_for_agency(agency))
    if not is_national_admin(actor):
        allowed -= NATIONAL_ROLES
    return [value for value in Role.values if value in allowed]
