"""Every write of the assistance pathway. Each service checks who may do it and what makes sense across
records, changes the rows in one transaction and records the change history (root: the assistance case) in
that same transaction. A refusal is a ValidationError with a Spanish message per field; nothing is half-done."""

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sistra.accounts.capabilities import ROLE_CAPABILITIES, Capability
from sistra.accounts.models import Agency
from sistra.audit.services import record_change, snapshot
from sistra.core.text import normalize
from sistra.core.validation import ConflictError, check_not_future, check_order, fmt, raise_if, today
from sistra.people.access import can_see_identity, visible_persons
from sistra.people.sharing import person_share, person_shares_revoke_by_source

from . import access
from .models import (
    Assessment,
    AssistanceCase,
    Consent,
    FamilyContact,
    FollowUpVisit,
    Provider,
    Referral,
    ReferralAlert,
    ServiceDelivery,
    ServiceType,
    SupportGoal,
    SupportPlan,
)

C = Capability

CASE_EDIT_FIELDS = ("caseworker", "identification_place", "current_ubigeo", "current_location", "notes")
_DECISION_ORG_BY_KIND = {
    Agency.Kind.POLICE: AssistanceCase.DecisionOrg.POLICE,
    Agency.Kind.FISCALIA: AssistanceCase.DecisionOrg.COURT_OR_PROSECUTION,
    Agency.Kind.COURT: AssistanceCase.DecisionOrg.COURT_OR_PROSECUTION,
    Agency.Kind.NGO: AssistanceCase.DecisionOrg.NGO,
    Agency.Kind.INTERNATIONAL: AssistanceCase.DecisionOrg.OTHER,
    Agency.Kind.OTHER: AssistanceCase.DecisionOrg.OTHER,
}
_CHANNEL_BY_KIND = {
    Agency.Kind.HOTLINE: AssistanceCase.Channel.HOTLINE,
    Agency.Kind.HEALTH: AssistanceCase.Channel.CLINIC,
    Agency.Kind.POLICE: AssistanceCase.Channel.POLICE,
    Agency.Kind.FISCALIA: AssistanceCase.Channel.PROSECUTOR,
    Agency.Kind.NGO: AssistanceCase.Channel.NGO,
    Agency.Kind.INTERNATIONAL: AssistanceCase.Channel.NGO,
}


def decision_org_for(agency) -> str:
    """The HTCDS type of organisation of an agency, as the default for who determined the status."""
    if agency is None:
        return ""
    return _DECISION_ORG_BY_KIND.get(agency.kind, AssistanceCase.DecisionOrg.GOVERNMENT)


def channel_for(agency) -> str:
    if agency is None:
        return AssistanceCase.Channel.OTHER
    return _CHANNEL_BY_KIND.get(agency.kind, AssistanceCase.Channel.OTHER)


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("Su rol o su institución no le permiten realizar esta acción."))


def _require_open(case: AssistanceCase) -> None:
    if not case.is_open:
        raise ValidationError(_("El caso %(code)s está cerrado: reábralo antes de registrar cambios.")
                              % {"code": case.code})


def _not_before_identification(errors: dict, name: str, day, case: AssistanceCase, label: str) -> None:
    check_order(errors, name, case.identified_on, day, _("la identificación"), label)


def _case_snapshot(case: AssistanceCase) -> dict:
    data = snapshot(case)
    data["criminal_cases"] = sorted(str(u) for u in case.criminal_cases.values_list("uuid", flat=True))
    return data


def _lock_case(case: AssistanceCase) -> AssistanceCase:
    return AssistanceCase.objects.select_for_update().select_related("person", "owner_agency").get(pk=case.pk)


def _touch(case: AssistanceCase) -> None:
    """Any change to a part of the case bumps its version, so a concurrent edit is detected."""
    from django.db.models import F

    AssistanceCase.objects.filter(pk=case.pk).update(version=F("version") + 1, updated_at=timezone.now())
    case.refresh_from_db(fields=["version", "updated_at"])


# --- the case ---------------------------------------------------------------------------------------------

@transaction.atomic
def case_open(
    *, actor, person, identified_on: datetime.date, identification_channel: str = "",
    identifying_agency=None, identification_place=None,
    trafficking_status: str = AssistanceCase.TraffickingStatus.POTENTIAL, status_decision_org: str = "",
    current_ubigeo=None, current_location: str = "", notes: str = "",
) -> AssistanceCase:
    """Identification of a (potential) victim: opens the agency's assistance case for the person."""
    _require(access.can_identify(actor))
    errors: dict = {}
    if not visible_persons(actor).filter(pk=person.pk).exists() or not can_see_identity(actor, person):
        # an agency that sees a person only by pseudonym (a referral without identity) may not take the case:
        # owning it would give it the identity the victim did not consent to share
        errors["person"] = [_("Solo puede abrir un caso para una persona cuya identidad conoce su institución. "
                              "Si recibió una derivación sin datos de identidad, trabaje desde la derivación.")]
    if not identified_on:
        errors["identified_on"] = [_("Indique la fecha de identificación.")]
    check_not_future(errors, "identified_on", identified_on, _("La fecha de identificación"))
    channel = identification_channel or channel_for(actor.agency)
    if channel not in AssistanceCase.Channel.values:
        errors["identification_channel"] = [_("Vía de identificación no válida.")]
    if trafficking_status not in AssistanceCase.TraffickingStatus.values:
        errors["trafficking_status"] = [_("Situación de trata no válida.")]
    decision_org = status_decision_org or decision_org_for(identifying_agency or actor.agency)
    if decision_org not in AssistanceCase.DecisionOrg.values:
        errors["status_decision_org"] = [_("Tipo de organización no válido.")]
    existing = AssistanceCase.objects.filter(person=person, owner_agency=actor.agency,
                                             status__in=AssistanceCase.OPEN_STATUSES).first()
    if existing is not None:
        errors["person"] = [_("Su institución ya tiene un caso abierto para esta persona (%(code)s).")
                            % {"code": existing.code}]
    raise_if(errors)
    try:
        with transaction.atomic():
            case = AssistanceCase.objects.create(
                person=person, owner_agency=actor.agency, created_by=actor, caseworker=actor,
                identified_on=identified_on, identification_channel=channel,
                identifying_agency=identifying_agency or actor.agency, identification_place=identification_place,
                trafficking_status=trafficking_status, status_decision_org=decision_org,
                status_decided_on=identified_on, current_ubigeo=current_ubigeo,
                current_location=(current_location or "").strip(), notes=notes or "",
            )
    except IntegrityError:
        # another user of the agency opened one in the meantime
        raise ValidationError({"person": [_("Su institución ya tiene un caso abierto para esta persona.")]}) from None
    record_change(actor=actor, action="create", instance=case, after=_case_snapshot(case),
                  summary=_("Identificación: caso de asistencia abierto"))
    return case


