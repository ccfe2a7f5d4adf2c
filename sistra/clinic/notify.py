"""Urgent danger found by the clinic: the receiving agency is told at once — a notice in its referral inbox
and, after the commit, an e-mail to the people there who receive referrals. Neither carries a name."""

import logging

from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from sistra.accounts.capabilities import ROLE_CAPABILITIES, Capability

from .models import UrgentNotice

logger = logging.getLogger(__name__)


def _send(subject: str, body: str, recipients: list[str]) -> None:
    # the notice in the inbox is the record; a mail server that is down must not undo the referral
    try:
        send_mail(subject, body, None, recipients)
    except Exception:  # noqa: BLE001
        logger.exception("urgent referral mail not sent")


def notify_urgent(*, referral) -> UrgentNotice:
    notice, _created = UrgentNotice.objects.get_or_create(
        referral=referral, defaults={"agency": referral.to_agency}
    )
    roles = [role for role, caps in ROLE_CAPABILITIES.items() if Capability.REFERRAL_RECEIVE in caps]
    recipients = list(
        referral.to_agency.users.filter(is_active=True, role__in=roles)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if recipients:
        path = reverse("assistance:referral_detail", args=[referral.uuid])
        subject = _("SISTRA: derivación urgente de la clínica móvil")
        body = _(
            "La clínica móvil derivó a su institución a una persona en peligro urgente. Revise la derivación "
            "en SISTRA: %(path)s"
        ) % {"path": path}
        transaction.on_commit(lambda: _send(subject, body, recipients))
    return notice
