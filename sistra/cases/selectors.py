"""Reads of criminal cases that matter: the filtered list, the detail with its parts, the timeline, the
history, the deadline of the current stage and every role a person holds."""

import datetime
from dataclasses import dataclass

from django.db import models
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, prefetch_related_objects
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sistra.accounts.capabilities import Capability, has_capability
from sistra.accounts.types import Actor
from sistra.audit.models import ChangeEvent
from sistra.core.db import id_rows
from sistra.core.selectors import stage_term
from sistra.core.text import normalize

from .access import visible_cases
from .models import Case, CaseDefendant, CaseEvent, CaseParty, CasePlace, CaseVictim, Charge


class DeadlineFilter(models.TextChoices):
    OVERDUE = "overdue", _("Vencidos")
    DUE_SOON = "due7", _("Vencen en 7 días")


DUE_SOON_DAYS = 7


def deadline_window(kind: str, today: datetime.date) -> Q:
    """Cases whose stored deadline is past (overdue) or falls from today to 7 days ahead: a range on the
    next_deadline_on index, never a computation per case."""
    if kind == DeadlineFilter.OVERDUE:
        return Q(next_deadline_on__lt=today)
    return Q(next_deadline_on__gte=today, next_deadline_on__lte=today + datetime.timedelta(days=DUE_SOON_DAYS))


@dataclass(frozen=True)
class CaseFilters:
    year: int | None = None
    distrito_fiscal: str | None = None
    region: str | None = None  # departamento code of a place of exploitation
    stage: str | None = None
    status: str | None = None
    exploitation: str | None = None  # Term code
    minor_victim: bool | None = None
    q: str = ""
    deadline: str | None = None  # a DeadlineFilter value


# up to this many cases matching a searched text are listed by their ids; beyond, the search is one query
SEARCH_CANDIDATES = 5000


def case_list(actor: Actor, filters: CaseFilters, *, search_names: bool = True) -> QuerySet[Case]:
    qs = visible_cases(actor).select_related("fiscalia", "distrito_fiscal", "current_stage")
    if filters.year:
        qs = qs.filter(complaint_date__year=filters.year)
    if filters.distrito_fiscal:
        qs = qs.filter(distrito_fiscal_id=filters.distrito_fiscal)
    if filters.region:
        qs = qs.filter(Exists(CasePlace.objects.filter(
            case=OuterRef("pk"), kind=CasePlace.Kind.EXPLOITATION, departamento_code=filters.region)))
    if filters.stage:
        qs = qs.filter(current_stage_id=filters.stage)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.exploitation:
        # the form and the forms under it, from the row's own key (Case.exploitation_key): an EXISTS over the
        # victims' forms was tested for every case the other filters left (57 ms for a prosecutor's year)
        qs = qs.filter(exploitation_key__contains=f"|{filters.exploitation}|")
    if filters.minor_victim is not None:
        qs = qs.filter(has_minor_victim=filters.minor_victim)
    if filters.deadline:
        qs = qs.filter(deadline_window(filters.deadline, timezone.localdate()))
    text = (filters.q or "").strip()
    if text:
        condition = Q(number__icontains=text)
        key = normalize(text)
        # a name search would tell a user who sees only pseudonyms (an analyst) which cases a named person is in
        # text without a letter is a case number: names are not searched (it would scan the whole registry)
        looks_like_name = any(c.isalpha() for c in key)
        sources: list[QuerySet] = [Case.objects.filter(number__icontains=text).values_list("pk", flat=True)]
        if search_names and looks_like_name and has_capability(actor, Capability.CASE_VIEW_IDENTITY):
            from sistra.people.selectors import name_holders, name_search

            named = name_holders(key, limit=SEARCH_CANDIDATES)
            people: RawSQL | QuerySet = id_rows(named) if named is not None else name_search(key).values("pk")
            # from the named persons to their cases (a list computed once), not a probe of every case
            victims = CaseVictim.objects.filter(person_id__in=people).values_list("case_id", flat=True)
            defendants = CaseDefendant.objects.filter(person_id__in=people).values_list("case_id", flat=True)
            condition |= Q(pk__in=victims) | Q(pk__in=defendants)
            sources += [victims, defendants]
        # the matching cases first (each source from its index), then only they are tested for visibility;
        # "number OR victim OR defendant" tested every case the user may see (0.5 s at 300,000 cases)
        found: set[int] = set()
        for source in sources:
            found.update(source[: SEARCH_CANDIDATES + 1])
        if len(found) <= SEARCH_CANDIDATES:
            # the found cases the user may see (and the other filters keep), tested once: the page's count and
            # its rows then go by those ids alone, where each tested the rule over every found case again (two
            # passes of ~20 ms for a common name at the design scale)
            kept = list(qs.filter(pk__in=id_rows(found)).order_by().values_list("pk", flat=True))
            qs = Case.objects.select_related("fiscalia", "distrito_fiscal", "current_stage").filter(
                pk__in=id_rows(kept))
        else:  # a text found in very many cases: one query, the cases tested one by one
            qs = qs.filter(condition)
    return qs.order_by("-complaint_date", "-id")