@transaction.atomic
def case_update(*, actor, case: AssistanceCase, expected_version: int, **fields) -> AssistanceCase:
    unknown = set(fields) - set(CASE_EDIT_FIELDS)
    if unknown:
        raise TypeError(f"unknown assistance case fields: {sorted(unknown)}")
    current = _lock_case(case)
    _require(access.can_edit_case(actor, current))
    if current.version != expected_version:
        raise ConflictError()
    _require_open(current)
    worker = fields.get("caseworker")
    if worker is not None and (worker.agency_id != current.owner_agency_id
                               or not worker.can(C.ASSISTANCE_EDIT)):
        raise ValidationError({"caseworker": [_("El gestor del caso debe ser un gestor de casos de su institución.")]})
    before = _case_snapshot(current)
    for name, value in fields.items():
        setattr(current, name, value.strip() if isinstance(value, str) else value)
    current.version += 1
    current.save()
    after = _case_snapshot(current)
    if after != before:
        record_change(actor=actor, action="update", instance=current, before=before, after=after,
                      summary=_("Datos del caso de asistencia actualizados"))
    return current


@transaction.atomic
def case_set_trafficking_status(
    *, actor, case: AssistanceCase, trafficking_status: str, status_decision_org: str,
    status_decided_on: datetime.date,
) -> AssistanceCase:
    """Potential → confirmed (or not a victim), and which kind of organisation determined it (HTCDS)."""
    current = _lock_case(case)
    _require(access.can_edit_case(actor, current))
    _require_open(current)
    errors: dict = {}
    if trafficking_status not in AssistanceCase.TraffickingStatus.values:
        errors["trafficking_status"] = [_("Situación de trata no válida.")]
    if status_decision_org not in AssistanceCase.DecisionOrg.values:
        errors["status_decision_org"] = [_("Indique qué tipo de organización lo determinó.")]
    if not status_decided_on:
        errors["status_decided_on"] = [_("Indique la fecha de la determinación.")]
    check_not_future(errors, "status_decided_on", status_decided_on, _("La fecha de la determinación"))
    _not_before_identification(errors, "status_decided_on", status_decided_on, current,
                               _("la fecha de la determinación"))
    raise_if(errors)
    before = _case_snapshot(current)
    current.trafficking_status = trafficking_status
    current.status_decision_org = status_decision_org
    current.status_decided_on = status_decided_on
    current.version += 1
    current.save()
    record_change(actor=actor, action="update", instance=current, before=before, after=_case_snapshot(current),
                  summary=_("Situación de trata: %(status)s") % {"status": current.get_trafficking_status_display()})
    return current


@transaction.atomic
def case_set_follow_up(*, actor, case: AssistanceCase, follow_up: bool) -> AssistanceCase:
    current = _lock_case(case)
    _require(access.can_edit_case(actor, current))
    _require_open(current)
    new = AssistanceCase.Status.FOLLOW_UP if follow_up else AssistanceCase.Status.ACTIVE
    if current.status != new:
        before = _case_snapshot(current)
        current.status = new
        current.version += 1
        current.save()
        record_change(actor=actor, action="update", instance=current, before=before, after=_case_snapshot(current),
                      summary=_("Estado del caso: %(status)s") % {"status": current.get_status_display()})
    return current


def open_referrals(case: AssistanceCase):
    return case.referrals.filter(
        Q(status=Referral.Status.SENT) | Q(status=Referral.Status.ACCEPTED, kind=Referral.Kind.SERVICES))


@transaction.atomic
def case_close(
    *, actor, case: AssistanceCase, closure_reason: str, closed_on: datetime.date, closure_notes: str = "",
) -> AssistanceCase:
    current = _lock_case(case)
    _require(access.can_edit_case(actor, current))
    _require_open(current)
    errors: dict = {}
    if closure_reason not in AssistanceCase.ClosureReason.values:
        errors["closure_reason"] = [_("Indique el motivo de cierre.")]
    if not closed_on:
        errors["closed_on"] = [_("Indique la fecha de cierre.")]
    check_not_future(errors, "closed_on", closed_on, _("La fecha de cierre"))
    _not_before_identification(errors, "closed_on", closed_on, current, _("la fecha de cierre"))
    pending = list(open_referrals(current).select_related("to_agency"))
    if pending:
        errors["__all__"] = [
            _("No se puede cerrar el caso: hay derivaciones en curso (%(list)s). Espere a que concluyan, o "
              "revóquelas, antes de cerrar.")
            % {"list": ", ".join(f"{r.to_agency.name} — {r.get_status_display().lower()}" for r in pending)}]
    raise_if(errors)
    before = _case_snapshot(current)
    current.status = (AssistanceCase.Status.CLOSED_REFERRED
                      if closure_reason == AssistanceCase.ClosureReason.REFERRED_OUT
                      else AssistanceCase.Status.CLOSED)
    current.closure_reason = closure_reason
    current.closed_on = closed_on
    current.closure_notes = (closure_notes or "").strip()
    current.version += 1
    current.save()
    record_change(actor=actor, action="update", instance=current, before=before, after=_case_snapshot(current),
                  summary=_("Caso cerrado: %(reason)s") % {"reason": current.get_closure_reason_display()})
    return current


