"""Return travel and reintegration in the community of origin: every write, with its rules across records.

As in assistance.services, each service locks the assistance case, checks who may act on the fresh row, writes,
and records the change (root: the assistance case) in one transaction. A refusal is a ValidationError with a
Spanish message per field; nothing is half-saved. The lead agency works on its open case; an agency that
received a referral for the return works through its accepted referral (assistance.access)."""

import calendar
import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sistra.accounts.types import Actor, agency_of
from sistra.audit.services import record_change, snapshot
from sistra.core.validation import check_not_future, check_order, raise_if

from . import access
from .models import (
    AssistanceCase,
    Consent,
    FollowUpVisit,
    Referral,
    ReintegrationFollowUp,
    ReintegrationPlan,
    ReturnTravel,
)
from .services import _check_work_on, _lock_case, _not_before_identification, _require, _touch, active_consent

RETURN_FIELDS = (
    "origin_ubigeo",
    "origin_country",
    "destination_ubigeo",
    "destination_country",
    "transport",
    "travel_document",
    "document_status",
    "visa",
    "tickets",
    "escort",
    "escort_details",
    "cost_tickets",
    "cost_documents",
    "cost_other",
    "paid_by",
    "paid_by_details",
    "planned_departure",
    "planned_arrival",
    "notes",
)
_TEXT_FIELDS = ("tickets", "escort_details", "paid_by_details", "notes")
_CHOICE_FIELDS = {
    "transport": ReturnTravel.Transport,
    "travel_document": ReturnTravel.Document,
    "document_status": ReturnTravel.DocumentStatus,
    "visa": ReturnTravel.Visa,
    "escort": ReturnTravel.Escort,
    "paid_by": ReturnTravel.Payer,
}
OPEN_RETURN_STATUSES = (ReturnTravel.Status.PLANNED, ReturnTravel.Status.TRAVELLING)
ADULT_AGE = 18


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, or the last day of that month (31/01 + 3 months = 30/04)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- return travel ------------------------------------------------------------------------------------------


def _as_cost(value) -> Decimal | None:
    if value in (None, ""):
        return Decimal("0")
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _check_return(errors: dict, travel: ReturnTravel, case: AssistanceCase) -> None:
    """The rules of one planned return, on the values it would have."""
    if travel.origin_ubigeo_id is None and travel.origin_country_id is None:
        errors.setdefault("origin_ubigeo", []).append(
            _("Indique desde dónde viaja: un lugar del Perú o un país.")
        )
    if travel.origin_ubigeo_id is not None and travel.origin_country_id is not None:
        errors.setdefault("origin_country", []).append(
            _("Indique un solo origen: en el Perú o en otro país.")
        )
    if travel.destination_ubigeo_id is None and travel.destination_country_id is None:
        errors.setdefault("destination_ubigeo", []).append(_("Indique el destino del retorno."))
    if travel.destination_ubigeo_id is not None and travel.destination_country_id is not None:
        errors.setdefault("destination_country", []).append(
            _("Indique un solo destino: en el Perú o en otro país.")
        )
    same_place = travel.origin_ubigeo_id and travel.origin_ubigeo_id == travel.destination_ubigeo_id
    same_country = travel.origin_country_id and travel.origin_country_id == travel.destination_country_id
    if same_place or same_country:
        errors.setdefault("destination_ubigeo", []).append(
            _("El destino no puede ser el mismo lugar de origen.")
        )
    for name, choices in _CHOICE_FIELDS.items():
        if getattr(travel, name) not in choices.values:
            errors.setdefault(name, []).append(_("Valor no válido."))
    if not travel.is_international:
        if travel.visa != ReturnTravel.Visa.NOT_NEEDED:
            errors.setdefault("visa", []).append(_("Un retorno dentro del Perú no requiere visa."))
    for name in ("cost_tickets", "cost_documents", "cost_other"):
        value = getattr(travel, name)
        if value is None:
            errors.setdefault(name, []).append(_("Indique un monto en soles, p. ej. 450.00."))
        elif value < 0:
            errors.setdefault(name, []).append(_("El costo no puede ser negativo."))
    if travel.paid_by == ReturnTravel.Payer.OTHER and not travel.paid_by_details:
        errors.setdefault("paid_by_details", []).append(_("Indique quién paga el retorno."))
    if not travel.planned_departure:
        errors.setdefault("planned_departure", []).append(_("Indique la fecha prevista de salida."))
    _not_before_identification(
        errors, "planned_departure", travel.planned_departure, case, _("la salida prevista")
    )
    check_order(
        errors,
        "planned_arrival",
        travel.planned_departure,
        travel.planned_arrival,
        _("la salida prevista"),
        _("la llegada prevista"),
    )
    age = case.person.age_on(travel.planned_departure) if travel.planned_departure else None
    if age is not None and age < ADULT_AGE and travel.escort == ReturnTravel.Escort.NONE:
        errors.setdefault("escort", []).append(
            _("Una niña, niño o adolescente no viaja sin acompañante: indique quién la acompaña.")
        )


