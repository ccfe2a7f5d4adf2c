"""Record linkage: candidate pairs and the stewards' decisions, linked identities (merge without losing any
source record), batch runs. docs/decisions/0170–0173."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sistra.core.choice_labels import ChoiceLabels


class LinkageRun(ChoiceLabels, models.Model):
    """One batch linkage over the whole registry. At most one is queued or running (`active`)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("En cola")
        RUNNING = "running", _("En curso")
        DONE = "done", _("Terminada")
        FAILED = "failed", _("Fallida")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(_("estado"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    # True while queued or running, NULL afterwards: the unique index allows one active run at a time
    active = models.BooleanField(null=True, unique=True, default=True, editable=False)
    engine = models.CharField(_("motor"), max_length=20, default="sistra")
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("avance (%)"), default=0)
    thresholds = models.JSONField(_("umbrales"), default=dict)
    parameters = models.JSONField(_("parámetros m/u"), default=dict)
    results = models.JSONField(_("resultados"), default=dict)
    message = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("ejecución de vinculación")
        verbose_name_plural = _("ejecuciones de vinculación")

    def __str__(self) -> str:
        return str(self.uuid)


class LinkCandidate(ChoiceLabels, models.Model):
    """Two person records that may be the same human being, waiting for (or carrying) a steward's decision.
    The decision is kept: later runs that meet the same pair reuse it instead of asking again."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pendiente")
        LINKED = "linked", _("Misma persona")
        NOT_SAME = "not_same", _("No es la misma persona")
        UNSURE = "unsure", _("No se sabe")

    class Origin(models.TextChoices):
        ENTRY = "entry", _("Registro de una persona")
        BATCH = "batch", _("Vinculación por lotes")
        PPRL = "pprl", _("Vinculación con datos cifrados")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person_a = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    person_b = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    probability = models.FloatField(_("probabilidad"))
    band = models.CharField(_("banda"), max_length=10)
    vector = models.JSONField(default=list)
    origin = models.CharField(_("origen"), max_length=6, choices=Origin.choices)
    run = models.ForeignKey(
        LinkageRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="candidates"
    )
    # the versions of both records when the pair was scored: a decision on changed records is refused
    version_a = models.PositiveIntegerField(default=1)
    version_b = models.PositiveIntegerField(default=1)
    status = models.CharField(
        _("estado"), max_length=8, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    reason = models.CharField(_("motivo"), max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-probability", "pk"]
        verbose_name = _("posible vínculo")
        verbose_name_plural = _("posibles vínculos")
        constraints = [
            models.UniqueConstraint(fields=["person_a", "person_b"], name="linkcandidate_unique_pair"),
            models.CheckConstraint(
                condition=models.Q(person_a__lt=models.F("person_b")), name="linkcandidate_ordered_pair"
            ),
        ]

    def __str__(self) -> str:
        return str(self.uuid)


class Identity(models.Model):
    """One human being known through several person records. A merge never rewrites the records nor moves
    their cases, contacts or referrals: it groups them, so an unmerge gives every record back exactly."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("identidad vinculada")
        verbose_name_plural = _("identidades vinculadas")

    def __str__(self) -> str:
        return str(self.uuid)


class IdentityMember(models.Model):
    """A person record in an identity, from `added_at` until `removed_at` (rows are never deleted)."""

    identity = models.ForeignKey(Identity, on_delete=models.PROTECT, related_name="members")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="identity_memberships")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("registro de una identidad")
        verbose_name_plural = _("registros de una identidad")
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(removed_at__isnull=True),
                name="identitymember_one_active_identity",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} ∈ {self.identity}"
