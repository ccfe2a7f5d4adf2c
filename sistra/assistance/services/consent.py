"""Consent: recorded and withdrawn; a withdrawal ends what the consent allowed (shares of identity)."""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sistra.accounts.types import Actor, agency_of
from sistra.audit.models import ChangeEvent
from sistra.audit.services import record_change, snapshot
from sistra.core.validation import check_not_future, check_order, fmt, raise_if

from .. import access
from ..models import (
    AssistanceCase,
    Consent,
)
from ._common import _lock_case, _require, _require_open
from .cases import open_referrals
from .referrals import _end_identity_of, _revoke

# --- consent ----------------------------------------------------------------------------------------------

@transaction.atomic
def consent_record(
    *, actor: Actor, case: AssistanceCase, kind: str, given_on: datetime.date, agency=None,
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
                                     method=method, recorded_by=actor, recorded_by_agency=agency_of(actor))
    record_change(kind=ChangeEvent.Kind.CONSENT_RECORDED, actor=actor, action="create", instance=consent, root=case, after=snapshot(consent),
                  summary=_("Consentimiento registrado: %(kind)s") % {"kind": _consent_label(consent)})
    return consent


def _consent_label(consent: Consent) -> str:
    if consent.kind == Consent.Kind.SHARE_DATA and consent.agency is not None:
        return _("compartir datos con %(agency)s") % {"agency": consent.agency.name}
    return str(consent.get_kind_display()).lower()


@dataclass
class Withdrawal:
    """What withdrawing a consent changed, for the message the user sees."""

    consent: Consent
    referrals_without_identity: list = field(default_factory=list)
    referrals_revoked: list = field(default_factory=list)


@transaction.atomic
def consent_withdraw(*, actor: Actor, consent: Consent, withdrawn_on: datetime.date, notes: str = "") -> Withdrawal:
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
    record_change(kind=ChangeEvent.Kind.CONSENT_WITHDRAWN, actor=actor, action="update", instance=current, root=case, before=before, after=snapshot(current),
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

