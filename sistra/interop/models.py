"""What an HTCDS v2 row says about a victim that SISTRA's assistance and people models have no field for,
kept exactly as given (docs/decisions/0160-htcds-assistance-exchange.md), and the import/export jobs of the
web screen."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sistra.core.crypto import EncryptedCharField
from sistra.core.models import PublicModel


class HtcdsRecord(models.Model):
    """One per assistance case imported from (or exported to) HTCDS. The person's names, birth date, sex and
    nationality live on the Person; trafficking status, who decided it and the case status on the
    AssistanceCase; everything else of the row here, one field per HTCDS column."""

    case = models.OneToOneField(
        "assistance.AssistanceCase",
        on_delete=models.CASCADE,
        related_name="htcds",
        verbose_name=_("caso de asistencia"),
    )
    # sha256 of the row's HTCDS values: the same row imported twice is recognised, not created again
    row_key = models.CharField(_("huella de la fila"), max_length=64, db_index=True)
    case_owner = models.CharField(_("responsable del caso (HTCDS)"), max_length=200, blank=True)
    salutation = models.CharField(_("tratamiento"), max_length=40, blank=True)
    title = models.CharField(_("cargo o título"), max_length=120, blank=True)
    email = EncryptedCharField(_("correo electrónico"), max_length=254, blank=True)
    home_phone = EncryptedCharField(_("teléfono fijo"), max_length=60, blank=True)
    mobile_phone = EncryptedCharField(_("teléfono móvil"), max_length=60, blank=True)
    mailing_street = EncryptedCharField(_("dirección postal"), max_length=300, blank=True)
    mailing_city = models.CharField(_("ciudad"), max_length=120, blank=True)
    mailing_state = models.CharField(_("estado o provincia"), max_length=120, blank=True)
    mailing_postal_code = models.CharField(_("código postal"), max_length=40, blank=True)
    mailing_country = models.CharField(_("país de la dirección"), max_length=120, blank=True)
    # prs_Gender as given: Person.sex has one "transgender", HTCDS two
    gender = models.CharField(_("género (HTCDS)"), max_length=30, blank=True)
    citizenship = models.CharField(_("nacionalidad (HTCDS)"), max_length=120, blank=True)
    consent = models.CharField(_("consentimiento (HTCDS)"), max_length=5, blank=True)
    consent_date = models.DateField(_("fecha del consentimiento"), null=True, blank=True)
    consent_scope = models.CharField(_("alcance del consentimiento"), max_length=300, blank=True)
    recruitment_methods = models.JSONField(_("métodos de captación"), default=list, blank=True)
    recruitment_location = models.CharField(_("lugar de captación"), max_length=500, blank=True)
    control_methods = models.JSONField(_("medios de control"), default=list, blank=True)
    exploitation_types = models.JSONField(_("tipos de explotación"), default=list, blank=True)
    labour_industries = models.JSONField(_("industrias del trabajo forzoso"), default=list, blank=True)
    sex_exploitation_types = models.JSONField(_("tipos de explotación sexual"), default=list, blank=True)
    exploitation_location = models.CharField(_("lugar de explotación"), max_length=500, blank=True)
    referring_organisation = models.CharField(_("organización que derivó"), max_length=200, blank=True)
    incoming_referral_date = models.DateField(_("fecha de la derivación recibida"), null=True, blank=True)
    referring_caseworker = models.CharField(_("gestor que derivó"), max_length=200, blank=True)
    incoming_referral_reason = models.CharField(
        _("motivo de la derivación recibida"), max_length=500, blank=True
    )
    incoming_referral_details = models.TextField(_("detalle de la derivación recibida"), blank=True)
    referred_organisation = models.CharField(_("organización a la que se derivó"), max_length=200, blank=True)
    referred_caseworker = models.CharField(_("gestor que recibió"), max_length=200, blank=True)
    outgoing_referral_reason = models.CharField(
        _("motivo de la derivación enviada"), max_length=500, blank=True
    )
    outgoing_referral_date = models.DateField(_("fecha de la derivación enviada"), null=True, blank=True)
    outgoing_referral_details = models.TextField(_("detalle de la derivación enviada"), blank=True)
    closure_reason = models.CharField(_("motivo de cierre (HTCDS)"), max_length=500, blank=True)
    # HTCDS columns left empty in the file whose SISTRA field needed a value (e.g. cas_Status): the export
    # leaves them empty again instead of showing the default as if the file had said it
    blank_columns = models.JSONField(_("columnas vacías en el archivo"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("registro HTCDS")
        verbose_name_plural = _("registros HTCDS")

    def __str__(self) -> str:
        return f"HTCDS {self.case_id}"


class ExchangeJob(PublicModel):
    """An import or export started from the web screen: the uploaded file (or the archive written), the
    validation report, the progress of the background task."""

    class Kind(models.TextChoices):
        IMPORT = "import", _("Importación")
        EXPORT = "export", _("Exportación")

    class Status(models.TextChoices):
        VALIDATED = "validated", _("Validado, pendiente de confirmación")
        QUEUED = "queued", _("En cola")
        RUNNING = "running", _("En curso")
        DONE = "done", _("Terminado")
        REFUSED = "refused", _("Rechazado")
        FAILED = "failed", _("Falló")

    kind = models.CharField(_("tipo"), max_length=6, choices=Kind.choices)
    status = models.CharField(_("estado"), max_length=10, choices=Status.choices)
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(_("archivo"), max_length=200, blank=True)
    # path under MEDIA_ROOT/exchange, never served directly (only through the job's download view)
    stored_path = models.CharField(max_length=300, blank=True)
    skip_invalid = models.BooleanField(_("importar solo las filas válidas"), default=False)
    purpose = models.CharField(_("finalidad"), max_length=200, blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("trabajo de intercambio HTCDS")
        verbose_name_plural = _("trabajos de intercambio HTCDS")

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else (100 if self.status == "done" else 0)
