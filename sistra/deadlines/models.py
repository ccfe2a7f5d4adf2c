"""Who heads each fiscalía (to see the deadlines of all its prosecutors) and the in-app notifications the
daily deadline digest leaves. The deadline itself is stored on the case (Case.next_deadline_on)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sistra.core.choice_labels import ChoiceLabels


class FiscaliaHead(models.Model):
    """The prosecutor who heads a fiscalía (fiscal provincial coordinador): sees the deadlines of every case of
    the fiscalía and receives its digest. One head per fiscalía; designated by an administrator."""

    agency = models.OneToOneField(
        "accounts.Agency",
        on_delete=models.CASCADE,
        related_name="head",
        verbose_name=_("fiscalía"),
        limit_choices_to={"kind": "fiscalia"},
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="headed_fiscalias",
        verbose_name=_("fiscal a cargo de la fiscalía"),
    )
    since = models.DateField(_("desde"))

    class Meta:
        verbose_name = _("jefatura de fiscalía")
        verbose_name_plural = _("jefaturas de fiscalía")

    def __str__(self) -> str:
        return f"{self.agency} — {self.user}"


class Notification(ChoiceLabels, models.Model):
    class Kind(models.TextChoices):
        DEADLINE_DIGEST = "deadline_digest", _("Resumen diario de plazos")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("destinatario"),
    )
    kind = models.CharField(_("tipo"), max_length=30, choices=Kind.choices)
    # the day a digest is about: one digest per person and day, however often the task runs
    about_date = models.DateField(_("fecha"))
    title = models.CharField(_("título"), max_length=200)
    body = models.TextField(_("detalle"), blank=True)
    url = models.CharField(_("enlace"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("creado"), auto_now_add=True)
    emailed_at = models.DateTimeField(_("enviado por correo"), null=True, blank=True)
    read_at = models.DateTimeField(_("leído"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("aviso")
        verbose_name_plural = _("avisos")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "about_date"], name="notification_once_a_day"
            ),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return self.title