def _apply(travel: ReturnTravel, fields: dict) -> None:
    unknown = set(fields) - set(RETURN_FIELDS)
    if unknown:
        raise TypeError(f"unknown return fields: {sorted(unknown)}")
    for name, value in fields.items():
        if name in _TEXT_FIELDS:
            value = (value or "").strip()
        elif name.startswith("cost_"):
            value = _as_cost(value)
        setattr(travel, name, value)


def _lock_travel(travel: ReturnTravel) -> tuple[ReturnTravel, AssistanceCase]:
    case = _lock_case(travel.case)
    travel = ReturnTravel.objects.select_for_update().get(pk=travel.pk)
    return travel, case


def _return_summary(travel: ReturnTravel) -> dict:
    return {"origin": str(travel.origin or "—"), "destination": str(travel.destination or "—")}


@transaction.atomic
def return_plan(*, actor: Actor, case: AssistanceCase, referral: Referral | None = None, **fields) -> ReturnTravel:
    """Plan the return: route, documents, visa, tickets, escort, costs and who pays, planned dates."""
    case = _lock_case(case)
    _check_work_on(actor, case, referral)
    travel = ReturnTravel(case=case, referral=referral, created_by=actor, agency=agency_of(actor))
    _apply(travel, fields)
    errors: dict = {}
    _check_return(errors, travel, case)
    if ReturnTravel.objects.filter(case=case, status__in=OPEN_RETURN_STATUSES).exists():
        errors.setdefault("planned_departure", []).append(
            _("El caso ya tiene un retorno en curso: concluya o cancele ese antes de planificar otro.")
        )
    raise_if(errors)
    travel.save()
    _touch(case)
    record_change(
        actor=actor,
        action="create",
        instance=travel,
        root=case,
        after=snapshot(travel),
        summary=_("Retorno planificado: %(origin)s → %(destination)s") % _return_summary(travel),
    )
    return travel


def _check_may_work(actor: Actor, travel: ReturnTravel, case: AssistanceCase) -> None:
    _check_work_on(
        actor, case, travel.referral if travel.referral and not access.can_edit_case(actor, case) else None
    )


@transaction.atomic
def return_update(*, actor: Actor, travel: ReturnTravel, **fields) -> ReturnTravel:
    """Change the plan of a return not yet under way."""
    travel, case = _lock_travel(travel)
    _check_may_work(actor, travel, case)
    if travel.status != ReturnTravel.Status.PLANNED:
        raise_if(
            {
                "status": [
                    _("Solo se modifica un retorno planificado; este está «%(status)s».")
                    % {"status": travel.get_status_display()}
                ]
            }
        )
    before = snapshot(travel)
    _apply(travel, fields)
    errors: dict = {}
    _check_return(errors, travel, case)
    raise_if(errors)
    travel.save()
    _touch(case)
    record_change(
        actor=actor,
        action="update",
        instance=travel,
        root=case,
        before=before,
        after=snapshot(travel),
        summary=_("Retorno modificado"),
    )
    return travel


