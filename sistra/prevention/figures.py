"""Prevention as an aggregate source of the statistics app: trainings and people trained by profession and
department, campaign reach by channel (one figure per method of estimation: counts, audience figures and
estimates are never added together), at-risk families and children, the alternatives given and whether the
children are still in school at the 12-month follow-up, and hotline contacts before, during and after
campaigns. Grouped straight from the prevention tables; the one filter they carry is the department.

Everything shown goes through the statistics app's tables, so small cells are suppressed as everywhere."""

from __future__ import annotations

import datetime
import zoneinfo
from collections import defaultdict

from django.conf import settings
from django.db import connection
from django.db.models import Count, Sum
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext_lazy as _

from sistra.stats import dimensions as dim
from sistra.stats.sources import CellSink, Figure, Source, scope_combinations

from .models import (
    Alternative,
    AtRiskChild,
    AtRiskFamily,
    Campaign,
    CampaignReach,
    FamilyFollowUp,
    Participant,
    TrainingEvent,
)


def _choice_keys(choices):
    return lambda: list(choices.values)


def _choice_label(choices):
    def label(key: str) -> str:
        if key == "none":
            return str(_("Sin dato"))
        return str(choices(key).label) if key in choices.values else key

    return label


def _dept_label(key: str) -> str:
    return str(_("Sin dato")) if key == "none" else dim.place_label(key)


PHASES = {
    "before": _("Antes de la campaña"),
    "during": _("Durante la campaña"),
    "after": _("Después de la campaña"),
    "attributed": _("Dijeron conocer la línea por la campaña"),
}
SCHOOL = {
    "in_school": _("Sigue estudiando"),
    "not_in_school": _("Dejó de estudiar"),
    "migrated": _("Migró"),
}
METHOD_TITLES = {
    CampaignReach.Method.COUNTED: _("Alcance de campañas por canal — conteo directo"),
    CampaignReach.Method.AUDIENCE: _("Alcance de campañas por canal — cifras de audiencia"),
    CampaignReach.Method.ESTIMATE: _("Alcance de campañas por canal — estimaciones"),
}
METHOD_DEPT_TITLES = {
    CampaignReach.Method.COUNTED: _("Alcance de campañas por departamento — conteo directo"),
    CampaignReach.Method.AUDIENCE: _("Alcance de campañas por departamento — cifras de audiencia"),
    CampaignReach.Method.ESTIMATE: _("Alcance de campañas por departamento — estimaciones"),
}


def reach_figure_code(method: str) -> str:
    return f"prevention_reach_{method}_by_channel"


def reach_dept_figure_code(method: str) -> str:
    return f"prevention_reach_{method}_by_dept"


