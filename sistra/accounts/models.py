import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from .capabilities import Capability, Role, has_capability


class Agency(models.Model):
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


class User(AbstractUser):
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