@transaction.atomic
def return_record_departure(*, actor: Actor, travel: ReturnTravel, departed_on: datetime.date) -> ReturnTravel:
    """The victim set off. Her travel document must be ready, an international return needs its visa granted
    (or none needed), and an air journey its tickets."""
    travel, case = _lock_travel(travel)
    _check_may_work(actor, travel, case)
    errors: dict = {}
    if travel.status != ReturnTravel.Status.PLANNED:
        errors["status"] = [_("Solo un retorno planificado puede iniciar el viaje.")]
    if not departed_on:
        errors["departed_on"] = [_("Indique la fecha de salida.")]
    check_not_future(errors, "departed_on", departed_on, _("La fecha de salida"))
    _not_before_identification(errors, "departed_on", departed_on, case, _("la salida"))
    if (
        travel.travel_document != ReturnTravel.Document.NONE
        and travel.document_status != ReturnTravel.DocumentStatus.READY
    ):
        errors.setdefault("document_status", []).append(
            _("El documento de viaje (%(document)s) aún no está listo.")
            % {"document": travel.get_travel_document_display()}
        )
    if travel.is_international and travel.visa in (ReturnTravel.Visa.REQUESTED, ReturnTravel.Visa.REFUSED):
        errors.setdefault("visa", []).append(
            _("No puede viajar sin la visa otorgada (está «%(visa)s»).") % {"visa": travel.get_visa_display()}
        )
    if travel.transport == ReturnTravel.Transport.AIR and not travel.tickets:
        errors.setdefault("tickets", []).append(_("Registre los pasajes aéreos antes de la salida."))
    raise_if(errors)
    before = snapshot(travel)
    travel.departed_on = departed_on
    travel.status = ReturnTravel.Status.TRAVELLING
    travel.save(update_fields=["departed_on", "status", "updated_at"])
    _touch(case)
    record_change(
        actor=actor,
        action="update",
        instance=travel,
        root=case,
        before=before,
        after=snapshot(travel),
        summary=_("Retorno: salida registrada"),
    )
    return travel


@transaction.atomic
def return_confirm_arrival(
    *, actor: Actor, travel: ReturnTravel, arrived_on: datetime.date, notes: str
) -> ReturnTravel:
    """The victim arrived, and someone confirmed it (how is recorded): arrival not before departure."""
    travel, case = _lock_travel(travel)
    _check_may_work(actor, travel, case)
    errors: dict = {}
    if travel.status != ReturnTravel.Status.TRAVELLING:
        errors["status"] = [
            _("Registre primero la salida: solo se confirma la llegada de un retorno en viaje.")
        ]
    if not arrived_on:
        errors["arrived_on"] = [_("Indique la fecha de llegada.")]
    check_not_future(errors, "arrived_on", arrived_on, _("La fecha de llegada"))
    check_order(errors, "arrived_on", travel.departed_on, arrived_on, _("la salida"), _("la llegada"))
    if not (notes or "").strip():
        errors["arrival_notes"] = [
            _("Indique cómo se confirmó la llegada (quién la recibió, por qué medio).")
        ]
    raise_if(errors)
    before = snapshot(travel)
    travel.arrived_on = arrived_on
    travel.arrival_notes = notes.strip()
    travel.arrival_confirmed_at = timezone.now()
    travel.arrival_confirmed_by = actor
    travel.status = ReturnTravel.Status.ARRIVED
    travel.save(
        update_fields=[
            "arrived_on",
            "arrival_notes",
            "arrival_confirmed_at",
            "arrival_confirmed_by",
            "status",
            "updated_at",
        ]
    )
    _touch(case)
    record_change(
        actor=actor,
        action="update",
        instance=travel,
        root=case,
        before=before,
        after=snapshot(travel),
        summary=_("Retorno: llegada confirmada"),
    )
    return travel


