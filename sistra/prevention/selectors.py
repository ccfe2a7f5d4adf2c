"""Reads of the prevention pages: lists with their related rows in one query each, and the small summaries
the pages show (an event's scores, a campaign's reach by method, the officer's home figures)."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Avg, Count, Q, QuerySet

from sistra.accounts.types import Actor
from sistra.stats.disclosure import THRESHOLD

from . import access
from .figures import calls_by_phase
from .models import AtRiskChild, AtRiskFamily, Campaign, CampaignReach, FamilyFollowUp, Participant


def event_list(actor: Actor) -> QuerySet:
    return (
        access.visible_events(actor)
        .select_related("ubigeo__parent__parent")
        .annotate(
            n_participants=Count("participants"),
            n_attended=Count("participants", filter=Q(participants__attended=True)),
        )
    )


@dataclass
class EventSummary:
    participants: int
    attended: int
    with_both_tests: int
    mean_pre: float | None
    mean_post: float | None
    mean_gain: float | None
    by_profession: list[tuple[str, int]]


def event_summary(event) -> EventSummary:
    rows = event.participants.all()
    both = rows.filter(pre_score__isnull=False, post_score__isnull=False)
    means = both.aggregate(pre=Avg("pre_score"), post=Avg("post_score"))
    pre, post = means["pre"], means["post"]
    counts = dict(rows.values_list("profession").annotate(n=Count("id")).order_by())
    return EventSummary(
        participants=rows.count(),
        attended=rows.filter(attended=True).count(),
        with_both_tests=both.count(),
        mean_pre=round(float(pre), 1) if pre is not None else None,
        mean_post=round(float(post), 1) if post is not None else None,
        mean_gain=round(float(post - pre), 1) if pre is not None and post is not None else None,
        by_profession=[
            (str(Participant.Profession(k).label), v)
            for k, v in sorted(counts.items(), key=lambda kv: -kv[1])
        ],
    )


def campaign_list(actor: Actor) -> QuerySet:
    return access.visible_campaigns(actor).prefetch_related("reach", "places")


@dataclass
class ReachByMethod:
    method: str
    label: str
    rows: list[tuple[str, int, list[str]]]  # channel label, people, sources
    total: int


def reach_by_method(campaign: Campaign) -> list[ReachByMethod]:
    """The reach of a campaign per method of estimation: a total is given within a method only — counts,
    audience figures and estimates are not added to one another."""
    grouped: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(lambda: [0, []]))
    for item in campaign.reach.all():
        cell = grouped[item.method][item.channel]
        cell[0] += item.people
        cell[1].append(item.source)
    out = []
    for method in CampaignReach.Method:
        if method.value not in grouped:
            continue
        rows = [
            (str(Campaign.Channel(ch).label), people, sources)
            for ch, (people, sources) in sorted(grouped[method.value].items())
        ]
        out.append(ReachByMethod(method.value, str(method.label), rows, sum(r[1] for r in rows)))
    return out


def small(value: int) -> str | int:
    """A count of contacts as the page may show it: below the small-cell threshold it is only "< 10"."""
    return f"< {THRESHOLD}" if 0 < value < THRESHOLD else value


def campaign_calls(campaign: Campaign) -> dict[str, str | int]:
    return {phase: small(n) for phase, n in calls_by_phase(campaign).items()}


def family_list(actor: Actor) -> QuerySet:
    return (
        access.visible_families(actor)
        .select_related("ubigeo__parent__parent", "owner_agency")
        .annotate(n_children=Count("children", distinct=True))
    )


@dataclass
class HomeFigures:
    events: int
    participants: int
    campaigns: int
    families: int
    children: int
    children_followed_12m: int
    children_in_school_12m: int


def home_figures(actor: Actor) -> HomeFigures:
    events = access.visible_events(actor)
    families = access.visible_families(actor)
    children = AtRiskChild.objects.filter(family__in=families)
    followed = FamilyFollowUp.objects.filter(child__in=children, milestone=FamilyFollowUp.Milestone.MONTH_12)
    return HomeFigures(
        events=events.count(),
        participants=Participant.objects.filter(event__in=events, attended=True).count(),
        campaigns=access.visible_campaigns(actor).count(),
        families=families.count(),
        children=children.count(),
        children_followed_12m=followed.count(),
        children_in_school_12m=followed.filter(in_school=True).count(),
    )


def family_queryset_for_api(actor: Actor) -> QuerySet[AtRiskFamily]:
    return (
        access.visible_families(actor)
        .select_related("ubigeo")
        .prefetch_related("children__alternatives", "children__follow_ups")
    )
