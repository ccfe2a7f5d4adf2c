"""The counter-trafficking hotline (0800-2-3232): contacts, what the operator did, reports to the police,
follow-ups and flags on repeat callers.

Privacy by design: a caller's phone number is always kept as a keyed hash (HMAC with SECRET_KEY) so repeat
callers are found, but the number itself, the name and the e-mail are stored only when the caller consents
(a database constraint holds that, not just the form)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sistra.core.crypto import EncryptedCharField, EncryptedEmailField
from sistra.core.models import PublicModel
from sistra.core.text import random_code

DEFAULT_LINE = "0800-2-3232"


def new_contact_code() -> str:
    return random_code("L")


def new_report_code() -> str:
    return random_code("R")


class Contact(PublicModel):
    class Channel(models.TextChoices):
        PHONE = "phone", _("Teléfono")
        WHATSAPP = "whatsapp", _("WhatsApp")
        WEB_FORM = "web_form", _("Formulario web")
        EMAIL = "email", _("Correo electrónico")
        WALK_IN = "walk_in", _("Atención presencial")

    class CallerType(models.TextChoices):
        POTENTIAL_VICTIM = "potential_victim", _("Posible víctima")
        RELATIVE = "relative", _("Familiar o amistad")
        PUBLIC = "public", _("Ciudadano o ciudadana")
        INSTITUTION = "institution", _("Institución")
        ANONYMOUS = "anonymous", _("Anónimo")

    class Category(models.TextChoices):
        INFORMATION = "information", _("Solicitud de información")
        TRAFFICKING_REPORT = "trafficking_report", _("Reporte de posible trata")
        ASSISTANCE = "assistance", _("Solicitud de ayuda")
        FOLLOW_UP = "follow_up", _("Seguimiento")
        NON_SUBSTANTIVE = "non_substantive", _("No sustantivo")

    class NonSubstantive(models.TextChoices):
        # the order is the order of the one-key shortcuts on the operator's screen
        HUNG_UP = "hung_up", _("Colgó")
        SILENT = "silent", _("Silencio")
        PRANK = "prank", _("Broma")
        WRONG_NUMBER = "wrong_number", _("Número equivocado")
        ABUSIVE = "abusive", _("Abusivo u ofensivo")
        TEST = "test", _("Prueba")

    class Topic(models.TextChoices):
        SEXUAL_EXPLOITATION = "sexual_exploitation", _("Explotación sexual")
        LABOUR_EXPLOITATION = "labour_exploitation", _("Explotación laboral")
        DOMESTIC_SERVITUDE = "domestic_servitude", _("Servidumbre doméstica")
        FORCED_BEGGING = "forced_begging", _("Mendicidad forzada")
        FORCED_CRIME = "forced_crime", _("Criminalidad forzada")
        MISSING_PERSON = "missing_person", _("Persona desaparecida")
        JOB_OFFER = "job_offer", _("Verificación de una oferta de empleo")
        MIGRATION = "migration", _("Consulta migratoria")
        SMUGGLING = "smuggling", _("Tráfico ilícito de migrantes")
        VIOLENCE = "violence", _("Violencia familiar o sexual")
        LEGAL = "legal", _("Orientación legal")
        OTHER = "other", _("Otro tema")

    class Indicator(models.TextChoices):
        DECEPTIVE_OFFER = "deceptive_offer", _("Oferta de trabajo o estudio engañosa")
        DOCUMENTS_WITHHELD = "documents_withheld", _("Le retienen los documentos")
        DEBT = "debt", _("Deuda impuesta")
        MOVEMENT_RESTRICTED = "movement_restricted", _("No puede salir ni moverse libremente")
        ISOLATION = "isolation", _("Aislamiento o sin comunicación")
        THREATS = "threats", _("Amenazas o violencia")
        UNPAID = "unpaid", _("No le pagan o le pagan muy poco")
        EXCESSIVE_HOURS = "excessive_hours", _("Jornadas excesivas")
        MINOR = "minor", _("Involucra a una persona menor de edad")
        TRANSPORTED = "transported", _("Trasladada lejos de su lugar de origen")
        SEXUAL_SERVICES = "sexual_services", _("Obligada a prestar servicios sexuales")
        SUBSTANCES = "substances", _("Le suministran alcohol o drogas")

    class Risk(models.TextChoices):
        NONE = "none", _("Sin riesgo aparente")
        LOW = "low", _("Bajo")
        MEDIUM = "medium", _("Medio")
        HIGH = "high", _("Alto")
        EMERGENCY = "emergency", _("Emergencia: se llama a la policía ahora")

    class Status(models.TextChoices):
        OPEN = "open", _("En curso")
        CLOSED = "closed", _("Registrado")

    class HeardVia(models.TextChoices):
        CAMPAIGN = "campaign", _("Una campaña de prevención")
        RADIO_TV = "radio_tv", _("Radio o televisión")
        SOCIAL = "social", _("Redes sociales")
        PRINTED = "printed", _("Afiche o material impreso")
        INSTITUTION = "institution", _("Una institución")
        FRIEND = "friend", _("Familiar o conocido")
        OTHER = "other", _("Otro medio")

    class Source(models.TextChoices):
        OPERATOR = "operator", _("Operador")
        IVR = "ivr", _("Central telefónica (IVR)")
        IMPORT = "import", _("Importación")

    code = models.CharField(_("código"), max_length=12, unique=True, default=new_contact_code, editable=False)
    owner_agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="hotline_contacts",
        verbose_name=_("línea de ayuda"),
    )
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("operador"),
    )
    source = models.CharField(_("origen del registro"), max_length=10, choices=Source.choices,
                              default=Source.OPERATOR)
    status = models.CharField(_("estado"), max_length=10, choices=Status.choices, default=Status.CLOSED)
    line = models.CharField(_("línea"), max_length=40, default=DEFAULT_LINE)
    channel = models.CharField(_("canal"), max_length=10, choices=Channel.choices, default=Channel.PHONE)
    started_at = models.DateTimeField(_("inicio"))
    ended_at = models.DateTimeField(_("fin"), null=True, blank=True)
    # derived from start and end by the services; the supervisors' average handling time reads it
    duration_seconds = models.PositiveIntegerField(_("duración (segundos)"), null=True, blank=True, editable=False)

    caller_type = models.CharField(_("tipo de llamante"), max_length=20, choices=CallerType.choices,
                                   default=CallerType.ANONYMOUS)
    contact_consent = models.BooleanField(_("consiente que se guarden sus datos de contacto"), default=False)
    caller_name = EncryptedCharField(_("nombre del llamante"), max_length=200, blank=True)
    caller_phone = EncryptedCharField(_("teléfono del llamante"), max_length=30, blank=True)
    caller_email = EncryptedEmailField(_("correo del llamante"), blank=True)
    phone_hash = models.CharField(max_length=64, blank=True, editable=False)

    language = models.ForeignKey(
        "core.Term", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        limit_choices_to={"vocabulary": "language"}, verbose_name=_("idioma"),
    )
    ubigeo = models.ForeignKey("core.Ubigeo", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("ubigeo"))
    country = models.ForeignKey("core.Country", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("país"))
    # department of the ubigeo, denormalised for the supervisors' region figures
    departamento_code = models.CharField(max_length=2, blank=True, editable=False)

    category = models.CharField(_("categoría"), max_length=20, choices=Category.choices, blank=True)
    non_substantive_reason = models.CharField(_("motivo (no sustantivo)"), max_length=15,
                                              choices=NonSubstantive.choices, blank=True)
    topics = models.JSONField(_("temas"), default=list, blank=True)
    indicators = models.JSONField(_("indicadores de trata"), default=list, blank=True)
    summary = models.TextField(_("resumen"), blank=True)
    risk_level = models.CharField(_("nivel de riesgo"), max_length=10, choices=Risk.choices, default=Risk.NONE)
    information_given = models.BooleanField(_("se brindó información"), default=False)
    referred_to = models.CharField(_("derivado a"), max_length=200, blank=True)
    # how the caller heard of the line: the prevention figures attribute calls to campaigns with it
    heard_via = models.CharField(_("cómo conoció la línea"), max_length=12, choices=HeardVia.choices, blank=True)
    heard_campaign = models.ForeignKey(
        "prevention.Campaign", on_delete=models.SET_NULL, null=True, blank=True, related_name="hotline_contacts",
        verbose_name=_("campaña por la que conoció la línea"),
    )

    # imports and the telephony API send the same call again after a failure: the key makes that harmless
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("contacto")
        verbose_name_plural = _("contactos")
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="contact_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(status="open") | ~Q(category=""), name="contact_closed_has_category",
            ),
            models.CheckConstraint(
                condition=(Q(category="non_substantive") & ~Q(non_substantive_reason=""))
                | (~Q(category="non_substantive") & Q(non_substantive_reason="")),
                name="contact_reason_iff_non_substantive",
            ),
            models.CheckConstraint(
                condition=Q(contact_consent=True) | (Q(caller_name="") & Q(caller_phone="") & Q(caller_email="")),
                name="contact_identity_needs_consent",
            ),
            models.CheckConstraint(
                condition=Q(ubigeo__isnull=True) | Q(country__isnull=True), name="contact_ubigeo_or_country",
            ),
            models.UniqueConstraint(fields=["owner_agency", "idempotency_key"], name="contact_unique_idempotency"),
        ]
        indexes = [
            models.Index(fields=["owner_agency", "-started_at"], name="contact_agency_start_idx"),
            models.Index(fields=["owner_agency", "phone_hash", "-started_at"], name="contact_phone_idx"),
            models.Index(fields=["owner_agency", "status", "-started_at"], name="contact_status_idx"),
            models.Index(fields=["owner_agency", "risk_level", "-started_at"], name="contact_risk_idx"),
            # contacts of a period across the lines (a campaign's effect on calls): a range read from the index
            # alone — without it, each of the campaign page's three periods scanned a million contacts (95 ms)
            models.Index(fields=["started_at", "category"], name="contact_start_category_idx"),
            # the calls that heard of a campaign, counted from the index alone (a national campaign is heard of
            # in a quarter of a million calls at the design scale: 60–110 ms reading each)
            models.Index(fields=["heard_campaign", "category"], name="contact_campaign_category_idx"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_substantive(self) -> bool:
        return self.category != self.Category.NON_SUBSTANTIVE

    @property
    def topic_labels(self) -> list[str]:
        return [str(self.Topic(t).label) for t in self.topics if t in self.Topic.values]

    @property
    def indicator_labels(self) -> list[str]:
        return [str(self.Indicator(i).label) for i in self.indicators if i in self.Indicator.values]

    @property
    def duration_text(self) -> str:
        """Minutes and seconds (4:05), as the line's reports count handling time."""
        if self.duration_seconds is None:
            return "—"
        return f"{self.duration_seconds // 60}:{self.duration_seconds % 60:02d}"

    @property
    def has_caller_identity(self) -> bool:
        return bool(self.caller_name or self.caller_phone or self.caller_email)