FIGURES = [
    Figure("prevention_trainings_total", _("Capacitaciones"), "trainings", year_basis=_("año de inicio")),
    Figure(
        "prevention_trainings_by_dept", _("Capacitaciones por departamento"), "trainings", label=_dept_label
    ),
    Figure(
        "prevention_trainings_by_topic",
        _("Capacitaciones por tema"),
        "trainings",
        keys=_choice_keys(TrainingEvent.Topic),
        label=_choice_label(TrainingEvent.Topic),
    ),
    Figure(
        "prevention_trained_total",
        _("Personas capacitadas"),
        "participants",
        note=_("Participantes que asistieron; una persona en dos capacitaciones cuenta dos veces."),
    ),
    Figure(
        "prevention_trained_by_profession",
        _("Personas capacitadas por profesión"),
        "participants",
        keys=_choice_keys(Participant.Profession),
        label=_choice_label(Participant.Profession),
    ),
    Figure(
        "prevention_trained_by_dept",
        _("Personas capacitadas por departamento de la capacitación"),
        "participants",
        label=_dept_label,
    ),
    *[
        Figure(
            reach_figure_code(method),
            title,
            "people",
            keys=_choice_keys(Campaign.Channel),
            label=_choice_label(Campaign.Channel),
            note=_(
                "Cifras declaradas por las organizaciones, con su fuente; no se suman con las de otros "
                "métodos y una persona puede haber sido alcanzada por varios canales."
            ),
        )
        for method, title in METHOD_TITLES.items()
    ],
    *[
        Figure(
            reach_dept_figure_code(method),
            title,
            "people",
            label=_dept_label,
            note=_(
                "Por departamento alcanzado; el alcance nacional o sin departamento aparece como «Sin dato»."
            ),
        )
        for method, title in METHOD_DEPT_TITLES.items()
    ],
    Figure("prevention_campaigns_total", _("Campañas"), "campaigns", year_basis=_("año de inicio")),
    Figure(
        "prevention_calls_by_campaign_phase",
        _("Contactos con la línea antes, durante y después de las campañas"),
        "contacts",
        additive=False,
        keys=lambda: list(PHASES),
        label=lambda k: str(PHASES.get(k, k)),
        note=_(
            "Antes y después: periodos de la misma duración que la campaña. Sin contactos no sustantivos."
        ),
    ),
    Figure(
        "prevention_families_total",
        _("Familias en riesgo registradas"),
        "families",
        year_basis=_("año de registro"),
    ),
    Figure(
        "prevention_children_total",
        _("Niñas, niños y adolescentes en riesgo"),
        "children",
        year_basis=_("año de registro de la familia"),
    ),
    Figure(
        "prevention_children_with_alternative",
        _("Niñas, niños y adolescentes con al menos una alternativa"),
        "children",
        year_basis=_("año de registro de la familia"),
    ),
    Figure(
        "prevention_children_by_alternative",
        _("Niñas, niños y adolescentes por alternativa brindada"),
        "children",
        additive=False,
        keys=_choice_keys(Alternative.Kind),
        label=_choice_label(Alternative.Kind),
    ),
    Figure(
        "prevention_children_school_12m",
        _("Situación a los 12 meses"),
        "children",
        keys=lambda: list(SCHOOL),
        label=lambda k: str(SCHOOL.get(k, k)),
    ),
]


def _add(values, year: int, dept: str | None, pairs, n: int) -> None:
    dept = dept or ""
    for scope, scope_value in scope_combinations({"dept": [dept] if dept in dim.DEPARTMENTS else []}):
        for figure, key in pairs:
            values[(figure, year, scope, scope_value, key)] += n


def campaign_phases(campaign: Campaign) -> dict[str, tuple[datetime.date, datetime.date]]:
    """Before and after are periods as long as the campaign itself, right before and right after it."""
    length = (campaign.ends_on - campaign.starts_on).days + 1
    return {
        "before": (
            campaign.starts_on - datetime.timedelta(days=length),
            campaign.starts_on - datetime.timedelta(days=1),
        ),
        "during": (campaign.starts_on, campaign.ends_on),
        "after": (
            campaign.ends_on + datetime.timedelta(days=1),
            campaign.ends_on + datetime.timedelta(days=length),
        ),
    }


def calls_by_phase(campaign: Campaign) -> dict[str, int]:
    """Substantive hotline contacts in each phase of the campaign (Lima days), and those whose caller said
    they heard of the line through it."""
    try:
        from sistra.hotline.models import Contact
    except ImportError:  # pragma: no cover — a deployment without the hotline
        return {}
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    substantive = Contact.objects.exclude(category=Contact.Category.NON_SUBSTANTIVE)
    out = {}
    for phase, (first, last) in campaign_phases(campaign).items():
        start = datetime.datetime.combine(first, datetime.time.min, tzinfo=tz)
        end = datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
        out[phase] = substantive.filter(started_at__gte=start, started_at__lt=end).count()
    out["attributed"] = substantive.filter(heard_campaign=campaign).count()
    return out


