"""The assistance case: open, update, status, follow-up, close, reopen, link to a criminal case."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from sistra.accounts.types import Actor, agency_of
from sistra.audit.services import record_change
from sistra.core.validation import ConflictError, check_not_future, raise_if
from sistra.people.access import can_see_identity, visible_persons

from .. import access
from ..models import (
    AssistanceCase,
    Referral,
)
from ._common import (
    CASE_EDIT_FIELDS,
    C,
    _case_snapshot,
    _lock_case,
    _not_before_identification,
    _require,
    _require_open,
    _touch,
    channel_for,
    decision_org_for,
)

# --- the case ---------------------------------------------------------------------------------------------

@transaction.atomic
def case_open(
    *, actor: Actor, person, identified_on: datetime.date, identification_channel: str = "",
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
    existing = AssistanceCase.objects.filter(person=person, owner_agency=agency_of(actor),
                                             status__in=AssistanceCase.OPEN_STATUSES).first()
    if existing is not None:
        errors["person"] = [_("Su institución ya tiene un caso abierto para esta persona (%(code)s).")
                            % {"code": existing.code}]
    raise_if(errors)
    try:
        with transaction.atomic():
            case = AssistanceCase.objects.create(
                person=person, owner_agency=agency_of(actor), created_by=actor, caseworker=actor,
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
def case_update(*, actor: Actor, case: AssistanceCase, expected_version: int, **fields) -> AssistanceCase:
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
    *, actor: Actor, case: AssistanceCase, trafficking_status: str, status_decision_org: str,
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
def case_set_follow_up(*, actor: Actor, case: AssistanceCase, follow_up: bool) -> AssistanceCase:
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
    *, actor: Actor, case: AssistanceCase, closure_reason: str, closed_on: datetime.date, closure_notes: str = "",
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
def case_reopen(*, actor: Actor, case: AssistanceCase, reason: str) -> AssistanceCase:
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
def case_link_criminal_case(*, actor: Actor, case: AssistanceCase, criminal_case) -> None:
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
