"""Referrals between agencies: send, accept, decline, complete, revoke; overdue alerts and the background check
that raises them (defined here, beside the service that enqueues it — ADR 0200)."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from sistra.accounts.capabilities import ROLE_CAPABILITIES
from sistra.accounts.models import Agency
from sistra.accounts.types import Actor
from sistra.audit.models import ChangeEvent
from sistra.audit.services import record_change, snapshot
from sistra.core.text import normalize
from sistra.core.validation import fmt, raise_if, today
from sistra.people.sharing import person_share, person_shares_revoke_by_source

from .. import access
from ..models import (
    AssistanceCase,
    Consent,
    Referral,
    ReferralAlert,
)
from ._common import C, _case_snapshot, _lock_case, _require, _require_open, active_consent
from .cases import open_referrals

# --- referrals --------------------------------------------------------------------------------------------

RECEIVING_ROLES = [role for role, caps in ROLE_CAPABILITIES.items() if C.REFERRAL_RECEIVE in caps]


def receiving_agencies():
    """Agencies that can receive referrals: active, with at least one active user whose role receives them."""
    return Agency.objects.filter(is_active=True, users__is_active=True, users__role__in=RECEIVING_ROLES).distinct()


def _identity_words(person) -> set[str]:
    """Words of the person's names (3 letters or more) and her document numbers, to keep them out of the text
    of a referral that may not carry identity."""
    words: set[str] = set()
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
    day_after = referral.due_on + datetime.timedelta(days=1)
    run_after = timezone.make_aware(datetime.datetime.combine(day_after, datetime.time(0, 5)))
    transaction.on_commit(lambda: check_overdue_referrals.using(run_after=run_after).enqueue())


@transaction.atomic
def referral_send(
    *, actor: Actor, case: AssistanceCase, to_agency, due_on: datetime.date, services=(),
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
    record_change(kind=ChangeEvent.Kind.REFERRAL_SENT, actor=actor, action="create", instance=referral, root=current, after=after,
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


def _end_identity_of(*, actor: Actor, referral: Referral) -> None:
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
def referral_accept(*, actor: Actor, referral: Referral) -> Referral:
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
    record_change(kind=ChangeEvent.Kind.REFERRAL_ACCEPTED, actor=actor, action="update", instance=current, root=case, before=before, after=snapshot(current),
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
def referral_decline(*, actor: Actor, referral: Referral, reason: str) -> Referral:
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
    record_change(kind=ChangeEvent.Kind.REFERRAL_DECLINED, actor=actor, action="update", instance=current, root=current.case, before=before,
                  after=snapshot(current),
                  summary=_("Derivación rechazada por %(agency)s") % {"agency": current.to_agency.name})
    return current


@transaction.atomic
def referral_complete(*, actor: Actor, referral: Referral, notes: str = "") -> Referral:
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
    record_change(kind=ChangeEvent.Kind.REFERRAL_COMPLETED, actor=actor, action="update", instance=current, root=current.case, before=before,
                  after=snapshot(current),
                  summary=_("Derivación concluida por %(agency)s") % {"agency": current.to_agency.name})
    return current


def _revoke(*, actor: Actor, referral: Referral, reason: str) -> Referral:
    before = snapshot(referral)
    referral.status = Referral.Status.REVOKED
    referral.revoked_at = timezone.now()
    referral.revoked_by = actor
    referral.revoke_reason = reason.strip()
    referral.save()
    person_shares_revoke_by_source(actor=actor, source=referral.share_source)
    record_change(kind=ChangeEvent.Kind.REFERRAL_REVOKED, actor=actor, action="update", instance=referral, root=referral.case, before=before,
                  after=snapshot(referral),
                  summary=_("Derivación a %(agency)s revocada") % {"agency": referral.to_agency.name})
    return referral


@transaction.atomic
def referral_revoke(*, actor: Actor, referral: Referral, reason: str) -> Referral:
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


# --- background work (Django's tasks API): defined beside the service that enqueues it, so that services and
# tasks form no import circle; tasks.py lists the tasks for the worker (ADR 0170).


@task
def check_overdue_referrals() -> int:
    """Raise the dashboard alerts of referrals past their due date. Enqueued the day after each referral falls
    due (where the queue can wait) and by `sistra referrals_check_overdue` (daily, from cron)."""
    return overdue_alerts_raise()
