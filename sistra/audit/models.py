from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sistra.core.choice_labels import ChoiceLabels
from sistra.core.crypto import SealedJSONField

SECRET_KEYS = "sistra.audit.identity_keys.is_secret_key"


class ChangeEvent(ChoiceLabels, models.Model):
    """One create, update or delete of a protected record: who, when, before and after. Written by the
    service that makes the change, in the same transaction (sistra.audit.services.record_change)."""

    class Action(models.TextChoices):
        CREATE = "create", _("creación")
        UPDATE = "update", _("modificación")
        DELETE = "delete", _("eliminación")

    class Kind(models.TextChoices):
        """What happened, in the words of the work — queryable by the auditor and by statistics ("every stage
        change in 2025"). A service that does one of the named things says so; any other write is the
        generic created/updated/deleted of its action."""

        CREATED = "created", _("registro creado")
        UPDATED = "updated", _("registro modificado")
        DELETED = "deleted", _("registro eliminado")
        STAGE_CHANGED = "stage_changed", _("cambio de etapa procesal")
        CASE_TRANSFERRED = "case_transferred", _("caso transferido a otra fiscalía")
        SHARED = "shared", _("acceso dado a otra institución")
        SHARE_REVOKED = "share_revoked", _("acceso de otra institución revocado")
        REFERRAL_SENT = "referral_sent", _("derivación enviada")
        REFERRAL_ACCEPTED = "referral_accepted", _("derivación aceptada")
        REFERRAL_DECLINED = "referral_declined", _("derivación rechazada")
        REFERRAL_COMPLETED = "referral_completed", _("derivación concluida")
        REFERRAL_REVOKED = "referral_revoked", _("derivación retirada")
        CONSENT_RECORDED = "consent_recorded", _("consentimiento registrado")
        CONSENT_WITHDRAWN = "consent_withdrawn", _("consentimiento retirado")
        PERSONS_MERGED = "persons_merged", _("registros de una persona unidos")
        PERSONS_UNMERGED = "persons_unmerged", _("unión de registros deshecha")

    at = models.DateTimeField(_("fecha y hora"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("usuario"),
    )
    actor_agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("institución"),
    )
    action = models.CharField(_("acción"), max_length=10, choices=Action.choices)
    kind = models.CharField(_("tipo de evento"), max_length=30, choices=Kind.choices, blank=True, db_index=True)
    model = models.CharField(_("tipo de registro"), max_length=60)
    object_uuid = models.UUIDField(_("registro"), null=True, blank=True)
    # the top-level record this change belongs to (a case for a charge), so a case's history is one query
    root_model = models.CharField(max_length=60, db_index=True)
    root_uuid = models.UUIDField(db_index=True)
    summary = models.CharField(_("resumen"), max_length=200, blank=True)
    # identity values inside the snapshots are encrypted one by one (sistra.core.crypto.SealedJSONField)
    before = SealedJSONField(_("antes"), null=True, blank=True, secret_keys=SECRET_KEYS)
    after = SealedJSONField(_("después"), null=True, blank=True, secret_keys=SECRET_KEYS)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("cambio")
        verbose_name_plural = _("historial de cambios")
        indexes = [models.Index(fields=["root_model", "root_uuid", "-at"], name="audit_root_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.model}"

    @property
    def changed_fields(self) -> list[str]:
        before, after = self.before or {}, self.after or {}
        return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


class AccessLog(ChoiceLabels, models.Model):
    """One read of a person's identity, or one export, written in the same transaction as the read."""

    class Purpose(models.TextChoices):
        CASE_WORK = "case_work", _("Trabajo en el caso")
        ASSISTANCE = "assistance", _("Asistencia a la víctima")
        HOTLINE = "hotline", _("Atención de la línea")
        HEALTH = "health", _("Atención de salud")
        EXPORT = "export", _("Exportación")
        AUDIT = "audit", _("Auditoría")
        API = "api", _("Consulta por API")
        PREVENTION = "prevention", _("Trabajo de prevención")
        LINKAGE = "linkage", _("Vinculación de registros")

    class Kind(models.TextChoices):
        IDENTITY_VIEWED = "identity_viewed", _("identidad consultada")
        EXPORT_MADE = "export_made", _("exportación")

    at = models.DateTimeField(_("fecha y hora"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("usuario")
    )
    actor_agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("institución"),
    )
    model = models.CharField(_("tipo de registro"), max_length=60)
    object_uuid = models.UUIDField(_("registro"), db_index=True)
    # the person whose identity was read (for "who has seen this victim"); empty for exports of many
    person_uuid = models.UUIDField(_("persona"), null=True, blank=True, db_index=True)
    fields = models.JSONField(_("campos"), default=list)
    purpose = models.CharField(_("finalidad"), max_length=20, choices=Purpose.choices)
    kind = models.CharField(_("tipo de evento"), max_length=30, choices=Kind.choices, blank=True, db_index=True)
    detail = models.CharField(_("detalle"), max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("acceso a datos de identidad")
        verbose_name_plural = _("registro de accesos")
        # a user's reads, newest first, in the list's own order (the id breaks ties): 50 rows read, not all of
        # that user's reads sorted (a prosecutor has tens of thousands)
        indexes = [models.Index(fields=["actor", "-at", "-id"], name="accesslog_actor_at_id_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.model} {self.purpose}"