@transaction.atomic
def return_cancel(*, actor: Actor, travel: ReturnTravel, reason: str) -> ReturnTravel:
    travel, case = _lock_travel(travel)
    _check_may_work(actor, travel, case)
    errors: dict = {}
    if travel.status != ReturnTravel.Status.PLANNED:
        errors["status"] = [_("Solo se cancela un retorno planificado que aún no salió.")]
    if not (reason or "").strip():
        errors["cancellation_reason"] = [_("Indique el motivo de la cancelación.")]
    raise_if(errors)
    before = snapshot(travel)
    travel.status = ReturnTravel.Status.CANCELLED
    travel.cancellation_reason = reason.strip()
    travel.save(update_fields=["status", "cancellation_reason", "updated_at"])
    _touch(case)
    record_change(
        actor=actor,
        action="update",
        instance=travel,
        root=case,
        before=before,
        after=snapshot(travel),
        summary=_("Retorno cancelado"),
    )
    return travel


# --- reintegration ------------------------------------------------------------------------------------------


@transaction.atomic
def reintegration_plan_create(
    *,
    actor: Actor,
    case: AssistanceCase,
    community,
    goals: str,
    starts_on: datetime.date,
    areas=(),
    community_details: str = "",
    return_travel: ReturnTravel | None = None,
) -> ReintegrationPlan:
    """A reintegration plan in the community of origin; its 3-, 6- and 12-month follow-ups are scheduled."""
    case = _lock_case(case)
    _require(access.can_edit_case(actor, case))
    _check_work_on(actor, case, None)
    errors: dict = {}
    if community is None:
        errors["community"] = [_("Indique la comunidad de origen.")]
    if not (goals or "").strip():
        errors["goals"] = [_("Indique las metas de la reintegración.")]
    areas = list(dict.fromkeys(areas or ()))
    if any(a not in ReintegrationPlan.Area.values for a in areas):
        errors["areas"] = [_("Área de apoyo no válida.")]
    if not starts_on:
        errors["starts_on"] = [_("Indique la fecha de inicio del plan.")]
    _not_before_identification(errors, "starts_on", starts_on, case, _("el inicio del plan"))
    if return_travel is not None:
        if return_travel.case_id != case.pk:
            errors["return_travel"] = [_("El retorno no es de este caso.")]
        elif return_travel.status == ReturnTravel.Status.CANCELLED:
            errors["return_travel"] = [_("Ese retorno fue cancelado.")]
        elif return_travel.arrived_on:
            check_order(
                errors,
                "starts_on",
                return_travel.arrived_on,
                starts_on,
                _("la llegada del retorno"),
                _("el inicio del plan"),
            )
    if ReintegrationPlan.objects.filter(case=case, status=ReintegrationPlan.Status.ACTIVE).exists():
        errors.setdefault("starts_on", []).append(
            _(
                "El caso ya tiene un plan de reintegración en curso: registre su resultado antes de abrir otro."
            )
        )
    raise_if(errors)
    plan = ReintegrationPlan.objects.create(
        case=case,
        return_travel=return_travel,
        community=community,
        community_details=(community_details or "").strip(),
        areas=areas,
        goals=goals.strip(),
        starts_on=starts_on,
        created_by=actor,
        agency=agency_of(actor),
    )
    ReintegrationFollowUp.objects.bulk_create(
        [
            ReintegrationFollowUp(plan=plan, milestone=milestone, due_on=add_months(starts_on, months))
            for milestone, months in ReintegrationFollowUp.MONTHS.items()
        ]
    )
    _touch(case)
    record_change(
        actor=actor,
        action="create",
        instance=plan,
        root=case,
        after=snapshot(plan),
        summary=_("Plan de reintegración en %(community)s") % {"community": community},
    )
    return plan


def _lock_plan(plan: ReintegrationPlan, actor) -> tuple[ReintegrationPlan, AssistanceCase]:
    case = _lock_case(plan.case)
    _require(access.can_edit_case(actor, case))
    plan = ReintegrationPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != ReintegrationPlan.Status.ACTIVE:
        raise_if({"status": [_("El plan de reintegración ya concluyó.")]})
    return plan, case


