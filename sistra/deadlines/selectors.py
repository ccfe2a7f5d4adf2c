"""Reads of the deadlines across cases: a prosecutor's own, and the whole fiscalía for the prosecutor who heads
it. Every read is a range on the stored Case.next_deadline_on (indexed with the prosecutor and with the
fiscalía), never a computation per case."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from sistra.accounts.capabilities import Capability, Role, has_capability
from sistra.cases.access import visible_cases
from sistra.cases.models import Case
from sistra.cases.selectors import DUE_SOON_DAYS

from .models import FiscaliaHead, Notification

UPCOMING_DAYS = 30
# the nearest 10 of each section: rendering the rows of five tables was most of the page's time (125 rows, ~40 ms
# at the design scale); the whole lists are the case list filtered by deadline
ROWS_PER_SECTION = 10


def headed_fiscalia(user):
    """The fiscalía the user heads (their own agency, while they are an active prosecutor), or None."""
    if not has_capability(user, Capability.CASE_VIEW) or user.role != Role.PROSECUTOR or not user.agency_id:
        return None
    head = FiscaliaHead.objects.filter(user=user, agency_id=user.agency_id).select_related("agency").first()
    return head.agency if head else None


def _with_deadline(qs: QuerySet[Case], today: datetime.date) -> QuerySet[Case]:
    return (
        qs.filter(
            status=Case.Status.ACTIVE,
            next_deadline_on__isnull=False,
            next_deadline_on__lte=today + datetime.timedelta(days=UPCOMING_DAYS),
        )
        .select_related("current_stage", "prosecutor")
        .order_by("next_deadline_on", "id")
    )


@dataclass
class DeadlineSections:
    overdue: list[Case] = field(default_factory=list)
    due_soon: list[Case] = field(default_factory=list)
    upcoming: list[Case] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def _sections(qs: QuerySet[Case], today: datetime.date) -> DeadlineSections:
    soon = today + datetime.timedelta(days=DUE_SOON_DAYS)
    qs = _with_deadline(qs, today)
    # counted on next_deadline_on (never null here), not on the id, so that the active-deadline indexes answer
    # the counts without reading the cases (cases.models.Case.Meta.indexes)
    counts = qs.aggregate(
        overdue=Count("next_deadline_on", filter=Q(next_deadline_on__lt=today)),
        due_soon=Count("next_deadline_on", filter=Q(next_deadline_on__gte=today, next_deadline_on__lte=soon)),
        upcoming=Count("next_deadline_on", filter=Q(next_deadline_on__gt=soon)),
    )
    return DeadlineSections(
        # the most recently expired first: an old expiry is less likely to be still actionable than yesterday's
        overdue=list(
            qs.filter(next_deadline_on__lt=today).order_by("-next_deadline_on", "id")[:ROWS_PER_SECTION]
        ),
        due_soon=list(qs.filter(next_deadline_on__gte=today, next_deadline_on__lte=soon)[:ROWS_PER_SECTION]),
        upcoming=list(qs.filter(next_deadline_on__gt=soon)[:ROWS_PER_SECTION]),
        counts=counts,
    )


def my_deadlines(user, *, today: datetime.date) -> DeadlineSections:
    """The deadlines of the active cases the user is the prosecutor in charge of."""
    return _sections(visible_cases(user).filter(prosecutor=user), today)


def fiscalia_deadlines(agency, *, today: datetime.date) -> DeadlineSections:
    return _sections(Case.objects.filter(fiscalia=agency), today)


@dataclass(frozen=True)
class ProsecutorLoad:
    prosecutor_id: int | None
    name: str
    overdue: int
    due_soon: int


def fiscalia_load(agency, *, today: datetime.date) -> list[ProsecutorLoad]:
    """Per prosecutor of the fiscalía (and "sin asignar"): how many of their cases are overdue or due within
    7 days. One grouped query."""
    from django.contrib.auth import get_user_model
    from django.utils.translation import gettext as _

    soon = today + datetime.timedelta(days=DUE_SOON_DAYS)
    rows = (
        Case.objects.filter(fiscalia=agency, status=Case.Status.ACTIVE, next_deadline_on__lte=soon)
        .values("prosecutor")
        .annotate(
            overdue=Count("next_deadline_on", filter=Q(next_deadline_on__lt=today)),
            due_soon=Count("next_deadline_on", filter=Q(next_deadline_on__gte=today)),
        )
        .order_by()
    )
    users = {
        u.pk: u
        for u in get_user_model().objects.filter(pk__in=[r["prosecutor"] for r in rows if r["prosecutor"]])
    }
    result = []
    for r in rows:
        user = users.get(r["prosecutor"])
        name = (user.get_full_name() or user.username) if user else _("Sin fiscal asignado")
        result.append(ProsecutorLoad(r["prosecutor"], name, r["overdue"], r["due_soon"]))
    return sorted(result, key=lambda p: (-p.overdue, -p.due_soon, p.name))


def notifications_for(user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)