@transaction.atomic
def case_reopen(*, actor, case: AssistanceCase, reason: str) -> AssistanceCase:
    current = _lock_case(case)
    _require(access.can_edit_case(actor, current))
    if current.is_open:
        return current
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Indique por qué se reabre el caso.")]})
    if AssistanceCase.objects.filter(person=current.person, owner_agency=current.owner_agency,
                                     status__in=AssistanceCase.OPEN_STATUSES).exists():
        raise ValidationError(_("Su institución ya tiene otro caso abierto para esta persona."))
    before = _case_snapshot(current)
    current.status = AssistanceCase.Status.ACTIVE
    current.closed_on = None
    current.closure_reason = ""
    current.version += 1
    current.save()
    record_change(actor=actor, action="update", instance=current, before=before, after=_case_snapshot(current),
                  summary=_("Caso reabierto: %(reason)s") % {"reason": reason.strip()})
    return current


@transaction.atomic
def case_link_criminal_case(*, actor, case: AssistanceCase, criminal_case) -> None:
    """Links the case to a criminal case in which the victim is a party (and the user may see)."""
    from sistra.cases.access import visible_cases
    from sistra.cases.models import CaseVictim

    case = _lock_case(case)
    _require(access.can_edit_case(actor, case))
    if not visible_cases(actor).filter(pk=criminal_case.pk).exists():
        raise ValidationError({"criminal_case": [_("No tiene acceso a ese caso penal.")]})
    if not CaseVictim.objects.filter(case=criminal_case, person=case.person).exists():
        raise ValidationError({"criminal_case": [_("La persona no figura como víctima en el caso penal %(number)s.")
                                                 % {"number": criminal_case.number}]})
    if case.criminal_cases.filter(pk=criminal_case.pk).exists():
        raise ValidationError({"criminal_case": [_("El caso penal ya está vinculado.")]})
    before = _case_snapshot(case)
    case.criminal_cases.add(criminal_case)
    _touch(case)
    record_change(actor=actor, action="update", instance=case, before=before, after=_case_snapshot(case),
                  summary=_("Vinculado al caso penal %(number)s") % {"number": criminal_case.number})


# --- consent ----------------------------------------------------------------------------------------------

@transaction.atomic
def consent_record(
    *, actor, case: AssistanceCase, kind: str, given_on: datetime.date, agency=None,
    given_by: str = Consent.GivenBy.VICTIM, method: str = Consent.Method.WRITTEN,
) -> Consent:
    case = _lock_case(case)
    _require(access.can_record_consent(actor, case))
    _require_open(case)
    errors: dict = {}
    if kind not in Consent.Kind.values:
        errors["kind"] = [_("Finalidad del consentimiento no válida.")]
    if kind == Consent.Kind.SHARE_DATA:
        if agency is None:
            errors["agency"] = [_("Indique con qué institución consiente compartir sus datos.")]
        elif agency.pk == case.owner_agency_id:
            errors["agency"] = [_("Su institución ya tiene los datos: indique otra institución.")]
    elif agency is not None:
        errors["agency"] = [_("Solo el consentimiento para compartir datos se otorga a una institución.")]
    if given_by not in Consent.GivenBy.values:
        errors["given_by"] = [_("Indique quién otorga el consentimiento.")]
    if method not in Consent.Method.values:
        errors["method"] = [_("Indique la forma del consentimiento.")]
    if not given_on:
        errors["given_on"] = [_("Indique la fecha del consentimiento.")]
    check_not_future(errors, "given_on", given_on, _("La fecha del consentimiento"))
    raise_if(errors)
    active = Consent.objects.filter(case=case, kind=kind, withdrawn_on__isnull=True)
    if agency is not None:
        active = active.filter(agency=agency)
    if active.exists():
        raise ValidationError({"kind": [_("Ese consentimiento ya está registrado y vigente.")]})
    consent = Consent.objects.create(case=case, kind=kind, agency=agency, given_on=given_on, given_by=given_by,
                                     method=method, recorded_by=actor, recorded_by_agency=actor.agency)
    record_change(actor=actor, action="create", instance=consent, root=case, after=snapshot(consent),
                  summary=_("Consentimiento registrado: %(kind)s") % {"kind": _consent_label(consent)})
    return consent


def _consent_label(consent: Consent) -> str:
    if consent.kind == Consent.Kind.SHARE_DATA and consent.agency_id:
        return _("compartir datos con %(agency)s") % {"agency": consent.agency.name}
    return str(consent.get_kind_display()).lower()


@dataclass
class Withdrawal:
    """What withdrawing a consent changed, for the message the user sees."""

    consent: Consent
    referrals_without_identity: list = field(default_factory=list)
    referrals_revoked: list = field(default_factory=list)


