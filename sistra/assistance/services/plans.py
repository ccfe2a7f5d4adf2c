"""Assessments, support plans and their goals."""

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from sistra.accounts.types import Actor, agency_of
from sistra.audit.services import record_change, snapshot
from sistra.core.validation import check_not_future, check_order, raise_if, today

from .. import access
from ..models import (
    Assessment,
    AssistanceCase,
    ServiceType,
    SupportGoal,
    SupportPlan,
)
from ._common import _lock_case, _not_before_identification, _require, _require_open

# --- assessment and plan ----------------------------------------------------------------------------------

def _check_factors(errors: dict, name: str, values, choices) -> list[str]:
    values = list(dict.fromkeys(values or []))
    bad = [v for v in values if v not in choices.values]
    if bad:
        errors[name] = [_("Factores no válidos: %(codes)s.") % {"codes": ", ".join(map(str, bad))}]
    return values


@transaction.atomic
def assessment_record(
    *, actor: Actor, case: AssistanceCase, assessed_on: datetime.date, individual_risk: str, household_risk: str,
    community_risk: str, individual_factors=(), household_factors=(), community_factors=(), needs=(),
    notes: str = "",
) -> Assessment:
    case = _lock_case(case)
    _require(access.can_edit_case(actor, case))
    _require_open(case)
    from ..models import RiskLevel

    errors: dict = {}
    for name, value in (("individual_risk", individual_risk), ("household_risk", household_risk),
                        ("community_risk", community_risk)):
        if value not in RiskLevel.values:
            errors[name] = [_("Indique el nivel de riesgo.")]
    ind = _check_factors(errors, "individual_factors", individual_factors, Assessment.IndividualFactor)
    hh = _check_factors(errors, "household_factors", household_factors, Assessment.HouseholdFactor)
    com = _check_factors(errors, "community_factors", community_factors, Assessment.CommunityFactor)
    if not assessed_on:
        errors["assessed_on"] = [_("Indique la fecha de la evaluación.")]
    check_not_future(errors, "assessed_on", assessed_on, _("La fecha de la evaluación"))
    _not_before_identification(errors, "assessed_on", assessed_on, case, _("la fecha de la evaluación"))
    raise_if(errors)
    assessment = Assessment.objects.create(
        case=case, assessed_on=assessed_on, assessed_by=actor, agency=agency_of(actor), individual_risk=individual_risk,
        individual_factors=ind, household_risk=household_risk, household_factors=hh, community_risk=community_risk,
        community_factors=com, notes=notes or "")
    assessment.needs.set(needs)
    after = snapshot(assessment)
    after["needs"] = sorted(n.code for n in needs)
    record_change(actor=actor, action="create", instance=assessment, root=case, after=after,
                  summary=_("Evaluación de necesidades y riesgos"))
    return assessment


@transaction.atomic
def plan_create(
    *, actor: Actor, case: AssistanceCase, plan_type: str, objectives: str, starts_on: datetime.date,
    action_plan: str = "", planned_end: datetime.date | None = None,
) -> SupportPlan:
    case = _lock_case(case)
    _require(access.can_edit_case(actor, case))
    _require_open(case)
    errors: dict = {}
    if plan_type not in ServiceType.SupportType.values:
        errors["plan_type"] = [_("Tipo de plan no válido.")]
    if not (objectives or "").strip():
        errors["objectives"] = [_("Indique los objetivos del plan.")]
    if not starts_on:
        errors["starts_on"] = [_("Indique la fecha de inicio del plan.")]
    _not_before_identification(errors, "starts_on", starts_on, case, _("el inicio del plan"))
    check_order(errors, "planned_end", starts_on, planned_end, _("el inicio"), _("el fin previsto"))
    raise_if(errors)
    plan = SupportPlan.objects.create(case=case, plan_type=plan_type, objectives=objectives.strip(),
                                      action_plan=(action_plan or "").strip(), starts_on=starts_on,
                                      planned_end=planned_end, created_by=actor, agency=agency_of(actor))
    record_change(actor=actor, action="create", instance=plan, root=case, after=snapshot(plan),
                  summary=_("Plan de apoyo: %(type)s") % {"type": plan.get_plan_type_display()})
    return plan


@transaction.atomic
def plan_end(*, actor: Actor, plan: SupportPlan, actual_end: datetime.date) -> SupportPlan:
    case = _lock_case(plan.case)
    _require(access.can_edit_case(actor, case))
    errors: dict = {}
    check_not_future(errors, "actual_end", actual_end, _("El fin del plan"))
    check_order(errors, "actual_end", plan.starts_on, actual_end, _("el inicio"), _("el fin real"))
    raise_if(errors)
    before = snapshot(plan)
    plan.actual_end = actual_end
    plan.save(update_fields=["actual_end", "updated_at"])
    record_change(actor=actor, action="update", instance=plan, root=case, before=before, after=snapshot(plan),
                  summary=_("Plan de apoyo concluido"))
    return plan


@transaction.atomic
def goal_add(*, actor: Actor, plan: SupportPlan, description: str, service_type=None,
             target_date: datetime.date | None = None) -> SupportGoal:
    case = _lock_case(plan.case)
    _require(access.can_edit_case(actor, case))
    _require_open(case)
    errors: dict = {}
    if not (description or "").strip():
        errors["description"] = [_("Describa la meta.")]
    check_order(errors, "target_date", plan.starts_on, target_date, _("el inicio del plan"), _("la fecha objetivo"))
    raise_if(errors)
    goal = SupportGoal.objects.create(plan=plan, description=description.strip(), service_type=service_type,
                                      target_date=target_date)
    record_change(actor=actor, action="create", instance=goal, root=case, after=snapshot(goal),
                  summary=_("Meta del plan añadida"))
    return goal


@transaction.atomic
def goal_set_status(*, actor: Actor, goal: SupportGoal, status: str, achieved_on: datetime.date | None = None) -> SupportGoal:
    case = _lock_case(goal.plan.case)
    _require(access.can_edit_case(actor, case))
    errors: dict = {}
    if status not in SupportGoal.Status.values:
        errors["status"] = [_("Estado no válido.")]
    if status == SupportGoal.Status.ACHIEVED:
        achieved_on = achieved_on or today()
        check_not_future(errors, "achieved_on", achieved_on, _("La fecha de logro"))
        check_order(errors, "achieved_on", goal.plan.starts_on, achieved_on, _("el inicio del plan"),
                    _("la fecha de logro"))
    else:
        achieved_on = None
    raise_if(errors)
    before = snapshot(goal)
    goal.status = status
    goal.achieved_on = achieved_on
    goal.save(update_fields=["status", "achieved_on", "updated_at"])
    record_change(actor=actor, action="update", instance=goal, root=case, before=before, after=snapshot(goal),
                  summary=_("Meta: %(status)s") % {"status": goal.get_status_display()})
    return goal