def case_detail(case: Case, *, reread: bool = True) -> Case:
    """The case with everything its detail page shows, in a fixed number of queries. `reread=False` for a case
    just read by access_case (with its fiscalía, distrito, stage and owner): its parts are added to it."""
    if not reread:
        prefetch_related_objects([case], *_detail_parts())
        return case
    return (
        Case.objects.select_related("fiscalia", "distrito_fiscal", "current_stage", "owner_agency")
        .prefetch_related(*_detail_parts())
        .get(pk=case.pk)
    )


def _detail_parts() -> tuple:
    return (
        Prefetch("charges", queryset=Charge.objects.select_related("article", "defendant__person")),
        Prefetch("victims", queryset=CaseVictim.objects.select_related(
            "person", "nationality", "recruitment_method").prefetch_related(
            "exploitation_forms", "control_methods")),
        Prefetch("defendants", queryset=CaseDefendant.objects.select_related("person", "role")),
        Prefetch("other_parties", queryset=CaseParty.objects.select_related("person")),
        Prefetch("places", queryset=CasePlace.objects.select_related(
            "ubigeo__parent__parent", "country")),
        Prefetch("events", queryset=CaseEvent.objects.select_related(
            "stage_from", "stage_to", "created_by").order_by("-date", "-id")),
        "shares__agency",
        "related_cases",
    )


def case_persons(case: Case) -> list:
    """Every person the case names — victims, defendants, other parties — each once, in that order. On a case
    from case_detail() it costs no query (the parties are prefetched)."""
    parties = ([v.person for v in case.victims.all()] + [d.person for d in case.defendants.all()]
               + [p.person for p in case.other_parties.all()])
    return list({p.pk: p for p in parties}.values())


def case_history(case: Case) -> QuerySet[ChangeEvent]:
    return ChangeEvent.objects.filter(root_model="cases.case", root_uuid=case.uuid).select_related(
        "actor", "actor_agency")


@dataclass(frozen=True)
class Deadline:
    stage_name: str
    due: datetime.date
    days_left: int
    legal_basis: str
    kind: str = ""  # a DeadlineKind value

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def kind_label(self) -> str:
        from sistra.core.models import DeadlineKind

        return str(DeadlineKind(self.kind).label) if self.kind else ""


def current_deadline(case: Case, *, today: datetime.date | None = None) -> Deadline | None:
    stage = case.current_stage
    term = stage_term(stage, started_on=case.stage_started_on, is_complex=case.is_complex,
                      is_organized=case.is_organized_crime)
    if term is None:
        return None
    today = today or timezone.localdate()
    return Deadline(stage_name=str(stage), due=term.due, days_left=(term.due - today).days,
                    legal_basis=stage.deadline_basis, kind=term.kind)


@dataclass(frozen=True)
class PersonRole:
    role: str
    case: Case
    detail: str


def person_case_roles(actor: Actor, person) -> list[PersonRole]:
    """Every role the person holds in the cases the user may see."""
    from django.utils.translation import gettext as _

    cases = visible_cases(actor)
    roles: list[PersonRole] = []
    for v in CaseVictim.objects.filter(person=person, case__in=cases).select_related("case"):
        roles.append(PersonRole(_("Víctima"), v.case, _("menor de edad") if v.is_minor else ""))
    for d in CaseDefendant.objects.filter(person=person, case__in=cases).select_related("case"):
        roles.append(PersonRole(_("Imputado"), d.case, d.get_outcome_display()))
    for p in CaseParty.objects.filter(person=person, case__in=cases).select_related("case"):
        roles.append(PersonRole(p.get_role_display(), p.case, ""))
    return roles