@transaction.atomic
def consent_withdraw(*, actor, consent: Consent, withdrawn_on: datetime.date, notes: str = "") -> Withdrawal:
    """Withdrawal stops what the consent allowed from now on. Withdrawing consent to share with an agency ends
    at once the identity that in-flight referrals to it carry (they go on with the pseudonym only, and are
    marked so); withdrawing consent to receive services revokes the referrals in flight."""
    case = _lock_case(consent.case)
    _require(access.can_record_consent(actor, case))
    current = Consent.objects.select_for_update().get(pk=consent.pk)
    errors: dict = {}
    if current.withdrawn_on:
        errors["__all__"] = [_("Este consentimiento ya fue retirado el %(date)s.") % {"date": fmt(current.withdrawn_on)}]
    if not withdrawn_on:
        errors["withdrawn_on"] = [_("Indique la fecha del retiro.")]
    check_not_future(errors, "withdrawn_on", withdrawn_on, _("La fecha del retiro"))
    check_order(errors, "withdrawn_on", current.given_on, withdrawn_on, _("el consentimiento"),
                _("la fecha del retiro"))
    raise_if(errors)
    before = snapshot(current)
    current.withdrawn_on = withdrawn_on
    current.withdrawn_by = actor
    current.withdrawal_notes = (notes or "").strip()
    current.save()
    record_change(actor=actor, action="update", instance=current, root=case, before=before, after=snapshot(current),
                  summary=_("Consentimiento retirado: %(kind)s") % {"kind": _consent_label(current)})
    result = Withdrawal(consent=current)
    in_flight = open_referrals(case).select_for_update()
    if current.kind == Consent.Kind.SHARE_DATA:
        for referral in in_flight.filter(to_agency=current.agency, include_identity=True,
                                         identity_withdrawn_at__isnull=True):
            _end_identity_of(actor=actor, referral=referral)
            result.referrals_without_identity.append(referral)
    elif current.kind == Consent.Kind.SERVICES:
        for referral in in_flight.filter(from_agency=case.owner_agency):
            _revoke(actor=actor, referral=referral,
                    reason=_("La víctima retiró su consentimiento para recibir servicios."))
            result.referrals_revoked.append(referral)
    return result


def active_consent(case: AssistanceCase, kind: str, agency=None) -> Consent | None:
    qs = Consent.objects.filter(case=case, kind=kind, withdrawn_on__isnull=True)
    if agency is not None:
        qs = qs.filter(agency=agency)
    return qs.first()


# --- assessment and plan ----------------------------------------------------------------------------------

def _check_factors(errors: dict, name: str, values, choices) -> list[str]:
    values = list(dict.fromkeys(values or []))
    bad = [v for v in values if v not in choices.values]
    if bad:
        errors[name] = [_("Factores no válidos: %(codes)s.") % {"codes": ", ".join(map(str, bad))}]
    return values


@transaction.atomic
def assessment_record(
    *, actor, case: AssistanceCase, assessed_on: datetime.date, individual_risk: str, household_risk: str,
    community_risk: str, individual_factors=(), household_factors=(), community_factors=(), needs=(),
    notes: str = "",
) -> Assessment:
    case = _lock_case(case)
    _require(access.can_edit_case(actor, case))
    _require_open(case)
    from .models import RiskLevel

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
        case=case, assessed_on=assessed_on, assessed_by=actor, agency=actor.agency, individual_risk=individual_risk,
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
    *, actor, case: AssistanceCase, plan_type: str, objectives: str, starts_on: datetime.date,
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
                                      planned_end=planned_end, created_by=actor, agency=actor.agency)
    record_change(actor=actor, action="create", instance=plan, root=case, after=snapshot(plan),
                  summary=_("Plan de apoyo: %(type)s") % {"type": plan.get_plan_type_display()})
    return plan


