"""Sharing a person's record with another agency: the mechanism that hand-made shares and referrals use
alike. A share is active until revoked or expired; revoking ends the access it gave at once."""

import datetime

from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext as _

from sistra.audit.models import ChangeEvent
from sistra.audit.services import record_change
from sistra.core.validation import raise_if

from .models import Person, PersonShare


def active_person_shares(agency_id, *, identity: bool | None = None) -> QuerySet[PersonShare]:
    qs = PersonShare.objects.filter(agency_id=agency_id, revoked_at__isnull=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=Now())
    )
    if identity is not None:
        qs = qs.filter(include_identity=identity)
    return qs


@transaction.atomic
def person_share(
    *, actor, person: Person, agency, reason: str, include_identity: bool, level: str = PersonShare.Level.READ,
    source: str = "", expires_at: datetime.datetime | None = None,
) -> PersonShare:
    errors: dict = {}
    if agency.pk == person.owner_agency_id:
        errors["agency"] = [_("La institución propietaria ya tiene acceso a la persona.")]
    if not (reason or "").strip():
        errors["reason"] = [_("Indique el motivo por el que comparte el registro.")]
    if expires_at and expires_at <= timezone.now():
        errors["expires_at"] = [_("La fecha de vencimiento debe ser futura.")]
    raise_if(errors)
    share = PersonShare.objects.create(
        person=person, agency=agency, level=level, include_identity=include_identity, reason=reason.strip(),
        source=source, granted_by=actor, expires_at=expires_at,
    )
    record_change(
        kind=ChangeEvent.Kind.SHARED,
        actor=actor, action="create", instance=share, root=person,
        after={"agency": agency.code, "level": level, "include_identity": include_identity, "source": source},
        summary=_("Registro compartido con %(agency)s") % {"agency": agency.name},
    )
    return share


@transaction.atomic
def person_share_revoke(*, actor, share: PersonShare) -> None:
    if share.revoked_at:
        return
    share.revoked_at = timezone.now()
    share.save(update_fields=["revoked_at"])
    record_change(
        kind=ChangeEvent.Kind.SHARE_REVOKED,
        actor=actor, action="update", instance=share, root=share.person,
        before={"agency": share.agency.code, "revoked_at": None},
        after={"agency": share.agency.code, "revoked_at": share.revoked_at.isoformat()},
        summary=_("Acceso revocado a %(agency)s") % {"agency": share.agency.name},
    )


@transaction.atomic
def person_shares_revoke_by_source(*, actor, source: str) -> int:
    """End every share a referral (or other source) granted."""
    shares = list(PersonShare.objects.filter(source=source, revoked_at__isnull=True).select_related("agency",
                                                                                                      "person"))
    for share in shares:
        person_share_revoke(actor=actor, share=share)
    return len(shares)
