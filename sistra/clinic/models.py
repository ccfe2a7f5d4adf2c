"""The mobile clinic (Caravana de la Vida): its team by profession, the communities it visits, itineraries and
visits, patients (persons of the registry), consultations by service, the confidential trafficking screening
and the offline-sync bookkeeping (devices, packets, changes applied exactly once, field conflicts).

Records made on a tablet keep the UUID the tablet gave them (`uuid`), so a replayed change finds its record."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sistra.core.choice_labels import ChoiceLabels
from sistra.core.crypto import EncryptedJSONField
from sistra.core.models import PublicModel


class Profession(models.TextChoices):
    DOCTOR = "medico", _("Médico(a)")
    OBSTETRICIAN = "obstetra", _("Obstetra")
    DENTIST = "odontologo", _("Odontólogo(a)")
    NURSE = "enfermera", _("Enfermero(a)")
    LAB_TECH = "tecnologo_laboratorio", _("Tecnólogo(a) de laboratorio")
    DRIVER = "conductor", _("Conductor(a)")
    PROMOTER = "promotor", _("Promotor(a) de salud")


class ClinicMember(ChoiceLabels, models.Model):
    """A user of a health agency who works on the clinic team, with the profession that decides what she sees."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="clinic_member",
        verbose_name=_("usuario"),
    )
    profession = models.CharField(_("profesión"), max_length=25, choices=Profession.choices)
    # resolves sync conflicts for the team
    is_supervisor = models.BooleanField(_("supervisa el equipo"), default=False)

    class Meta:
        verbose_name = _("integrante del equipo")
        verbose_name_plural = _("integrantes del equipo")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_profession_display()})"


class Community(PublicModel):
    class Access(models.TextChoices):
        ROAD = "road", _("Carretera")
        RIVER = "river", _("Río")
        ROAD_AND_RIVER = "road_river", _("Carretera y río")
        TRAIL = "trail", _("Trocha o camino")

    agency = models.ForeignKey(
        "accounts.Agency",
        on_delete=models.PROTECT,
        related_name="clinic_communities",
        verbose_name=_("equipo"),
    )
    name = models.CharField(_("nombre"), max_length=120)
    centro_poblado = models.CharField(_("centro poblado"), max_length=120, blank=True)
    district = models.ForeignKey(
        "core.Ubigeo",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "distrito"},
        verbose_name=_("distrito"),
    )
    access = models.CharField(_("acceso"), max_length=12, choices=Access.choices)
    access_notes = models.CharField(_("cómo llegar"), max_length=300, blank=True)
    population = models.PositiveIntegerField(_("población aproximada"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("comunidad")
        verbose_name_plural = _("comunidades")
        constraints = [
            models.UniqueConstraint(fields=["agency", "name", "district"], name="community_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Itinerary(PublicModel):
    agency = models.ForeignKey(
        "accounts.Agency",
        on_delete=models.PROTECT,
        related_name="clinic_itineraries",
        verbose_name=_("equipo"),
    )
    name = models.CharField(_("nombre"), max_length=120)
    starts_on = models.DateField(_("inicio"))
    ends_on = models.DateField(_("fin"))
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="clinic_itineraries",
        blank=True,
        verbose_name=_("equipo a bordo"),
    )

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("itinerario")
        verbose_name_plural = _("itinerarios")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="itinerary_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Visit(PublicModel):
    """A stop of the itinerary: planned, then as it happened."""

    itinerary = models.ForeignKey(Itinerary, on_delete=models.CASCADE, related_name="visits")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="visits", verbose_name=_("comunidad")
    )
    planned_on = models.DateField(_("fecha prevista"))
    arrived_at = models.DateTimeField(_("llegada"), null=True, blank=True)
    departed_at = models.DateTimeField(_("salida"), null=True, blank=True)
    patients_seen = models.PositiveIntegerField(_("pacientes atendidos"), null=True, blank=True)
    incidents = models.TextField(_("incidencias"), blank=True)
    version = models.PositiveIntegerField(default=1)
    field_versions = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["planned_on", "id"]
        verbose_name = _("visita")
        verbose_name_plural = _("visitas")
        constraints = [
            models.UniqueConstraint(
                fields=["itinerary", "community", "planned_on"], name="visit_unique_stop"
            ),
            models.CheckConstraint(
                condition=Q(departed_at__isnull=True)
                | Q(arrived_at__isnull=True)
                | Q(departed_at__gte=models.F("arrived_at")),
                name="visit_departs_after_arrival",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.community} {self.planned_on}"


class Patient(PublicModel):
    """A person of the registry seen by the clinic. The person may refuse to give her name: the registry then
    holds only the pseudonym, sex and age."""

    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="clinic_patients", verbose_name=_("equipo")
    )
    person = models.OneToOneField(
        "people.Person", on_delete=models.PROTECT, related_name="clinic_patient", verbose_name=_("persona")
    )
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="patients", verbose_name=_("comunidad")
    )
    name_refused = models.BooleanField(_("no brinda su nombre"), default=False)
    language = models.ForeignKey(
        "core.Term",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"vocabulary": "language"},
        verbose_name=_("idioma"),
    )
    registered_on = models.DateField(_("fecha de registro"))
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=1)
    field_versions = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-registered_on", "-id"]
        verbose_name = _("paciente")
        verbose_name_plural = _("pacientes")

    def __str__(self) -> str:
        return self.person.code