@transaction.atomic
def plan_end(*, actor, plan: SupportPlan, actual_end: datetime.date) -> SupportPlan:
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
def goal_add(*, actor, plan: SupportPlan, description: str, service_type=None,
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
def goal_set_status(*, actor, goal: SupportGoal, status: str, achieved_on: datetime.date | None = None) -> SupportGoal:
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


# --- referrals --------------------------------------------------------------------------------------------

RECEIVING_ROLES = [role for role, caps in ROLE_CAPABILITIES.items() if C.REFERRAL_RECEIVE in caps]


def receiving_agencies():
    """Agencies that can receive referrals: active, with at least one active user whose role receives them."""
    return Agency.objects.filter(is_active=True, users__is_active=True, users__role__in=RECEIVING_ROLES).distinct()


def _identity_words(person) -> set[str]:
    """Words of the person's names (3 letters or more) and her document numbers, to keep them out of the text
    of a referral that may not carry identity."""
    words = set()
    for part in (person.first_names, person.last_name_paternal, person.last_name_maternal):
        words.update(w for w in normalize(part).split() if len(w) >= 3)
    for alias in person.aliases.all():
        words.update(w for w in normalize(alias.alias).split() if len(w) >= 3)
    words.update(normalize(d.number) for d in person.documents.all() if d.number)
    return words


def text_reveals_identity(text: str, person) -> bool:
    tokens = set(re.findall(r"[a-z0-9]+", normalize(text or "")))
    return bool(tokens & _identity_words(person))


def _deferred_overdue_check(referral: Referral) -> None:
    """On a queue that can wait (the database queue), check the referral the day after it falls due."""
    from django.tasks import default_task_backend

    if not default_task_backend.supports_defer:
        return
    from .tasks import check_overdue_referrals

    day_after = referral.due_on + datetime.timedelta(days=1)
    run_after = timezone.make_aware(datetime.datetime.combine(day_after, datetime.time(0, 5)))
    transaction.on_commit(lambda: check_overdue_referrals.using(run_after=run_after).enqueue())


@transaction.atomic
def referral_send(
    *, actor, case: AssistanceCase, to_agency, due_on: datetime.date, services=(),
    kind: str = Referral.Kind.SERVICES, reason: str = Referral.Reason.SERVICES, details: str = "",
    is_urgent: bool = False, provider=None, destination_ubigeo=None, destination_country=None,
    consent_exception: str = "",
) -> Referral:
    """Sends a referral. It carries the person's identity only when the victim consented to share her data with
    the receiving agency; otherwise the receiver sees the pseudonym, age band, sex and region only. Either way
    the receiver gets access through a PersonShare that ends with the referral."""
    current = _lock_case(case)
    _require(access.can_refer(actor, current))
    _require_open(current)
    services = list(services)
    errors: dict = {}
    if to_agency is None:
        errors["to_agency"] = [_("Indique la institución a la que deriva.")]
    elif to_agency.pk == current.owner_agency_id:
        errors["to_agency"] = [_("No puede derivar el caso a su propia institución.")]
    elif not receiving_agencies().filter(pk=to_agency.pk).exists():
        errors["to_agency"] = [_("%(agency)s no recibe derivaciones en SISTRA.") % {"agency": to_agency.name}]
    if kind not in Referral.Kind.values:
        errors["kind"] = [_("Tipo de derivación no válido.")]
    if reason not in Referral.Reason.values:
        errors["reason"] = [_("Motivo no válido.")]
    if kind == Referral.Kind.SERVICES and not services:
        errors["services"] = [_("Indique al menos un servicio que solicita.")]
    if not due_on:
        errors["due_on"] = [_("Indique la fecha límite de respuesta.")]
    elif due_on < today():
        errors["due_on"] = [_("La fecha límite (%(date)s) no puede estar en el pasado.") % {"date": fmt(due_on)}]
    if destination_ubigeo is not None and destination_country is not None:
        errors["destination_country"] = [_("Indique un solo destino: en el Perú o en otro país.")]
    travel = [s for s in services if s.is_travel]
    if travel and destination_ubigeo is None and destination_country is None:
        errors["destination_ubigeo"] = [_("Para un retorno, indique el destino.")]
    if any(s.is_international for s in travel) and destination_country is None:
        errors["destination_country"] = [_("Para un retorno internacional, indique el país de destino.")]
    # the clinic refers a minor, or a person in urgent danger, without her consent (sistra.clinic, decision 0120)
    if consent_exception not in ("", "minor", "urgent"):
        errors["__all__"] = [_("Excepción al consentimiento no válida.")]
    elif not consent_exception and active_consent(current, Consent.Kind.SERVICES) is None:
        errors["__all__"] = [_("No hay un consentimiento vigente de la víctima para recibir servicios: regístrelo "
                               "antes de derivar.")]
    if provider is not None and provider.agency_id and to_agency is not None and provider.agency_id != to_agency.pk:
        errors["provider"] = [_("El proveedor elegido no pertenece a la institución que recibe.")]
    include_identity = bool(to_agency) and active_consent(current, Consent.Kind.SHARE_DATA, to_agency) is not None
    if kind == Referral.Kind.TRANSFER and to_agency is not None and not include_identity:
        errors["kind"] = [_("Para transferir la gestión del caso a %(agency)s, la víctima debe consentir compartir "
                            "sus datos con esa institución. Sin ese consentimiento puede enviar una derivación "
                            "para servicios, que no lleva datos de identidad.") % {"agency": to_agency.name}]
    if kind == Referral.Kind.TRANSFER and open_referrals(current).filter(kind=Referral.Kind.TRANSFER).exists():
        errors["kind"] = [_("Ya hay una transferencia del caso en curso.")]
    if not include_identity and text_reveals_identity(details, current.person):
        errors["details"] = [_("El detalle menciona el nombre o el documento de la víctima, pero ella no consintió "
                               "compartir sus datos con esta institución. Retírelos del texto.")]
    raise_if(errors)
    referral = Referral.objects.create(
        case=current, person=current.person, kind=kind, from_agency=current.owner_agency, to_agency=to_agency,
        provider=provider, reason=reason, details=(details or "").strip(), is_urgent=is_urgent,
        destination_ubigeo=destination_ubigeo, destination_country=destination_country, due_on=due_on,
        include_identity=include_identity, sent_by=actor,
    )
    referral.services.set(services)
    person_share(actor=actor, person=current.person, agency=to_agency, include_identity=include_identity,
                 source=referral.share_source,
                 reason=_("Derivación %(code)s de %(agency)s") % {"code": current.code,
                                                                   "agency": current.owner_agency.name})
    after = snapshot(referral)
    after["services"] = sorted(s.code for s in services)
    if consent_exception:
        after["consent_exception"] = consent_exception
    record_change(actor=actor, action="create", instance=referral, root=current, after=after,
                  summary=_("Derivación enviada a %(agency)s") % {"agency": to_agency.name})
    _deferred_overdue_check(referral)
    return referral


def _lock_referral(referral: Referral) -> Referral:
    return Referral.objects.select_for_update().select_related("case", "to_agency", "from_agency", "person").get(
        pk=referral.pk)


def _check_status(referral: Referral, *allowed: str) -> None:
    if referral.status not in allowed:
        raise ValidationError(_("La derivación ya está %(status)s: no se puede cambiar.")
                              % {"status": referral.get_status_display().lower()})


def _end_identity_of(*, actor, referral: Referral) -> None:
    """The victim withdrew consent: the identity share ends now; the referral goes on with the pseudonym."""
    before = snapshot(referral)
    person_shares_revoke_by_source(actor=actor, source=referral.share_source)
    person_share(actor=actor, person=referral.person, agency=referral.to_agency, include_identity=False,
                 source=referral.share_source,
                 reason=_("Derivación %(code)s (sin datos de identidad)") % {"code": referral.case.code})
    referral.identity_withdrawn_at = timezone.now()
    referral.save(update_fields=["identity_withdrawn_at", "updated_at"])
    record_change(actor=actor, action="update", instance=referral, root=referral.case, before=before,
                  after=snapshot(referral),
                  summary=_("Derivación a %(agency)s sin datos de identidad: consentimiento retirado")
                  % {"agency": referral.to_agency.name})


@transaction.atomic
def referral_accept(*, actor, referral: Referral) -> Referral:
    """Accepting a services referral starts the work; accepting a transfer makes the receiver the case's lead
    agency (its ownership then gives it the access the share gave, so the share ends)."""
    _require(access.is_receiver(actor, referral))
    current = _lock_referral(referral)
    _check_status(current, Referral.Status.SENT)
    case = _lock_case(current.case)
    transfer = current.kind == Referral.Kind.TRANSFER
    if transfer:
        if not case.is_open:
            raise ValidationError(_("El caso fue cerrado: no se puede transferir."))
        if AssistanceCase.objects.filter(person=case.person, owner_agency=current.to_agency,
                                         status__in=AssistanceCase.OPEN_STATUSES).exists():
            raise ValidationError(_("Su institución ya tiene un caso abierto para esta persona: no puede recibir la "
                                    "transferencia. Rechácela indicando el código de su caso."))
        if not current.carries_identity:
            raise ValidationError(_("La víctima retiró su consentimiento para compartir sus datos con su "
                                    "institución: la transferencia ya no es posible."))
    before = snapshot(current)
    current.status = Referral.Status.ACCEPTED
    current.responded_at = timezone.now()
    current.responded_by = actor
    current.save()
    record_change(actor=actor, action="update", instance=current, root=case, before=before, after=snapshot(current),
                  summary=_("Derivación aceptada por %(agency)s") % {"agency": current.to_agency.name})
    if transfer:
        case_before = _case_snapshot(case)
        case.owner_agency = current.to_agency
        case.caseworker = actor if actor.can(C.ASSISTANCE_EDIT) else None
        case.version += 1
        case.save()
        record_change(actor=actor, action="update", instance=case, before=case_before, after=_case_snapshot(case),
                      summary=_("Gestión del caso transferida de %(from)s a %(to)s")
                      % {"from": current.from_agency.name, "to": current.to_agency.name})
        person_shares_revoke_by_source(actor=actor, source=current.share_source)
    return current


@transaction.atomic
def referral_decline(*, actor, referral: Referral, reason: str) -> Referral:
    _require(access.is_receiver(actor, referral))
    current = _lock_referral(referral)
    _check_status(current, Referral.Status.SENT)
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Indique el motivo del rechazo: la institución que deriva lo necesita "
                                            "para buscar otra alternativa.")]})
    before = snapshot(current)
    current.status = Referral.Status.DECLINED
    current.responded_at = timezone.now()
    current.responded_by = actor
    current.decline_reason = reason.strip()
    current.save()
    person_shares_revoke_by_source(actor=actor, source=current.share_source)
    record_change(actor=actor, action="update", instance=current, root=current.case, before=before,
                  after=snapshot(current),
                  summary=_("Derivación rechazada por %(agency)s") % {"agency": current.to_agency.name})
    return current


