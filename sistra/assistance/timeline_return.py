"""The victim timeline's source for return travel and reintegration: the viewer's agency's own assistance
cases only (assistance.access.visible_assistance_cases), like the assistance source."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .timeline import TimelineEntry, _url, register_timeline_source


def return_entries(actor, person) -> list[TimelineEntry]:
    from .access import visible_assistance_cases
    from .models import ReintegrationPlan, ReturnTravel

    cases = visible_assistance_cases(actor).filter(person=person)
    entries = []
    travels = ReturnTravel.objects.filter(case__in=cases).select_related(
        "case",
        "origin_ubigeo__parent__parent",
        "origin_country",
        "destination_ubigeo__parent__parent",
        "destination_country",
    )
    for travel in travels:
        url = _url("assistance:case_detail", travel.case.uuid) + "#return"
        route = {"origin": travel.origin, "destination": travel.destination}
        if travel.status == ReturnTravel.Status.CANCELLED:
            entries.append(
                TimelineEntry(
                    when=travel.planned_departure,
                    source="return",
                    title=_("Retorno cancelado: %(origin)s → %(destination)s") % route,
                    detail=travel.cancellation_reason,
                    url=url,
                )
            )
            continue
        if travel.departed_on is None:
            entries.append(
                TimelineEntry(
                    when=travel.planned_departure,
                    source="return",
                    title=_("Retorno planificado: %(origin)s → %(destination)s") % route,
                    detail=travel.get_transport_display(),
                    url=url,
                )
            )
        else:
            entries.append(
                TimelineEntry(
                    when=travel.departed_on,
                    source="return",
                    title=_("Salida del retorno: %(origin)s → %(destination)s") % route,
                    detail=travel.get_transport_display(),
                    url=url,
                )
            )
        if travel.arrived_on:
            entries.append(
                TimelineEntry(
                    when=travel.arrived_on,
                    source="return",
                    title=_("Llegada confirmada a %(destination)s") % route,
                    detail=travel.arrival_notes,
                    url=url,
                )
            )
    plans = (
        ReintegrationPlan.objects.filter(case__in=cases)
        .select_related("case", "community__parent__parent")
        .prefetch_related("follow_ups")
    )
    for plan in plans:
        url = _url("assistance:case_detail", plan.case.uuid) + "#return"
        entries.append(
            TimelineEntry(
                when=plan.starts_on,
                source="return",
                title=_("Plan de reintegración en %(community)s") % {"community": plan.community},
                url=url,
            )
        )
        for follow_up in plan.follow_ups.all():
            if follow_up.done_on:
                entries.append(
                    TimelineEntry(
                        when=follow_up.done_on,
                        source="return",
                        title=_("Seguimiento de la reintegración (%(milestone)s)")
                        % {"milestone": follow_up.get_milestone_display()},
                        detail=follow_up.get_progress_display(),
                        url=url,
                        warning=follow_up.progress == follow_up.Progress.AT_RISK,
                    )
                )
        if plan.outcome_on:
            entries.append(
                TimelineEntry(
                    when=plan.outcome_on,
                    source="return",
                    title=_("Resultado de la reintegración: %(outcome)s")
                    % {"outcome": plan.get_outcome_display()},
                    url=url,
                    warning=plan.outcome == ReintegrationPlan.Outcome.RETRAFFICKED,
                )
            )
    return entries


def register() -> None:
    register_timeline_source("return", gettext_lazy("Retorno y reintegración"), return_entries)