class Service(models.TextChoices):
    GENERAL = "medicina_general", _("Medicina general")
    TRIAGE = "triaje", _("Triaje")
    PRENATAL = "control_prenatal", _("Obstetricia: control prenatal")
    FAMILY_PLANNING = "planificacion_familiar", _("Obstetricia: planificación familiar")
    DENTAL = "odontologia", _("Odontología")
    LAB = "laboratorio", _("Laboratorio")


# Physiological ranges a vital sign must fall in (a typo, not a patient, gives 370 °C); the same numbers are
# database constraints and the service's messages.
VITAL_RANGES = {
    "temperature_c": (30, 45),
    "systolic_mmhg": (50, 260),
    "diastolic_mmhg": (20, 160),
    "heart_rate_bpm": (20, 250),
    "respiratory_rate": (4, 80),
    "spo2_pct": (50, 100),
    "weight_kg": (0.3, 300),
    "height_cm": (20, 250),
}


def _range_checks(prefix: str) -> list:
    return [
        models.CheckConstraint(
            condition=Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__range": bounds}),
            name=f"{prefix}_{name}_range",
        )
        for name, bounds in VITAL_RANGES.items()
    ]


class Consultation(PublicModel):
    agency = models.ForeignKey(
        "accounts.Agency",
        on_delete=models.PROTECT,
        related_name="clinic_consultations",
        verbose_name=_("equipo"),
    )
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="consultations", verbose_name=_("paciente")
    )
    visit = models.ForeignKey(
        Visit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consultations",
        verbose_name=_("visita"),
    )
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="consultations", verbose_name=_("comunidad")
    )
    service = models.CharField(_("servicio"), max_length=25, choices=Service.choices)
    attended_on = models.DateField(_("fecha de atención"))
    professional = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("profesional")
    )
    reason = models.CharField(_("motivo de consulta"), max_length=300)
    temperature_c = models.DecimalField(
        _("temperatura (°C)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    systolic_mmhg = models.PositiveSmallIntegerField(_("presión sistólica (mmHg)"), null=True, blank=True)
    diastolic_mmhg = models.PositiveSmallIntegerField(_("presión diastólica (mmHg)"), null=True, blank=True)
    heart_rate_bpm = models.PositiveSmallIntegerField(_("frecuencia cardiaca (lpm)"), null=True, blank=True)
    respiratory_rate = models.PositiveSmallIntegerField(
        _("frecuencia respiratoria (rpm)"), null=True, blank=True
    )
    spo2_pct = models.PositiveSmallIntegerField(_("saturación de oxígeno (%)"), null=True, blank=True)
    weight_kg = models.DecimalField(_("peso (kg)"), max_digits=5, decimal_places=2, null=True, blank=True)
    height_cm = models.DecimalField(_("talla (cm)"), max_digits=5, decimal_places=1, null=True, blank=True)
    # CIE-10 codes of sistra/clinic/data/cie10.csv
    diagnoses = models.JSONField(_("diagnósticos (CIE-10)"), default=list, blank=True)
    treatment = models.TextField(_("tratamiento"), blank=True)
    follow_up = models.CharField(_("seguimiento"), max_length=300, blank=True)
    follow_up_on = models.DateField(_("fecha de control"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    field_versions = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-attended_on", "-id"]
        verbose_name = _("consulta")
        verbose_name_plural = _("consultas")
        constraints = _range_checks("consultation")
        # the list reads the newest first, many a day: the id breaks the ties inside the index, not in a sort
        indexes = [models.Index(fields=["agency", "attended_on", "id"], name="consult_agency_day_id_idx")]

    def __str__(self) -> str:
        return f"{self.get_service_display()} {self.attended_on}"


class Screening(PublicModel):
    """The confidential trafficking screening. Seen only by the team's screening professions and by the agency
    that receives its referral; never in consultation lists, exports or (except as suppressed counts)
    statistics. Fetch it only through sistra.clinic.access."""

    class Indicator(models.TextChoices):
        DECEIT = "deceit", _("Captación con engaño (trabajo u oferta distinta de la prometida)")
        DOCUMENTS = "documents", _("Le retienen sus documentos")
        DEBT = "debt", _("Tiene una deuda con quien la empleó o la trajo")
        CANNOT_LEAVE = "cannot_leave", _("No puede dejar el trabajo o el lugar")
        MINOR_IN_BAR_OR_CAMP = "minor_bar_camp", _("Menor de edad en un bar, prostíbulo o campamento minero")
        THREATS = "threats", _("Amenazas o violencia contra ella o su familia")
        NO_PAY = "no_pay", _("No le pagan o le descuentan casi todo")
        SEXUAL_EXPLOITATION = "sexual", _("Obligada a actividades sexuales")

    class Result(models.TextChoices):
        NONE = "none", _("Sin indicadores")
        POSSIBLE = "possible", _("Posible víctima")
        URGENT = "urgent", _("Peligro urgente")

    class Consent(models.TextChoices):
        GIVEN = "given", _("La persona consiente la derivación")
        REFUSED = "refused", _("La persona no consiente")
        NOT_ASKED = "not_asked", _("No se preguntó")

    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("equipo")
    )
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="screenings", verbose_name=_("paciente")
    )
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", verbose_name=_("comunidad")
    )
    screened_on = models.DateField(_("fecha"))
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("realizado por")
    )
    indicators = models.JSONField(_("indicadores"), default=list, blank=True)
    result = models.CharField(_("resultado"), max_length=10, choices=Result.choices)
    action = models.TextField(_("acción tomada"), blank=True)
    consent = models.CharField(
        _("consentimiento para derivar"), max_length=10, choices=Consent.choices, default=Consent.NOT_ASKED
    )
    referral = models.OneToOneField(
        "assistance.Referral",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="clinic_screening",
        verbose_name=_("derivación"),
    )
    # why a referral went without consent: the person is a minor, or in urgent danger
    referral_basis = models.CharField(_("base de la derivación"), max_length=10, blank=True)
    version = models.PositiveIntegerField(default=1)
    field_versions = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-screened_on", "-id"]
        verbose_name = _("tamizaje de trata")
        verbose_name_plural = _("tamizajes de trata")
        constraints = [
            models.CheckConstraint(
                condition=Q(result__in=["none", "possible", "urgent"]), name="screening_result_valid"
            ),
        ]

    def __str__(self) -> str:
        return str(self.uuid)