@transaction.atomic
def referral_complete(*, actor, referral: Referral, notes: str = "") -> Referral:
    _require(access.is_receiver(actor, referral))
    current = _lock_referral(referral)
    _check_status(current, Referral.Status.ACCEPTED)
    if current.kind != Referral.Kind.SERVICES:
        raise ValidationError(_("Una transferencia aceptada no se marca como concluida."))
    before = snapshot(current)
    current.status = Referral.Status.COMPLETED
    current.completed_at = timezone.now()
    current.completed_by = actor
    current.completion_notes = (notes or "").strip()
    current.save()
    person_shares_revoke_by_source(actor=actor, source=current.share_source)
    record_change(actor=actor, action="update", instance=current, root=current.case, before=before,
                  after=snapshot(current),
                  summary=_("Derivación concluida por %(agency)s") % {"agency": current.to_agency.name})
    return current


def _revoke(*, actor, referral: Referral, reason: str) -> Referral:
    before = snapshot(referral)
    referral.status = Referral.Status.REVOKED
    referral.revoked_at = timezone.now()
    referral.revoked_by = actor
    referral.revoke_reason = reason.strip()
    referral.save()
    person_shares_revoke_by_source(actor=actor, source=referral.share_source)
    record_change(actor=actor, action="update", instance=referral, root=referral.case, before=before,
                  after=snapshot(referral),
                  summary=_("Derivación a %(agency)s revocada") % {"agency": referral.to_agency.name})
    return referral


@transaction.atomic
def referral_revoke(*, actor, referral: Referral, reason: str) -> Referral:
    current = _lock_referral(referral)
    _require(actor.can(C.REFERRAL_SEND) and (access.is_sender(actor, current) or access.leads_case(actor, current)))
    if not current.is_open:
        _check_status(current, Referral.Status.SENT)
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Indique el motivo de la revocación.")]})
    return _revoke(actor=actor, referral=current, reason=reason)


@transaction.atomic
def overdue_alerts_raise(*, on: datetime.date | None = None) -> int:
    """One alert on the dashboard of the sending and of the receiving agency for each referral past its due
    date and still open. Idempotent: run it as often as you like."""
    on = on or today()
    overdue = Referral.objects.filter(due_on__lt=on).filter(
        Q(status=Referral.Status.SENT) | Q(status=Referral.Status.ACCEPTED, kind=Referral.Kind.SERVICES))
    created = 0
    for referral in overdue.select_related("case", "to_agency").exclude(alerts__kind=ReferralAlert.Kind.OVERDUE):
        for agency_id in (referral.from_agency_id, referral.to_agency_id):
            ReferralAlert.objects.create(referral=referral, agency_id=agency_id)
            created += 1
        record_change(actor=None, action="update", instance=referral, root=referral.case,
                      summary=_("Derivación a %(agency)s vencida el %(date)s")
                      % {"agency": referral.to_agency.name, "date": fmt(referral.due_on)})
    return created


# --- services, follow-ups and family ----------------------------------------------------------------------

