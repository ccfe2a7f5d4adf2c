"""Reads of the hotline: the operator's lists, repeat callers, the police inbox, supervisors' figures."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Avg, Count, Max, Prefetch, Q, QuerySet
from django.db.models.functions import ExtractHour, TruncDate, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from sistra.accounts.models import Agency
from sistra.accounts.types import Actor
from sistra.audit.services import log_access
from sistra.core.models import Ubigeo

from .access import can_see_caller_identity, received_reports, visible_contacts
from .models import CallerFlag, Contact, ContactPerson, FollowUp, PoliceNotification, PoliceReport

CALLER_IDENTITY_FIELDS = ("caller_name", "caller_phone", "caller_email")
REGION_FOREIGN = "foreign"
REGION_UNKNOWN = "unknown"


def contact_list(actor: Actor, *, hide_non_substantive: bool = False) -> QuerySet[Contact]:
    qs = visible_contacts(actor).filter(status=Contact.Status.CLOSED).select_related("operator")
    if hide_non_substantive:
        qs = qs.exclude(category=Contact.Category.NON_SUBSTANTIVE)
    return qs.order_by("-started_at", "-id")


def incoming_calls(actor: Actor) -> QuerySet[Contact]:
    """Calls the telephony system has announced and no operator has completed yet."""
    return visible_contacts(actor).filter(status=Contact.Status.OPEN).order_by("started_at", "id")


def contact_detail(contact: Contact) -> Contact:
    return (
        Contact.objects.select_related("operator", "ubigeo__parent__parent", "country", "language", "owner_agency")
        .prefetch_related(
            Prefetch("police_notifications", queryset=PoliceNotification.objects.select_related("unit")),
            Prefetch("follow_ups", queryset=FollowUp.objects.select_related("created_by", "done_by")),
            Prefetch("persons", queryset=ContactPerson.objects.select_related("person").prefetch_related(
                "person__documents")),
            Prefetch("reports", queryset=PoliceReport.objects.select_related("recipient", "sent_by",
                                                                             "acknowledged_by", "case")),
        )
        .get(pk=contact.pk)
    )


def caller_identity(actor: Actor, contact: Contact, *, detail: str = "") -> dict | None:
    """The caller's name, number and e-mail for a user allowed to see them — and the access-log row that says
    they were shown. Call it inside the transaction of the read."""
    if not contact.has_caller_identity or not can_see_caller_identity(actor, contact):
        return None
    shown = {name: getattr(contact, name) for name in CALLER_IDENTITY_FIELDS if getattr(contact, name)}
    log_access(actor=actor, instance=contact, fields=list(shown), purpose="hotline", detail=detail)
    return shown


def person_identities(actor: Actor, links: list[ContactPerson], *, detail: str = "") -> dict[int, str]:
    """Names of the linked persons for a user who may see identities (one access-log row each), else the
    pseudonyms."""
    from sistra.people.access import can_see_identity

    labels = {}
    for link in links:
        if can_see_identity(actor, link.person):
            labels[link.pk] = link.person.full_name
            log_access(actor=actor, instance=link.person, fields=["first_names", "last_name_paternal",
                                                                   "last_name_maternal"],
                       purpose="hotline", detail=detail)
        else:
            labels[link.pk] = link.person.code
    return labels


@dataclass
class CallerHistory:
    contacts: list[Contact] = field(default_factory=list)
    flags: list[CallerFlag] = field(default_factory=list)
    total: int = 0

    @property
    def is_repeat(self) -> bool:
        return self.total > 0


def caller_history(actor: Actor, *, phone_hashes=(), person_ids=(), exclude_pk=None, limit: int = 8) -> CallerHistory:
    """Earlier contacts of the same number (by its hash) or of the same registry persons, and the active flags
    on the number: what the operator must see the moment a call comes in."""
    phone_hashes = [h for h in phone_hashes if h]
    person_ids = list(person_ids)
    if not phone_hashes and not person_ids:
        return CallerHistory()
    condition = Q(pk__in=[])
    if phone_hashes:
        condition |= Q(phone_hash__in=phone_hashes)
    if person_ids:
        condition |= Q(pk__in=ContactPerson.objects.filter(person_id__in=person_ids).values("contact_id"))
    qs = visible_contacts(actor).filter(condition)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    total = qs.count()
    contacts = list(qs.select_related("operator").order_by("-started_at", "-id")[:limit])
    flags = []
    if phone_hashes and actor.agency_id:
        flags = list(CallerFlag.objects.filter(owner_agency_id=actor.agency_id, phone_hash__in=phone_hashes,
                                               cleared_at__isnull=True).select_related("created_by"))
    return CallerHistory(contacts=contacts, flags=flags, total=total)


@dataclass
class RepeatCaller:
    previous_contacts: int = 0
    last_contact_at: datetime.datetime | None = None
    flags: list[str] = field(default_factory=list)


def repeat_caller(actor: Actor, *, phone_hash_value: str, exclude_pk=None) -> RepeatCaller:
    """What the telephony needs to route a call: how often the number called, when last, its flags. Two
    queries on the (agency, phone hash) indexes."""
    if not phone_hash_value or not actor.agency_id:
        return RepeatCaller()
    qs = visible_contacts(actor).filter(phone_hash=phone_hash_value)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    summary = qs.aggregate(n=Count("id"), last=Max("started_at"))
    flags = sorted(set(CallerFlag.objects.filter(owner_agency_id=actor.agency_id, phone_hash=phone_hash_value,
                                                 cleared_at__isnull=True).values_list("kind", flat=True)))
    return RepeatCaller(previous_contacts=summary["n"], last_contact_at=summary["last"], flags=flags)


def report_recipients() -> QuerySet[Agency]:
    return Agency.objects.filter(kind__in=[Agency.Kind.POLICE, Agency.Kind.FISCALIA], is_active=True).order_by(
        "kind", "name")


def police_units() -> QuerySet[Agency]:
    return Agency.objects.filter(kind=Agency.Kind.POLICE, is_active=True).order_by("name")


def report_inbox(actor: Actor, *, pending_only: bool = False) -> QuerySet[PoliceReport]:
    qs = received_reports(actor).select_related("contact", "acknowledged_by", "case").order_by("-sent_at", "-id")
    if pending_only:
        qs = qs.filter(status=PoliceReport.Status.SENT)
    return qs


def overdue_reports_sent(actor: Actor) -> QuerySet[PoliceReport]:
    """Reports the user's hotline sent that nobody has acknowledged in time."""
    return (
        PoliceReport.objects.filter(contact__in=visible_contacts(actor), status=PoliceReport.Status.SENT,
                                    ack_due_at__lt=timezone.now())
        .select_related("contact", "recipient").order_by("ack_due_at")
    )