@transaction.atomic
def reintegration_followup_record(
    *,
    actor: Actor,
    follow_up: ReintegrationFollowUp,
    done_on: datetime.date,
    kind: str,
    progress: str,
    notes: str,
) -> ReintegrationFollowUp:
    """Record a scheduled follow-up as done: not before the plan started, not in the future, and — without the
    victim's consent to be contacted — only an office visit she came to."""
    plan, case = _lock_plan(follow_up.plan, actor)
    follow_up = ReintegrationFollowUp.objects.select_for_update().get(pk=follow_up.pk)
    errors: dict = {}
    if follow_up.done_on is not None:
        errors["done_on"] = [_("Este seguimiento ya se registró.")]
    if not done_on:
        errors.setdefault("done_on", []).append(_("Indique la fecha del seguimiento."))
    check_not_future(errors, "done_on", done_on, _("La fecha del seguimiento"))
    check_order(errors, "done_on", plan.starts_on, done_on, _("el inicio del plan"), _("el seguimiento"))
    if kind not in FollowUpVisit.Kind.values:
        errors["kind"] = [_("Tipo de seguimiento no válido.")]
    elif kind in FollowUpVisit.CONTACTING_KINDS and active_consent(case, Consent.Kind.CONTACT) is None:
        errors["kind"] = [
            _(
                "La víctima no consintió ser contactada: solo puede registrar una atención en oficina "
                "a la que ella acuda."
            )
        ]
    if progress not in ReintegrationFollowUp.Progress.values:
        errors["progress"] = [_("Indique el avance.")]
    if not (notes or "").strip():
        errors["notes"] = [_("Describa el resultado del seguimiento.")]
    raise_if(errors)
    before = snapshot(follow_up)
    follow_up.done_on, follow_up.kind, follow_up.progress = done_on, kind, progress
    follow_up.notes, follow_up.done_by = notes.strip(), actor
    follow_up.save()
    _touch(case)
    record_change(
        actor=actor,
        action="update",
        instance=follow_up,
        root=case,
        before=before,
        after=snapshot(follow_up),
        summary=_("Reintegración: seguimiento de %(milestone)s")
        % {"milestone": follow_up.get_milestone_display()},
    )
    return follow_up


@transaction.atomic
def reintegration_outcome_record(
    *,
    actor: Actor,
    plan: ReintegrationPlan,
    outcome: str,
    outcome_on: datetime.date,
    notes: str = "",
) -> ReintegrationPlan:
    """Close the plan with its outcome: not before it started nor before its last follow-up; a reintegration
    is called achieved (fully or partly) only after at least one follow-up found it so."""
    plan, case = _lock_plan(plan, actor)
    errors: dict = {}
    if outcome not in ReintegrationPlan.Outcome.values:
        errors["outcome"] = [_("Indique el resultado.")]
    if not outcome_on:
        errors["outcome_on"] = [_("Indique la fecha del resultado.")]
    check_not_future(errors, "outcome_on", outcome_on, _("La fecha del resultado"))
    check_order(errors, "outcome_on", plan.starts_on, outcome_on, _("el inicio del plan"), _("el resultado"))
    done = list(plan.follow_ups.filter(done_on__isnull=False).order_by("-done_on"))
    if done:
        check_order(
            errors, "outcome_on", done[0].done_on, outcome_on, _("el último seguimiento"), _("el resultado")
        )
    achieved = (ReintegrationPlan.Outcome.REINTEGRATED, ReintegrationPlan.Outcome.PARTIAL)
    if outcome in achieved and not done:
        errors.setdefault("outcome", []).append(
            _("Registre al menos un seguimiento antes de dar la reintegración por lograda.")
        )
    raise_if(errors)
    before = snapshot(plan)
    plan.outcome, plan.outcome_on, plan.outcome_notes = outcome, outcome_on, (notes or "").strip()
    plan.status = ReintegrationPlan.Status.CLOSED
    plan.save(update_fields=["outcome", "outcome_on", "outcome_notes", "status", "updated_at"])
    _touch(case)
    record_change(
        actor=actor,
        action="update",
        instance=plan,
        root=case,
        before=before,
        after=snapshot(plan),
        summary=_("Reintegración concluida: %(outcome)s") % {"outcome": plan.get_outcome_display()},
    )
    return plan