class PoliceNotification(PublicModel):
    """The operator called the police (an emergency, or at the caller's request): who, when, reference."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="police_notifications")
    unit = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        limit_choices_to={"kind": "police"}, verbose_name=_("unidad policial"),
    )
    # a comisaría that is not a SISTRA agency is named in words
    unit_name = models.CharField(_("unidad policial (otra)"), max_length=200, blank=True)
    officer = models.CharField(_("efectivo que recibió el aviso"), max_length=200, blank=True)
    notified_at = models.DateTimeField(_("hora del aviso"))
    reference = models.CharField(_("referencia"), max_length=100, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["notified_at", "id"]
        verbose_name = _("aviso a la policía")
        verbose_name_plural = _("avisos a la policía")
        constraints = [
            models.CheckConstraint(condition=Q(unit__isnull=False) | ~Q(unit_name=""),
                                   name="policenotification_has_unit"),
        ]

    def __str__(self) -> str:
        return self.unit_label

    @property
    def unit_label(self) -> str:
        return str(self.unit) if self.unit_id else self.unit_name


class FollowUp(PublicModel):
    class Status(models.TextChoices):
        OPEN = "open", _("Pendiente")
        DONE = "done", _("Realizado")

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="follow_ups")
    due_at = models.DateTimeField(_("para cuándo"), null=True, blank=True)
    note = models.CharField(_("qué hay que hacer"), max_length=500)
    status = models.CharField(_("estado"), max_length=5, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    done_at = models.DateTimeField(_("realizado el"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+")
    outcome = models.CharField(_("resultado"), max_length=500, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("seguimiento")
        verbose_name_plural = _("seguimientos")
        constraints = [
            models.CheckConstraint(
                condition=(Q(status="open") & Q(done_at__isnull=True)) | (Q(status="done") & Q(done_at__isnull=False)),
                name="followup_done_has_date",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="followup_status_idx")]

    def __str__(self) -> str:
        return self.note[:60]

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.OPEN and self.due_at is not None and self.due_at < timezone.now()


class ContactPerson(PublicModel):
    """A person of the registry that a contact is about (the caller, a possible victim, a relative…)."""

    class Role(models.TextChoices):
        CALLER = "caller", _("Llamante")
        POTENTIAL_VICTIM = "potential_victim", _("Posible víctima")
        RELATIVE = "relative", _("Familiar")
        ALLEGED_TRAFFICKER = "alleged_trafficker", _("Presunto tratante")
        OTHER = "other", _("Otra persona mencionada")

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="persons")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="hotline_contacts",
                               verbose_name=_("persona"))
    role = models.CharField(_("rol en el contacto"), max_length=20, choices=Role.choices)
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")

    class Meta:
        verbose_name = _("persona del contacto")
        verbose_name_plural = _("personas del contacto")
        constraints = [models.UniqueConstraint(fields=["contact", "person", "role"], name="contactperson_unique")]


class CallerFlag(PublicModel):
    """A warning on a phone number (by its hash), shown at once when the number calls again."""

    class Kind(models.TextChoices):
        DO_NOT_CALL_BACK = "do_not_call_back", _("No devolver la llamada")
        SAFE_CALL_ONLY = "safe_call_only", _("Devolver la llamada solo si contesta la persona (seguridad)")
        AT_RISK = "at_risk", _("Persona en riesgo: atender con prioridad")
        ABUSIVE = "abusive", _("Llamante abusivo")
        REPEAT_PRANK = "repeat_prank", _("Bromas reiteradas")

    owner_agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    phone_hash = models.CharField(max_length=64, editable=False)
    kind = models.CharField(_("marca"), max_length=20, choices=Kind.choices)
    note = models.CharField(_("nota"), max_length=300, blank=True)
    # the contact it was raised from: its history holds the flag's
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="flags_raised")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    cleared_at = models.DateTimeField(_("retirada el"), null=True, blank=True)
    cleared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("marca del número")
        verbose_name_plural = _("marcas de números")
        constraints = [
            models.UniqueConstraint(fields=["owner_agency", "phone_hash", "kind"], condition=Q(cleared_at__isnull=True),
                                    name="callerflag_unique_active"),
            models.CheckConstraint(condition=~Q(phone_hash=""), name="callerflag_has_phone"),
        ]
        indexes = [models.Index(fields=["owner_agency", "phone_hash"], name="callerflag_phone_idx")]

    def __str__(self) -> str:
        return self.get_kind_display()


class PoliceReport(PublicModel):
    """A report sent from a contact to a PNP unit or a fiscalía. It appears in that agency's inbox only and is
    tracked until the agency acknowledges it; the agency may open a criminal case from it or attach it to one."""

    class Status(models.TextChoices):
        SENT = "sent", _("Enviado")
        ACKNOWLEDGED = "acknowledged", _("Recibido")

    code = models.CharField(_("código"), max_length=12, unique=True, default=new_report_code, editable=False)
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="reports")
    recipient = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="hotline_reports_received",
        limit_choices_to={"kind__in": ["police", "fiscalia"]}, verbose_name=_("destinatario"),
    )
    facts = models.TextField(_("hechos que se reportan"))
    include_caller_contact = models.BooleanField(_("incluir los datos de contacto del llamante"), default=False)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("enviado por"))
    sent_at = models.DateTimeField(_("enviado el"))
    ack_due_at = models.DateTimeField(_("acuse esperado hasta"))
    status = models.CharField(_("estado"), max_length=12, choices=Status.choices, default=Status.SENT)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+", verbose_name=_("recibido por"))
    acknowledged_at = models.DateTimeField(_("recibido el"), null=True, blank=True)
    recipient_reference = models.CharField(_("referencia del destinatario"), max_length=100, blank=True)
    overdue_flagged_at = models.DateTimeField(_("marcado como vencido el"), null=True, blank=True)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("caso"))
    case_linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="+")
    case_linked_at = models.DateTimeField(null=True, blank=True)
    # the printable report, rendered in the background; kept in the database so it is only served through
    # the access checks and never from a public media folder
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    pdf_generated_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("reporte a la policía")
        verbose_name_plural = _("reportes a la policía")
        constraints = [
            models.CheckConstraint(
                condition=(Q(status="sent") & Q(acknowledged_at__isnull=True))
                | (Q(status="acknowledged") & Q(acknowledged_at__isnull=False)),
                name="policereport_ack_has_date",
            ),
            models.CheckConstraint(condition=Q(ack_due_at__gte=F("sent_at")), name="policereport_due_after_sent"),
        ]
        indexes = [
            models.Index(fields=["recipient", "status", "-sent_at"], name="policereport_inbox_idx"),
            models.Index(fields=["status", "ack_due_at"], name="policereport_due_idx"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.SENT and self.ack_due_at < timezone.now()
