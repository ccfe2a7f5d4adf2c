"""Return travel and reintegration pages, on the assistance case of the lead agency (fetched through
assistance.access). Thin: one form, one service of assistance.services_return, the common form page."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from . import services_return as services
from .forms_return import (
    ArrivalForm,
    CancelForm,
    DepartureForm,
    ReintegrationFollowUpForm,
    ReintegrationOutcomeForm,
    ReintegrationPlanForm,
    ReturnForm,
)
from .models import ReintegrationFollowUp, ReintegrationPlan, ReturnTravel
from .views import _case_url, _edit_case, _form_page, _redirecting

SECTION = "return"


def _travel(case, travel_uuid) -> ReturnTravel:
    return get_object_or_404(ReturnTravel, case=case, uuid=travel_uuid)


@never_cache
@require_http_methods(["GET", "POST"])
@_redirecting
def return_add(request, case_uuid):
    user = request.user
    case = _edit_case(request, case_uuid)
    form = ReturnForm(
        request.POST or None,
        actor=user,
        initial={
            "destination_ubigeo": case.person.ubigeo_origin_id,
            "planned_departure": timezone.localdate(),
        },
    )
    return _form_page(
        request,
        form=form,
        case=case,
        title=_("Planificar el retorno"),
        back=_case_url(case, SECTION),
        call=lambda f: services.return_plan(actor=user, case=case, **f.service_kwargs()),
        success=_("Retorno planificado."),
        done=_case_url(case, SECTION),
    )


@never_cache
@require_http_methods(["GET", "POST"])
@_redirecting
def return_edit(request, case_uuid, travel_uuid):
    user = request.user
    case = _edit_case(request, case_uuid)
    travel = _travel(case, travel_uuid)
    initial = {name: getattr(travel, name) for name in services.RETURN_FIELDS}
    for name in ("origin_ubigeo", "destination_ubigeo", "origin_country", "destination_country"):
        initial[name] = getattr(travel, f"{name}_id")
    form = ReturnForm(request.POST or None, actor=user, initial=initial)
    return _form_page(
        request,
        form=form,
        case=case,
        title=_("Modificar el retorno"),
        back=_case_url(case, SECTION),
        call=lambda f: services.return_update(actor=user, travel=travel, **f.service_kwargs()),
        success=_("Retorno modificado."),
        done=_case_url(case, SECTION),
    )


@never_cache
@require_http_methods(["GET", "POST"])
@_redirecting
def return_depart(request, case_uuid, travel_uuid):
    user = request.user
    case = _edit_case(request, case_uuid)
    travel = _travel(case, travel_uuid)
    form = DepartureForm(request.POST or None, actor=user, initial={"departed_on": timezone.localdate()})
    return _form_page(
        request,
        form=form,
        case=case,
        title=_("Registrar la salida"),
        back=_case_url(case, SECTION),
        call=lambda f: services.return_record_departure(actor=user, travel=travel, **f.service_kwargs()),
        success=_("Salida registrada."),
        done=_case_url(case, SECTION),
    )


@never_cache
@require_http_methods(["GET", "POST"])
@_redirecting
def return_arrive(request, case_uuid, travel_uuid):
    user = request.user
    case = _edit_case(request, case_uuid)
    travel = _travel(case, travel_uuid)
    form = ArrivalForm(request.POST or None, actor=user, initial={"arrived_on": timezone.localdate()})
    return _form_page(
        request,
        form=form,
        case=case,
        title=_("Confirmar la llegada"),
        back=_case_url(case, SECTION),
        call=lambda f: services.return_confirm_arrival(actor=user, travel=travel, **f.service_kwargs()),
        success=_("Llegada confirmada."),
        done=_case_url(case, SECTION),
    )


@never_cache
@require_http_methods(["GET", "POST"])
@_redirecting
def return_cancel(request, case_uuid, travel_uuid):
    user = request.user
    case = _edit_case(request, case_uuid)
    travel = _travel(case, travel_uuid)
    form = CancelForm(request.POST or None, actor=user)
    return _form_page(
        request,
        form=form,
        case=case,
        title=_("Cancelar el retorno"),
        back=_case_url(case, SECTION),
        call=lambda f: services.return_cancel(actor=user, travel=travel, **f.service_kwargs()),
        success=_("Retorno cancelado."),
        done=_case_url(case, SECTION),
    )


@never_cache
@require_http_methods(["GET", "POST"])
@_redirecting
def reintegration_add(request, case_uuid):
    user = request.user
    case = _edit_case(request, case_uuid)
    form = ReintegrationPlanForm(
        request.POST or None,
        actor=user,
        case=case,
        initial={"community": case.person.ubigeo_origin_id, "starts_on": timezone.localdate()},
    )
    return _form_page(
        request,
        form=form,
        case=case,
        title=_("Plan de reintegración"),
        back=_case_url(case, SECTION),
        call=lambda f: services.reintegration_plan_create(actor=user, case=case, **f.service_kwargs()),
        success=_(
            "Plan de reintegración registrado; los seguimientos de 3, 6 y 12 meses quedaron programados."
        ),
        done=_case_url(case, SECTION),
    )


@never_cache
@require_http_methods(["GET", "POST"])
@_redirecting
def reintegration_followup(request, case_uuid, follow_up_uuid):
    user = request.user
    case = _edit_case(request, case_uuid)
    follow_up = get_object_or_404(ReintegrationFollowUp, plan__case=case, uuid=follow_up_uuid)
    form = ReintegrationFollowUpForm(
        request.POST or None, actor=user, initial={"done_on": timezone.localdate()}
    )
    return _form_page(
        request,
        form=form,
        case=case,
        title=_("Seguimiento de la reintegración (%(milestone)s)")
        % {"milestone": follow_up.get_milestone_display()},
        back=_case_url(case, SECTION),
        call=lambda f: services.reintegration_followup_record(
            actor=user, follow_up=follow_up, **f.service_kwargs()
        ),
        success=_("Seguimiento registrado."),
        done=_case_url(case, SECTION),
    )


@never_cache
@require_http_methods(["GET", "POST"])
@_redirecting
def reintegration_outcome(request, case_uuid, plan_uuid):
    user = request.user
    case = _edit_case(request, case_uuid)
    plan = get_object_or_404(ReintegrationPlan, case=case, uuid=plan_uuid)
    form = ReintegrationOutcomeForm(
        request.POST or None, actor=user, initial={"outcome_on": timezone.localdate()}
    )
    return _form_page(
        request,
        form=form,
        case=case,
        title=_("Resultado de la reintegración"),
        back=_case_url(case, SECTION),
        call=lambda f: services.reintegration_outcome_record(actor=user, plan=plan, **f.service_kwargs()),
        success=_("Resultado registrado; el plan concluyó."),
        done=_case_url(case, SECTION),
    )
