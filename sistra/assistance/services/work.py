"""The work done on a case or a referral: services delivered, follow-up visits, family contacts (tracing)."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from sistra.accounts.types import Actor, agency_of
from sistra.audit.services import record_change, snapshot
from sistra.core.validation import check_not_future, check_order, raise_if

from .. import access
from ..models import (
    AssistanceCase,
    Consent,
    FamilyContact,
    FollowUpVisit,
    Referral,
    ServiceDelivery,
    ServiceType,
)
from ._common import _lock_case, _not_before_identification, _require, _require_open, active_consent

# --- services, follow-ups and family ----------------------------------------------------------------------

def _check_work_on(actor: Actor, case: AssistanceCase, referral: Referral | None) -> None:
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
    *, actor: Actor, case: AssistanceCase, service_type: ServiceType, delivered_on: datetime.date, description: str = "",
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
        case=case, referral=referral, service_type=service_type, agency=agency_of(actor), provider=provider,
        delivered_on=delivered_on, delivered_by=actor, description=(description or "").strip(), cost=cost,
        destination_ubigeo=destination_ubigeo, destination_country=destination_country, visa_arranged=visa_arranged,
        tickets=(tickets or "").strip())
    record_change(actor=actor, action="create", instance=delivery, root=case, after=snapshot(delivery),
                  summary=_("Servicio brindado: %(service)s") % {"service": service_type})
    return delivery


@transaction.atomic
def followup_record(
    *, actor: Actor, case: AssistanceCase, kind: str, visited_on: datetime.date, outcome: str,
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
                                         agency=agency_of(actor), visited_by=actor, outcome=outcome.strip(),
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


def _check_family_access(actor: Actor, case: AssistanceCase, referral: Referral | None) -> None:
    if referral is None:
        _require(access.can_edit_case(actor, case))
        _require_open(case)
    else:
        referral.refresh_from_db(fields=["status", "identity_withdrawn_at"])
        _require(referral.case_id == case.pk and access.can_work_on_referral(actor, referral)
                 and access.referral_shows_family(actor, referral))


@transaction.atomic
def family_contact_add(*, actor: Actor, case: AssistanceCase, referral: Referral | None = None, **fields) -> FamilyContact:
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
        case=case, created_by=actor, agency=agency_of(actor),
        **{k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()})
    record_change(actor=actor, action="create", instance=contact, root=case, after=snapshot(contact),
                  summary=_("Familiar o contacto registrado: %(relation)s") % {"relation": contact})
    return contact


@transaction.atomic
def family_contact_update(*, actor: Actor, contact: FamilyContact, referral: Referral | None = None,
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