class PreventionSource(Source):
    def available(self) -> bool:
        return TrainingEvent._meta.db_table in connection.introspection.table_names()

    def build(self, *, run, sink: CellSink) -> dict:
        values = sink.values
        events = (
            TrainingEvent.objects.annotate(y=ExtractYear("starts_on"))
            .values("y", "departamento_code", "topic")
            .annotate(n=Count("id"))
            .order_by()
        )
        n_events = 0
        for row in events:
            n_events += row["n"]
            _add(
                values,
                row["y"],
                row["departamento_code"],
                [
                    ("prevention_trainings_total", ""),
                    ("prevention_trainings_by_dept", row["departamento_code"] or "none"),
                    ("prevention_trainings_by_topic", row["topic"]),
                ],
                row["n"],
            )
        trained = (
            Participant.objects.filter(attended=True)
            .annotate(y=ExtractYear("event__starts_on"))
            .values("y", "event__departamento_code", "profession")
            .annotate(n=Count("id"))
            .order_by()
        )
        n_trained = 0
        for row in trained:
            n_trained += row["n"]
            dept = row["event__departamento_code"]
            _add(
                values,
                row["y"],
                dept,
                [
                    ("prevention_trained_total", ""),
                    ("prevention_trained_by_profession", row["profession"]),
                    ("prevention_trained_by_dept", dept or "none"),
                ],
                row["n"],
            )
        reach = (
            CampaignReach.objects.annotate(y=ExtractYear("campaign__starts_on"))
            .values("y", "departamento_code", "channel", "method")
            .annotate(n=Sum("people"))
            .order_by()
        )
        for row in reach:
            _add(
                values,
                row["y"],
                row["departamento_code"],
                [
                    (reach_figure_code(row["method"]), row["channel"]),
                    (reach_dept_figure_code(row["method"]), row["departamento_code"] or "none"),
                ],
                row["n"] or 0,
            )
        campaigns = list(Campaign.objects.prefetch_related("places"))
        for campaign in campaigns:
            depts = sorted({p.ubigeo_id[:2] for p in campaign.places.all()})
            year = campaign.starts_on.year
            # a campaign in two departments is counted once nationally and once in each
            scopes = scope_combinations({"dept": [d for d in depts if d in dim.DEPARTMENTS]})
            for scope, scope_value in scopes:
                values[("prevention_campaigns_total", year, scope, scope_value, "")] += 1
            if scopes:
                for phase, n in calls_by_phase(campaign).items():
                    values[("prevention_calls_by_campaign_phase", year, "", "", phase)] += n
        families = (
            AtRiskFamily.objects.annotate(y=ExtractYear("registered_on"))
            .values("y", "departamento_code")
            .annotate(n=Count("id"))
            .order_by()
        )
        for row in families:
            _add(values, row["y"], row["departamento_code"], [("prevention_families_total", "")], row["n"])
        children = (
            AtRiskChild.objects.annotate(y=ExtractYear("family__registered_on"))
            .values("y", "family__departamento_code")
            .annotate(n=Count("id"))
            .order_by()
        )
        n_children = 0
        for row in children:
            n_children += row["n"]
            _add(
                values,
                row["y"],
                row["family__departamento_code"],
                [("prevention_children_total", "")],
                row["n"],
            )
        alternatives = (
            Alternative.objects.annotate(y=ExtractYear("child__family__registered_on"))
            .values("y", "child__family__departamento_code", "kind")
            .annotate(n=Count("child", distinct=True))
            .order_by()
        )
        for row in alternatives:
            _add(
                values,
                row["y"],
                row["child__family__departamento_code"],
                [("prevention_children_by_alternative", row["kind"])],
                row["n"],
            )
        supported = (
            AtRiskChild.objects.filter(alternatives__isnull=False)
            .annotate(y=ExtractYear("family__registered_on"))
            .values("y", "family__departamento_code")
            .annotate(n=Count("id", distinct=True))
            .order_by()
        )
        for row in supported:
            _add(
                values,
                row["y"],
                row["family__departamento_code"],
                [("prevention_children_with_alternative", "")],
                row["n"],
            )
        school = defaultdict(int)
        for row in (
            FamilyFollowUp.objects.filter(milestone=FamilyFollowUp.Milestone.MONTH_12)
            .annotate(y=ExtractYear("child__family__registered_on"))
            .values("y", "child__family__departamento_code", "in_school", "migrated")
            .annotate(n=Count("id"))
            .order_by()
        ):
            key = "migrated" if row["migrated"] else ("in_school" if row["in_school"] else "not_in_school")
            school[(row["y"], row["child__family__departamento_code"], key)] += row["n"]
        for (year, dept, key), n in school.items():
            _add(values, year, dept, [("prevention_children_school_12m", key)], n)
        sink.flush()
        return {
            "prevention_trainings": n_events,
            "prevention_participants": n_trained,
            "prevention_children": n_children,
        }


SOURCE = PreventionSource(
    code="prevention", title=_("Prevención"), scopes=frozenset({"dept"}), figures=FIGURES
)