def _check_work_on(actor, case: AssistanceCase, referral: Referral | None) -> None:
    """The lead agency works on its open case; a receiving agency works only through its accepted referral."""
    if referral is None:
        _require(access.can_edit_case(actor, case))
        _require_open(case)
    else:
        # the state in the database, not that of the caller's (possibly stale) instance
        referral.refresh_from_db(fields=["status", "identity_withdrawn_at"])
        _require(referral.case_id == case.pk and access.can_work_on_referral(actor, referral))


@transaction.atomic
def delivery_record(
    *, actor, case: AssistanceCase, service_type: ServiceType, delivered_on: datetime.date, description: str = "",
    cost: Decimal | None = None, provider=None, referral: Referral | None = None, destination_ubigeo=None,
    destination_country=None, visa_arranged: bool = False, tickets: str = "",
) -> ServiceDelivery:
    case = _lock_case(case)
    _check_work_on(actor, case, referral)
    errors: dict = {}
    if service_type is None:
        errors["service_type"] = [_("Indique el servicio brindado.")]
    elif referral is not None and not referral.services.filter(pk=service_type.pk).exists():
        errors["service_type"] = [_("La derivación no solicita «%(service)s»: registre solo los servicios "
                                    "derivados.") % {"service": service_type}]
    if not delivered_on:
        errors["delivered_on"] = [_("Indique la fecha del servicio.")]
    check_not_future(errors, "delivered_on", delivered_on, _("La fecha del servicio"))
    _not_before_identification(errors, "delivered_on", delivered_on, case, _("la fecha del servicio"))
    if cost is not None and cost < 0:
        errors["cost"] = [_("El costo no puede ser negativo.")]
    if destination_ubigeo is not None and destination_country is not None:
        errors["destination_country"] = [_("Indique un solo destino: en el Perú o en otro país.")]
    is_travel = service_type is not None and service_type.is_travel
    if is_travel and destination_ubigeo is None and destination_country is None:
        errors["destination_ubigeo"] = [_("Indique el destino del retorno.")]
    if not is_travel and (destination_ubigeo or destination_country or visa_arranged or (tickets or "").strip()):
        errors["tickets"] = [_("Destino, visa y pasajes solo se registran para un retorno.")]
    raise_if(errors)
    delivery = ServiceDelivery.objects.create(
        case=case, referral=referral, service_type=service_type, agency=actor.agency, provider=provider,
        delivered_on=delivered_on, delivered_by=actor, description=(description or "").strip(), cost=cost,
        destination_ubigeo=destination_ubigeo, destination_country=destination_country, visa_arranged=visa_arranged,
        tickets=(tickets or "").strip())
    record_change(actor=actor, action="create", instance=delivery, root=case, after=snapshot(delivery),
                  summary=_("Servicio brindado: %(service)s") % {"service": service_type})
    return delivery


@transaction.atomic
def followup_record(
    *, actor, case: AssistanceCase, kind: str, visited_on: datetime.date, outcome: str,
    next_visit_on: datetime.date | None = None, referral: Referral | None = None,
) -> FollowUpVisit:
    case = _lock_case(case)
    _check_work_on(actor, case, referral)
    errors: dict = {}
    if kind not in FollowUpVisit.Kind.values:
        errors["kind"] = [_("Tipo de seguimiento no válido.")]
    elif kind in FollowUpVisit.CONTACTING_KINDS and active_consent(case, Consent.Kind.CONTACT) is None:
        errors["kind"] = [_("La víctima no consintió ser contactada: solo puede registrar una atención en oficina "
                            "a la que ella acuda.")]
    if not (outcome or "").strip():
        errors["outcome"] = [_("Describa el resultado del seguimiento.")]
    if not visited_on:
        errors["visited_on"] = [_("Indique la fecha del seguimiento.")]
    check_not_future(errors, "visited_on", visited_on, _("La fecha del seguimiento"))
    _not_before_identification(errors, "visited_on", visited_on, case, _("la fecha del seguimiento"))
    check_order(errors, "next_visit_on", visited_on, next_visit_on, _("el seguimiento"), _("la próxima visita"))
    raise_if(errors)
    visit = FollowUpVisit.objects.create(case=case, referral=referral, kind=kind, visited_on=visited_on,
                                         agency=actor.agency, visited_by=actor, outcome=outcome.strip(),
                                         next_visit_on=next_visit_on)
    record_change(actor=actor, action="create", instance=visit, root=case, after=snapshot(visit),
                  summary=_("Seguimiento: %(kind)s") % {"kind": visit.get_kind_display()})
    return visit


FAMILY_FIELDS = ("full_name", "relationship", "phone", "ubigeo", "address", "involved_in_trafficking", "is_unsafe",
                 "safety_notes", "tracing_status", "reunited_on", "notes")


def _check_family(errors: dict, data: dict, case: AssistanceCase) -> None:
    if not (data.get("full_name") or "").strip():
        errors["full_name"] = [_("Indique el nombre del familiar o contacto.")]
    if data.get("relationship") not in FamilyContact.Relationship.values:
        errors["relationship"] = [_("Indique el parentesco.")]
    if data.get("tracing_status") not in FamilyContact.Tracing.values:
        errors["tracing_status"] = [_("Estado de búsqueda no válido.")]
    unsafe = data.get("involved_in_trafficking") or data.get("is_unsafe")
    if data.get("tracing_status") == FamilyContact.Tracing.REUNITED:
        if unsafe:
            errors["tracing_status"] = [_("No se puede registrar la reunificación con un familiar involucrado en la "
                                          "trata o que representa un riesgo para la víctima.")]
        if not data.get("reunited_on"):
            errors["reunited_on"] = [_("Indique la fecha de la reunificación.")]
    elif data.get("reunited_on"):
        errors["reunited_on"] = [_("La fecha de reunificación solo se indica si la reunificación se realizó.")]
    check_not_future(errors, "reunited_on", data.get("reunited_on"), _("La fecha de reunificación"))
    _not_before_identification(errors, "reunited_on", data.get("reunited_on"), case, _("la fecha de reunificación"))


