"""Reads of the assistance pathway that matter: the agency's dashboard (inbox, outbox, overdue, alerts), the
case with everything its page shows, the provider directory and a case's history."""

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from sistra.accounts.capabilities import Capability, has_capability
from sistra.accounts.types import Actor

from .access import visible_assistance_cases, visible_referrals
from .models import (
    Assessment,
    AssistanceCase,
    Consent,
    FamilyContact,
    FollowUpVisit,
    Provider,
    Referral,
    ReferralAlert,
    ReintegrationPlan,
    ReturnTravel,
    ServiceDelivery,
    SupportPlan,
)

OPEN_REFERRAL = Q(status=Referral.Status.SENT) | Q(status=Referral.Status.ACCEPTED, kind=Referral.Kind.SERVICES)


def _referral_rows(qs) -> QuerySet[Referral]:
    return qs.select_related("case", "person", "from_agency", "to_agency").prefetch_related("services")


def inbox(actor: Actor) -> QuerySet[Referral]:
    """Referrals sent to the user's agency that are still open."""
    if not has_capability(actor, Capability.REFERRAL_RECEIVE) or not actor.agency_id:
        return Referral.objects.none()
    return _referral_rows(visible_referrals(actor).filter(OPEN_REFERRAL, to_agency_id=actor.agency_id)
                          ).order_by("due_on", "sent_at")


def outbox(actor: Actor) -> QuerySet[Referral]:
    if not actor.agency_id:
        return Referral.objects.none()
    return _referral_rows(visible_referrals(actor).filter(OPEN_REFERRAL, from_agency_id=actor.agency_id)
                          ).order_by("due_on", "sent_at")


def overdue_referrals(actor: Actor, *, today: datetime.date | None = None) -> QuerySet[Referral]:
    """Open referrals past their due date, sent or received by the user's agency."""
    today = today or timezone.localdate()
    return _referral_rows(visible_referrals(actor).filter(OPEN_REFERRAL, due_on__lt=today)).order_by("due_on")


def recent_referrals(actor: Actor, *, limit: int = 20) -> list[Referral]:
    return list(_referral_rows(visible_referrals(actor).exclude(OPEN_REFERRAL)).order_by("-updated_at")[:limit])


def agency_alerts(actor: Actor, *, limit: int = 50) -> list[ReferralAlert]:
    if not actor.agency_id:
        return []
    referrals = visible_referrals(actor).filter(OPEN_REFERRAL)
    return list(ReferralAlert.objects.filter(agency_id=actor.agency_id, referral__in=referrals)
                .select_related("referral__case", "referral__to_agency", "referral__from_agency")[:limit])


@dataclass
class CaseFilters:
    status: str = ""  # "" open, "closed", "all"


def case_list(actor: Actor, filters: CaseFilters) -> QuerySet[AssistanceCase]:
    qs = visible_assistance_cases(actor).select_related("person", "caseworker")
    if filters.status == "closed":
        qs = qs.exclude(status__in=AssistanceCase.OPEN_STATUSES)
    elif filters.status != "all":
        qs = qs.filter(status__in=AssistanceCase.OPEN_STATUSES)
    return qs.order_by("-identified_on", "-id")


def case_detail(case: AssistanceCase) -> AssistanceCase:
    """The case with everything its page and its summary PDF show, in a fixed number of queries."""
    return (
        AssistanceCase.objects.select_related(
            "person__ubigeo_origin__parent__parent", "owner_agency", "caseworker", "identifying_agency",
            "identification_place__parent__parent", "current_ubigeo__parent__parent")
        .prefetch_related(
            Prefetch("consents", queryset=Consent.objects.select_related("agency", "recorded_by", "withdrawn_by",
                                                                        "recorded_by_agency")),
            Prefetch("assessments", queryset=Assessment.objects.select_related("assessed_by", "agency").prefetch_related("needs")),
            Prefetch("plans", queryset=SupportPlan.objects.prefetch_related("goals__service_type")),
            Prefetch("referrals", queryset=Referral.objects.select_related("from_agency", "to_agency")
                     .prefetch_related("services").order_by("-sent_at")),
            Prefetch("deliveries", queryset=ServiceDelivery.objects.select_related(
                "service_type", "agency", "provider", "delivered_by", "destination_ubigeo__parent__parent",
                "destination_country")),
            Prefetch("follow_ups", queryset=FollowUpVisit.objects.select_related("agency", "visited_by")),
            Prefetch("family_contacts", queryset=FamilyContact.objects.select_related("ubigeo__parent__parent")),
            "criminal_cases",
            Prefetch("returns", queryset=ReturnTravel.objects.select_related(
                "origin_ubigeo__parent__parent", "origin_country", "destination_ubigeo__parent__parent",
                "destination_country")),
            Prefetch("reintegration_plans", queryset=ReintegrationPlan.objects.select_related(
                "community__parent__parent").prefetch_related("follow_ups")),
        )
        .get(pk=case.pk)
    )


def candidate_criminal_cases(actor: Actor, case: AssistanceCase):
    """Criminal cases the user may see in which the person is a victim and that are not linked yet."""
    from sistra.cases.access import visible_cases

    return (visible_cases(actor).filter(victims__person=case.person)
            .exclude(pk__in=case.criminal_cases.values("pk")).distinct().order_by("-complaint_date"))


def provider_directory(*, region: str = "", service: str = "", agency_id=None) -> QuerySet[Provider]:
    qs = Provider.objects.filter(is_active=True).select_related("agency").prefetch_related("services", "regions")
    if region:
        qs = qs.filter(regions__code=region)
    if service:
        qs = qs.filter(services__code=service)
    if agency_id:
        qs = qs.filter(agency_id=agency_id)
    return qs.distinct().order_by("name")


def unsafe_contacts(case: AssistanceCase) -> list[FamilyContact]:
    return [c for c in case.family_contacts.all() if c.must_not_know_location]