# ---------------------------------------------------------------------------------------------------------
# Supervisors
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatsFilters:
    date_from: datetime.date
    date_to: datetime.date  # inclusive
    hide_non_substantive: bool = False


def _day_bounds(date_from: datetime.date, date_to: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(date_from, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(date_to + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return start, end


def stats_contacts(actor: Actor, filters: StatsFilters) -> QuerySet[Contact]:
    start, end = _day_bounds(filters.date_from, filters.date_to)
    qs = visible_contacts(actor).filter(status=Contact.Status.CLOSED, started_at__gte=start, started_at__lt=end)
    if filters.hide_non_substantive:
        qs = qs.exclude(category=Contact.Category.NON_SUBSTANTIVE)
    return qs


def _region_labels(codes) -> dict[str, str]:
    departments = Ubigeo.objects.filter(level=Ubigeo.Level.DEPARTAMENTO, departamento_code__in=list(codes))
    return {u.departamento_code: u.name for u in departments}


@dataclass
class ContactStats:
    total: int
    by_hour: list[tuple[int, int]]
    by_day: list[tuple[datetime.date, int]]
    by_month: list[tuple[datetime.date, int]]
    by_category: list[tuple[str, str, int]]
    by_channel: list[tuple[str, str, int]]
    by_region: list[tuple[str, str, int]]
    average_handling_seconds: float | None
    emergencies: int
    open_follow_ups: int


def contact_stats(actor: Actor, filters: StatsFilters) -> ContactStats:
    """Counts over the contacts the supervisor's hotline took in the period, in Lima time. Each figure is one
    grouped query."""
    tz = timezone.get_current_timezone()
    qs = stats_contacts(actor, filters).order_by()
    hours = dict(qs.annotate(h=ExtractHour("started_at", tzinfo=tz)).values_list("h").annotate(n=Count("id")))
    by_day = sorted(qs.annotate(d=TruncDate("started_at", tzinfo=tz)).values_list("d").annotate(n=Count("id")))
    by_month = sorted(
        (timezone.localtime(m).date() if isinstance(m, datetime.datetime) else m, n)
        for m, n in qs.annotate(m=TruncMonth("started_at", tzinfo=tz)).values_list("m").annotate(n=Count("id"))
    )
    categories = dict(qs.values_list("category").annotate(n=Count("id")))
    channels = dict(qs.values_list("channel").annotate(n=Count("id")))
    regions: dict[str, int] = {}
    for dep, country, n in qs.values_list("departamento_code", "country_id").annotate(n=Count("id")):
        if dep:
            key = dep
        elif country and country != "PE":
            key = REGION_FOREIGN
        else:
            key = REGION_UNKNOWN
        regions[key] = regions.get(key, 0) + n
    labels = _region_labels(k for k in regions if k not in (REGION_FOREIGN, REGION_UNKNOWN))
    labels[REGION_FOREIGN] = str(_("Extranjero"))
    labels[REGION_UNKNOWN] = str(_("Sin dato"))
    aggregates = qs.aggregate(avg=Avg("duration_seconds"), total=Count("id"),
                              emergencies=Count("id", filter=Q(risk_level=Contact.Risk.EMERGENCY)))
    open_follow_ups = FollowUp.objects.filter(contact__in=visible_contacts(actor),
                                              status=FollowUp.Status.OPEN).count()
    return ContactStats(
        total=aggregates["total"],
        by_hour=[(h, hours.get(h, 0)) for h in range(24)],
        by_day=by_day,
        by_month=by_month,
        by_category=[(c.value, str(c.label), categories[c.value]) for c in Contact.Category if c.value in categories],
        by_channel=[(c.value, str(c.label), channels[c.value]) for c in Contact.Channel if c.value in channels],
        by_region=sorted(((k, labels.get(k, k), n) for k, n in regions.items()), key=lambda r: (-r[2], r[1])),
        average_handling_seconds=aggregates["avg"],
        emergencies=aggregates["emergencies"],
        open_follow_ups=open_follow_ups,
    )


def emergencies(actor: Actor, filters: StatsFilters) -> QuerySet[Contact]:
    return (stats_contacts(actor, filters).filter(risk_level=Contact.Risk.EMERGENCY)
            .select_related("operator").prefetch_related("police_notifications__unit").order_by("-started_at"))


def open_follow_ups(actor: Actor) -> QuerySet[FollowUp]:
    return (FollowUp.objects.filter(contact__in=visible_contacts(actor), status=FollowUp.Status.OPEN)
            .select_related("contact", "created_by").order_by("due_at", "id"))


@dataclass
class Handover:
    since: datetime.datetime
    emergencies: list[Contact]
    follow_ups: list[FollowUp]
    overdue_reports: list[PoliceReport]


def handover(actor: Actor, *, since: datetime.datetime) -> Handover:
    """What the incoming shift must pick up: emergencies since `since`, follow-ups still open that were set since
    then or are already due, and reports to the police that nobody has acknowledged in time."""
    now = timezone.now()
    contacts = visible_contacts(actor)
    emergency_list = list(
        contacts.filter(risk_level=Contact.Risk.EMERGENCY, started_at__gte=since)
        .select_related("operator").prefetch_related("police_notifications__unit").order_by("-started_at")
    )
    follow_ups = list(
        open_follow_ups(actor).filter(Q(created_at__gte=since) | Q(due_at__lte=now))
    )
    return Handover(since=since, emergencies=emergency_list, follow_ups=follow_ups,
                    overdue_reports=list(overdue_reports_sent(actor)))
