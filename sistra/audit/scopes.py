"""Which records an agency's auditor may audit: those its agency owns or was given. The domain apps register,
in their AppConfig.ready(), a function agency_id → queryset of the public uuids (values_list("uuid")) of
their records the agency owns or holds through a share (the base app never imports a domain app). A national
auditor — an auditor of an agency whose kind is in AUDIT_NATIONAL_AGENCY_KINDS (default: the Ministry of the
Interior, which leads the national policy against trafficking) — sees every entry."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db.models import Q, QuerySet

AUDIT_SCOPE_PROVIDERS: list[Callable[[int], QuerySet]] = []


def register_audit_scope(provider: Callable[[int], QuerySet]) -> None:
    if provider not in AUDIT_SCOPE_PROVIDERS:
        AUDIT_SCOPE_PROVIDERS.append(provider)


def is_national_auditor(actor) -> bool:
    kinds = getattr(settings, "AUDIT_NATIONAL_AGENCY_KINDS", ("mininter",))
    agency = getattr(actor, "agency", None)
    return agency is not None and agency.kind in kinds


def scope_condition(actor, *fields: str) -> Q | None:
    """None for a national auditor (everything); otherwise entries whose `fields` name a record of the
    actor's agency."""
    if is_national_auditor(actor):
        return None
    condition = Q(pk__in=[])
    if not getattr(actor, "agency_id", None):
        return condition
    for provider in AUDIT_SCOPE_PROVIDERS:
        uuids = provider(actor.agency_id)
        for field in fields:
            condition |= Q(**{f"{field}__in": uuids})
    return condition