def _check_family_access(actor, case: AssistanceCase, referral: Referral | None) -> None:
    if referral is None:
        _require(access.can_edit_case(actor, case))
        _require_open(case)
    else:
        referral.refresh_from_db(fields=["status", "identity_withdrawn_at"])
        _require(referral.case_id == case.pk and access.can_work_on_referral(actor, referral)
                 and access.referral_shows_family(actor, referral))


@transaction.atomic
def family_contact_add(*, actor, case: AssistanceCase, referral: Referral | None = None, **fields) -> FamilyContact:
    unknown = set(fields) - set(FAMILY_FIELDS)
    if unknown:
        raise TypeError(f"unknown family contact fields: {sorted(unknown)}")
    case = _lock_case(case)
    _check_family_access(actor, case, referral)
    data = {"tracing_status": FamilyContact.Tracing.NOT_STARTED, **fields}
    errors: dict = {}
    _check_family(errors, data, case)
    raise_if(errors)
    contact = FamilyContact.objects.create(
        case=case, created_by=actor, agency=actor.agency,
        **{k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()})
    record_change(actor=actor, action="create", instance=contact, root=case, after=snapshot(contact),
                  summary=_("Familiar o contacto registrado: %(relation)s") % {"relation": contact})
    return contact


@transaction.atomic
def family_contact_update(*, actor, contact: FamilyContact, referral: Referral | None = None,
                          **fields) -> FamilyContact:
    unknown = set(fields) - set(FAMILY_FIELDS)
    if unknown:
        raise TypeError(f"unknown family contact fields: {sorted(unknown)}")
    case = _lock_case(contact.case)
    _check_family_access(actor, case, referral)
    current = FamilyContact.objects.select_for_update().get(pk=contact.pk)
    data = {name: getattr(current, name) for name in FAMILY_FIELDS}
    data.update(fields)
    errors: dict = {}
    _check_family(errors, data, case)
    raise_if(errors)
    before = snapshot(current)
    for name, value in data.items():
        setattr(current, name, value.strip() if isinstance(value, str) else value)
    current.save()
    summary = (_("Reunificación familiar realizada") if current.tracing_status == FamilyContact.Tracing.REUNITED
               and before["tracing_status"] != FamilyContact.Tracing.REUNITED
               else _("Familiar o contacto actualizado: %(relation)s") % {"relation": current})
    record_change(actor=actor, action="update", instance=current, root=case, before=before, after=snapshot(current),
                  summary=summary)
    return current


# --- provider directory -----------------------------------------------------------------------------------

PROVIDER_FIELDS = ("name", "kind", "agency", "address", "phone", "email", "notes", "is_active")


def _check_provider(errors: dict, data: dict, services, regions) -> None:
    if not (data.get("name") or "").strip():
        errors["name"] = [_("Indique el nombre del proveedor.")]
    if data.get("kind") not in Provider.Kind.values:
        errors["kind"] = [_("Indique el tipo de proveedor.")]
    if not services:
        errors["services"] = [_("Indique al menos un servicio.")]
    if not regions:
        errors["regions"] = [_("Indique al menos un departamento donde atiende.")]
    elif any(r.level != r.Level.DEPARTAMENTO for r in regions):
        errors["regions"] = [_("Indique departamentos (no provincias ni distritos).")]


@transaction.atomic
def provider_create(*, actor, services, regions, **fields) -> Provider:
    unknown = set(fields) - set(PROVIDER_FIELDS)
    if unknown:
        raise TypeError(f"unknown provider fields: {sorted(unknown)}")
    _require(actor.can(C.ASSISTANCE_EDIT))
    services, regions = list(services), list(regions)
    errors: dict = {}
    _check_provider(errors, fields, services, regions)
    raise_if(errors)
    provider = Provider.objects.create(created_by=actor, **{k: (v.strip() if isinstance(v, str) else v)
                                                            for k, v in fields.items()})
    provider.services.set(services)
    provider.regions.set(regions)
    after = snapshot(provider)
    after.update(services=sorted(s.code for s in services), regions=sorted(r.code for r in regions))
    record_change(actor=actor, action="create", instance=provider, after=after,
                  summary=_("Proveedor registrado en el directorio"))
    return provider


@transaction.atomic
def provider_update(*, actor, provider: Provider, services=None, regions=None, **fields) -> Provider:
    unknown = set(fields) - set(PROVIDER_FIELDS)
    if unknown:
        raise TypeError(f"unknown provider fields: {sorted(unknown)}")
    _require(actor.can(C.ASSISTANCE_EDIT))
    current = Provider.objects.select_for_update().get(pk=provider.pk)
    services = list(current.services.all()) if services is None else list(services)
    regions = list(current.regions.all()) if regions is None else list(regions)
    data = {name: getattr(current, name) for name in PROVIDER_FIELDS}
    data.update(fields)
    errors: dict = {}
    _check_provider(errors, data, services, regions)
    raise_if(errors)
    before = snapshot(current)
    before.update(services=sorted(current.services.values_list("code", flat=True)),
                  regions=sorted(current.regions.values_list("code", flat=True)))
    for name, value in fields.items():
        setattr(current, name, value.strip() if isinstance(value, str) else value)
    current.save()
    current.services.set(services)
    current.regions.set(regions)
    after = snapshot(current)
    after.update(services=sorted(s.code for s in services), regions=sorted(r.code for r in regions))
    record_change(actor=actor, action="update", instance=current, before=before, after=after,
                  summary=_("Proveedor actualizado"))
    return current

