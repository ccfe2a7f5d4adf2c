import uuid
from datetime import timedelta

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sistra.core.choice_labels import ChoiceLabels

from .capabilities import Capability, Role, has_capability


class Agency(ChoiceLabels, models.Model):
    """An organisation that owns records and shares them on purpose."""

    class Kind(models.TextChoices):
        FISCALIA = "fiscalia", _("Fiscalía (Ministerio Público)")
        POLICE = "police", _("Unidad de la Policía Nacional")
        COURT = "court", _("Órgano del Poder Judicial")
        MIMP = "mimp", _("Ministerio de la Mujer y Poblaciones Vulnerables")
        MININTER = "mininter", _("Ministerio del Interior")
        REGIONAL_GOVERNMENT = "regional_government", _("Gobierno regional")
        INTERNATIONAL = "international", _("Organización internacional")
        NGO = "ngo", _("Organización no gubernamental")
        HEALTH = "health", _("Establecimiento de salud")
        HOTLINE = "hotline", _("Línea de ayuda")
        OTHER = "other", _("Otra")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.SlugField(_("código"), max_length=40, unique=True)
    name = models.CharField(_("nombre"), max_length=200)
    kind = models.CharField(_("tipo"), max_length=30, choices=Kind.choices)
    htcds_organisation_type = models.ForeignKey(
        "core.Term", on_delete=models.PROTECT, null=True, blank=True,
        limit_choices_to={"vocabulary": "organisation_type"}, verbose_name=_("tipo de organización (HTCDS)"),
    )
    distrito_fiscal = models.ForeignKey(
        "core.DistritoFiscal", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("distrito fiscal")
    )
    ubigeo = models.ForeignKey("core.Ubigeo", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("ubigeo"))
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="units")
    is_active = models.BooleanField(_("activa"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("institución")
        verbose_name_plural = _("instituciones")

    def __str__(self) -> str:
        return self.name


class User(ChoiceLabels, AbstractUser):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="users", verbose_name=_("institución")
    )
    role = models.CharField(_("rol"), max_length=30, choices=Role.choices, default=Role.ANALYST)

    class Meta:
        verbose_name = _("usuario")
        verbose_name_plural = _("usuarios")

    def can(self, capability: Capability) -> bool:
        return has_capability(self, capability)


API_TOKEN_DEFAULT_DAYS = 90
API_TOKEN_MAX_DAYS = 365


def default_token_expiry():
    return timezone.now() + timedelta(days=API_TOKEN_DEFAULT_DAYS)


class ApiToken(models.Model):
    """A key for the API, one of several a user may hold, each with a name, an expiry and a way to revoke it.
    Only the SHA-256 of the secret is kept: the secret is shown once, when the token is created
    (sistra.accounts.tokens.token_create), and cannot be recovered afterwards."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Vigente")
        EXPIRED = "expired", _("Vencido")
        REVOKED = "revoked", _("Revocado")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("usuario")
    )
    name = models.CharField(_("nombre"), max_length=100)
    # the first characters of the secret, so the user can tell which token a client holds
    key_prefix = models.CharField(_("prefijo"), max_length=8)
    key_hash = models.CharField(_("huella de la clave"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("creado"), auto_now_add=True)
    expires_at = models.DateTimeField(_("vence"), default=default_token_expiry)
    last_used_at = models.DateTimeField(_("último uso"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revocado"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("token de API")
        verbose_name_plural = _("tokens de API")

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    def status_at(self, now) -> str:
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if self.expires_at <= now:
            return self.Status.EXPIRED
        return self.Status.ACTIVE

    @property
    def status(self) -> str:
        return self.status_at(timezone.now())

    def get_status_display(self) -> str:
        return self.Status(self.status).label