class UrgentNotice(models.Model):
    """Urgent danger: the receiving agency is told at once (its inbox, and mail on commit)."""

    referral = models.OneToOneField(
        "assistance.Referral", on_delete=models.CASCADE, related_name="clinic_notice"
    )
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("aviso urgente")
        verbose_name_plural = _("avisos urgentes")

    def __str__(self) -> str:
        return str(self.referral_id)


# --- offline sync -----------------------------------------------------------------------------------------


class Device(models.Model):
    """A tablet registered for one user. Its signing and data keys are derived on the server from SECRET_KEY and
    the device (nothing secret is stored); revoking the device stops any further packet or sync."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="clinic_devices"
    )
    name = models.CharField(_("nombre del equipo"), max_length=80)
    created_at = models.DateTimeField(auto_now_add=True)
    last_sync_at = models.DateTimeField(_("última sincronización"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revocado"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("dispositivo")
        verbose_name_plural = _("dispositivos")

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class SyncPacket(models.Model):
    """A signed packet received from a device. The packet id is unique: the same signed packet sent again is a
    replay and refused."""

    packet_id = models.UUIDField(unique=True)
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="packets")
    received_at = models.DateTimeField(auto_now_add=True)
    changes = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return str(self.packet_id)


class SyncChange(ChoiceLabels, models.Model):
    """One change of a packet, by its idempotency key: the database's uniqueness makes it apply exactly once
    however often and in whatever order it arrives."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("Aplicado")
        MERGED = "merged", _("Combinado")
        CONFLICT = "conflict", _("En conflicto")
        REFUSED = "refused", _("Rechazado")

    idempotency_key = models.UUIDField(unique=True)
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entity = models.CharField(max_length=15)
    record_uuid = models.UUIDField()
    op = models.CharField(max_length=6)
    status = models.CharField(max_length=10, choices=Status.choices)
    result = models.JSONField(default=dict)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["received_at", "id"]
        indexes = [models.Index(fields=["entity", "record_uuid"], name="syncchange_record_idx")]

    def __str__(self) -> str:
        return str(self.idempotency_key)


class SyncConflict(PublicModel):
    """Two edits to the same field: nothing is overwritten; a supervisor sees both values and decides."""

    class Status(models.TextChoices):
        OPEN = "open", _("Pendiente")
        RESOLVED = "resolved", _("Resuelto")

    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    entity = models.CharField(_("registro"), max_length=15)
    record_uuid = models.UUIDField()
    field = models.CharField(_("campo"), max_length=40)
    # the two sides may be a patient's name: encrypted at rest (ADR 0210)
    server_value = EncryptedJSONField(_("valor en el servidor"), null=True)
    client_value = EncryptedJSONField(_("valor del dispositivo"), null=True)
    base_version = models.PositiveIntegerField()
    server_version = models.PositiveIntegerField()
    change = models.ForeignKey(SyncChange, on_delete=models.PROTECT, related_name="conflicts")
    status = models.CharField(_("estado"), max_length=10, choices=Status.choices, default=Status.OPEN)
    resolved_value = EncryptedJSONField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.CharField(_("motivo de la decisión"), max_length=300, blank=True)

    class Meta:
        ordering = ["status", "-created_at"]
        verbose_name = _("conflicto de sincronización")
        verbose_name_plural = _("conflictos de sincronización")
        constraints = [
            models.UniqueConstraint(fields=["change", "field"], name="syncconflict_once_per_field")
        ]
