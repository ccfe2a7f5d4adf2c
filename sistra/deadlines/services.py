"""Writes of the deadlines app: who heads a fiscalía, the daily digest, reading a notice. Each records its
change history in the same transaction."""

import datetime
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from sistra.accounts.capabilities import Capability, Role, has_capability
from sistra.accounts.models import Agency
from sistra.accounts.types import Actor
from sistra.audit.services import record_change
from sistra.cases.models import Case
from sistra.cases.selectors import DUE_SOON_DAYS
from sistra.core.validation import raise_if

from .models import FiscaliaHead, Notification

logger = logging.getLogger(__name__)


@transaction.atomic
def fiscalia_head_designate(
    *, actor: Actor, agency: Agency, user, since: datetime.date | None = None
) -> FiscaliaHead:
    """An administrator of that fiscalía (or the system administrator) names the prosecutor who heads it.
    ``actor=None`` is the server's command line (`sistra set_fiscalia_head`), run by whoever administers it."""
    errors: dict = {}
    may = (
        actor is None
        or has_capability(actor, Capability.USER_MANAGE)
        and (actor.role == Role.SYSTEM_ADMIN or actor.agency_id == agency.pk)
    )
    if not may:
        errors["user"] = [_("Solo un administrador de la fiscalía puede designar a quien la dirige.")]
    elif agency.kind != Agency.Kind.FISCALIA:
        errors["agency"] = [_("Solo una fiscalía tiene un fiscal a cargo.")]
    elif not (user.is_active and user.role == Role.PROSECUTOR and user.agency_id == agency.pk):
        errors["user"] = [_("Elija un fiscal activo de esa fiscalía.")]
    raise_if(errors)
    head, _created = FiscaliaHead.objects.update_or_create(
        agency=agency, defaults={"user": user, "since": since or timezone.localdate()}
    )
    record_change(
        actor=actor,
        action="update",
        instance=agency,
        after={"head": user.username, "since": head.since.isoformat()},
        summary=_("Fiscal a cargo de %(agency)s: %(user)s")
        % {"agency": agency.name, "user": user.get_full_name() or user.username},
    )
    return head


def _counts_by(field: str, *, today: datetime.date) -> dict:
    soon = today + datetime.timedelta(days=DUE_SOON_DAYS)
    rows = (
        Case.objects.filter(
            status=Case.Status.ACTIVE, next_deadline_on__lte=soon, **{f"{field}__isnull": False}
        )
        .values(field)
        .annotate(
            overdue=Count("pk", filter=Q(next_deadline_on__lt=today)),
            due_soon=Count("pk", filter=Q(next_deadline_on__gte=today)),
        )
        .order_by()
    )
    return {r[field]: (r["overdue"], r["due_soon"]) for r in rows}


def _digest_text(*, mine: tuple[int, int] | None, fiscalia: tuple[int, int] | None, agency_name: str) -> str:
    lines = []
    if mine:
        lines.append(
            _("Sus casos: %(overdue)d con el plazo vencido y %(soon)d que vencen en los próximos 7 días.")
            % {"overdue": mine[0], "soon": mine[1]}
        )
    if fiscalia:
        lines.append(
            _(
                "%(agency)s: %(overdue)d casos con el plazo vencido y %(soon)d que vencen en los próximos "
                "7 días."
            )
            % {"agency": agency_name, "overdue": fiscalia[0], "soon": fiscalia[1]}
        )
    return "\n".join(lines)


def deadline_digest_send(*, today: datetime.date | None = None) -> int:
    """Leave each prosecutor with cases overdue or due within 7 days (and each head of a fiscalía with such
    cases in it) one notice for the day, and e-mail it where the user has an address. Safe to run more than once
    a day: a second run finds the day's notice and sends nothing. The notice and the e-mail carry counts and a
    link, never a case number or a name: an e-mail leaves SISTRA."""
    from django.contrib.auth import get_user_model

    today = today or timezone.localdate()
    mine = _counts_by("prosecutor", today=today)
    by_fiscalia = _counts_by("fiscalia", today=today)
    heads = {
        h.user_id: h.agency
        for h in FiscaliaHead.objects.select_related("agency").filter(agency_id__in=list(by_fiscalia))
    }
    recipients = get_user_model().objects.filter(
        pk__in=set(mine) | set(heads), is_active=True, role=Role.PROSECUTOR
    )
    path = reverse("deadlines:mine")
    base = getattr(settings, "SISTRA_BASE_URL", "").rstrip("/")
    sent = 0
    for user in recipients:
        agency = heads.get(user.pk)
        if agency is not None and agency.pk != user.agency_id:
            agency = None  # a head who moved to another fiscalía no longer heads this one
        own = mine.get(user.pk)
        fiscalia = by_fiscalia.get(agency.pk) if agency else None
        if not own and not fiscalia:
            continue
        with override(settings.LANGUAGE_CODE):
            title = _("Plazos al %(date)s") % {"date": today.strftime("%d/%m/%Y")}
            body = _digest_text(mine=own, fiscalia=fiscalia, agency_name=agency.name if agency else "")
        notice, created = Notification.objects.get_or_create(
            recipient=user,
            kind=Notification.Kind.DEADLINE_DIGEST,
            about_date=today,
            defaults={"title": title, "body": body, "url": path},
        )
        if not created:
            continue
        if user.email:
            # the notice stands even if the mail server fails: the e-mail is a copy of it
            try:
                send_mail(f"SISTRA — {title}", f"{body}\n\n{base}{path}", None, [user.email])
            except Exception:  # noqa: BLE001 — any backend error; logged without the address
                logger.warning("deadline digest e-mail to user %s failed", user.pk, exc_info=True)
            else:
                notice.emailed_at = timezone.now()
                notice.save(update_fields=["emailed_at"])
        sent += 1
    logger.info("deadline digest for %s: %d notices", today.isoformat(), sent)
    return sent


def notification_mark_read(*, actor: Actor, notification: Notification) -> Notification:
    if notification.recipient_id != actor.pk:
        raise ValidationError(_("Este aviso no es suyo."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification
