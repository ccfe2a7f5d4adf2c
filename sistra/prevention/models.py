"""Prevention: training events and their participants (with certificates anyone can verify), awareness
campaigns and their reach, and at-risk families and children with the alternatives they are given.

Families and children are protected as victims are: only the owning agency sees names; analysts see the
pseudonym codes (F-…, N-…), age band, sex and region; every read of an identity is logged."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from sistra.core.crypto import EncryptedCharField
from sistra.core.models import PublicModel
from sistra.core.text import random_code


def new_event_code() -> str:
    return random_code("T")


def new_campaign_code() -> str:
    return random_code("K")


def new_family_code() -> str:
    return random_code("F")


def new_child_code() -> str:
    return random_code("N")


def new_certificate_code() -> str:
    # 16 symbols of a 32-letter alphabet: 80 random bits, not guessable by trying
    return random_code("CERT", 16)


class TrainingEvent(PublicModel):
    class Topic(models.TextChoices):
        LAW_31146 = "law_31146", _("Ley 31146 y artículos del Código Penal")
        IDENTIFICATION = "identification", _("Identificación de víctimas")
        RUTA = "ruta", _("Ruta de atención")
        INTERVIEW_MINORS = "interview_minors", _("Entrevista a niñas, niños y adolescentes")
        COMMUNITY = "community", _("Prevención en la comunidad")
        MIGRATION = "migration", _("Migración segura")
        OTHER = "other", _("Otro tema")

    class Modality(models.TextChoices):
        IN_PERSON = "in_person", _("Presencial")
        VIRTUAL = "virtual", _("Virtual")
        HYBRID = "hybrid", _("Mixta")

    code = models.CharField(_("código"), max_length=12, unique=True, default=new_event_code, editable=False)
    owner_agency = models.ForeignKey(
        "accounts.Agency",
        on_delete=models.PROTECT,
        related_name="training_events",
        verbose_name=_("institución"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registrado por"),
    )
    title = models.CharField(_("título"), max_length=200)
    topic = models.CharField(_("tema"), max_length=20, choices=Topic.choices)
    organiser = models.CharField(_("organizador"), max_length=200)
    partners = models.CharField(_("socios"), max_length=300, blank=True)
    starts_on = models.DateField(_("inicio"))
    ends_on = models.DateField(_("fin"))
    ubigeo = models.ForeignKey(
        "core.Ubigeo", on_delete=models.PROTECT, related_name="+", verbose_name=_("lugar")
    )
    departamento_code = models.CharField(max_length=2, blank=True, editable=False)
    modality = models.CharField(
        _("modalidad"), max_length=10, choices=Modality.choices, default=Modality.IN_PERSON
    )
    audience = models.CharField(_("público"), max_length=200, blank=True)
    score_max = models.PositiveSmallIntegerField(_("nota máxima de las evaluaciones"), default=20)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("capacitación")
        verbose_name_plural = _("capacitaciones")
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="training_end_after_start"),
            models.CheckConstraint(condition=Q(score_max__gt=0), name="training_score_max_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.code})"


class Participant(PublicModel):
    class Profession(models.TextChoices):
        JUDGE = "judge", _("Juez o jueza")
        PROSECUTOR = "prosecutor", _("Fiscal")
        POLICE = "police", _("Policía")
        HEALTH = "health", _("Personal de salud")
        TEACHER = "teacher", _("Docente")
        COMMUNITY_AUTHORITY = "community_authority", _("Autoridad comunal")
        SOCIAL_WORKER = "social_worker", _("Trabajador o trabajadora social")
        LOCAL_GOVERNMENT = "local_government", _("Funcionario de gobierno local o regional")
        STUDENT = "student", _("Estudiante")
        OTHER = "other", _("Otra profesión")

    class Sex(models.TextChoices):
        FEMALE = "female", _("Mujer")
        MALE = "male", _("Hombre")
        UNKNOWN = "unknown", _("Sin dato")

    event = models.ForeignKey(
        TrainingEvent, on_delete=models.CASCADE, related_name="participants", verbose_name=_("capacitación")
    )
    full_name = EncryptedCharField(_("nombre completo"), max_length=200)
    document_number = EncryptedCharField(_("DNI u otro documento"), max_length=20, blank=True)
    # DNI when given, else the normalised name, keyed (sistra.core.crypto.blind): counted once per event
    dedup_key = models.CharField(max_length=220, editable=False)
    profession = models.CharField(_("profesión"), max_length=20, choices=Profession.choices)
    institution = models.CharField(_("institución"), max_length=200, blank=True)
    sex = models.CharField(_("sexo"), max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    region = models.CharField(_("región"), max_length=2, blank=True)
    attended = models.BooleanField(_("asistió"), default=True)
    pre_score = models.DecimalField(
        _("nota de entrada"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    post_score = models.DecimalField(
        _("nota de salida"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    certificate_code = models.CharField(
        _("código de verificación"), max_length=24, null=True, blank=True, unique=True, editable=False
    )
    certificate_name = EncryptedCharField(
        _("nombre en el certificado"), max_length=200, blank=True, editable=False
    )
    certificate_issued_at = models.DateTimeField(
        _("certificado emitido"), null=True, blank=True, editable=False
    )

    class Meta:
        ordering = ["full_name", "id"]
        verbose_name = _("participante")
        verbose_name_plural = _("participantes")
        constraints = [
            models.UniqueConstraint(fields=["event", "dedup_key"], name="participant_once_per_event"),
            models.CheckConstraint(
                condition=Q(post_score__isnull=True) | Q(pre_score__isnull=False),
                name="participant_post_needs_pre",
            ),
            models.CheckConstraint(
                condition=Q(certificate_code__isnull=True) | Q(attended=True),
                name="participant_certificate_needs_attendance",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def knowledge_gain(self):
        """Points gained between the pre- and the post-test (None without both)."""
        if self.pre_score is None or self.post_score is None:
            return None
        return self.post_score - self.pre_score


class Campaign(PublicModel):
    class Channel(models.TextChoices):
        RADIO = "radio", _("Radio")
        TV = "tv", _("Televisión")
        POSTERS = "posters", _("Afiches y paneles")
        SOCIAL = "social", _("Redes sociales")
        THEATRE = "theatre", _("Teatro")
        TALKS = "talks", _("Charlas")
        PRESS = "press", _("Prensa escrita")
        OTHER = "other", _("Otro canal")

    code = models.CharField(
        _("código"), max_length=12, unique=True, default=new_campaign_code, editable=False
    )
    owner_agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("institución")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registrado por"),
    )
    name = models.CharField(_("nombre"), max_length=200)
    slogan = models.CharField(_("lema"), max_length=200, blank=True)
    starts_on = models.DateField(_("inicio"))
    ends_on = models.DateField(_("fin"))
    channels = models.JSONField(_("canales"), default=list, blank=True)
    partners = models.CharField(_("socios"), max_length=300, blank=True)
    materials = models.TextField(_("materiales"), blank=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("campaña")
        verbose_name_plural = _("campañas")
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="campaign_end_after_start"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def channel_labels(self) -> list[str]:
        return [str(self.Channel(c).label) for c in self.channels if c in self.Channel.values]


class CampaignPlace(PublicModel):
    class Kind(models.TextChoices):
        AIRPORT = "airport", _("Aeropuerto")
        BUS_TERMINAL = "bus_terminal", _("Terminal terrestre")
        BORDER = "border", _("Paso de frontera")
        SCHOOL = "school", _("Institución educativa")
        RADIO_STATION = "radio_station", _("Emisora de radio")
        REGION = "region", _("Región")
        OTHER = "other", _("Otro lugar")

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="places", verbose_name=_("campaña")
    )
    kind = models.CharField(_("tipo de lugar"), max_length=15, choices=Kind.choices)
    name = models.CharField(_("nombre del lugar"), max_length=200)
    ubigeo = models.ForeignKey(
        "core.Ubigeo", on_delete=models.PROTECT, related_name="+", verbose_name=_("ubigeo")
    )

    class Meta:
        ordering = ["kind", "name", "id"]
        verbose_name = _("lugar de la campaña")
        verbose_name_plural = _("lugares de la campaña")

    def __str__(self) -> str:
        return self.name


class CampaignReach(PublicModel):
    class Method(models.TextChoices):
        COUNTED = "counted", _("Conteo directo")
        AUDIENCE = "audience", _("Cifras de audiencia")
        ESTIMATE = "estimate", _("Estimación")

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="reach", verbose_name=_("campaña")
    )
    channel = models.CharField(_("canal"), max_length=10, choices=Campaign.Channel.choices)
    people = models.PositiveIntegerField(_("personas alcanzadas"))
    method = models.CharField(_("método de estimación"), max_length=10, choices=Method.choices)
    source = models.CharField(_("fuente"), max_length=300)
    # the department reached, for the map (empty: national or not known)
    departamento_code = models.CharField(_("departamento"), max_length=2, blank=True)

    class Meta:
        ordering = ["channel", "method", "id"]
        verbose_name = _("alcance")
        verbose_name_plural = _("alcance por canal")
        constraints = [
            models.CheckConstraint(condition=~Q(method=""), name="reach_has_method"),
            models.CheckConstraint(condition=~Q(source=""), name="reach_has_source"),
        ]


class AtRiskFamily(PublicModel):
    class RiskFactor(models.TextChoices):
        MEMBER_MIGRATED = "member_migrated", _("Un miembro ya migró a una zona minera")
        JOB_OFFER = "job_offer", _("Recibió ofertas de trabajo")
        SCHOOL_DROPOUT = "school_dropout", _("Abandono escolar")
        VIOLENCE = "violence", _("Violencia en la familia")
        POVERTY = "poverty", _("Pobreza")
        OTHER = "other", _("Otro factor")

    code = models.CharField(_("código"), max_length=12, unique=True, default=new_family_code, editable=False)
    owner_agency = models.ForeignKey(
        "accounts.Agency",
        on_delete=models.PROTECT,
        related_name="at_risk_families",
        verbose_name=_("institución"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registrado por"),
    )
    registered_on = models.DateField(_("fecha de registro"))
    ubigeo = models.ForeignKey(
        "core.Ubigeo", on_delete=models.PROTECT, related_name="+", verbose_name=_("lugar de origen")
    )
    departamento_code = models.CharField(max_length=2, blank=True, editable=False)
    # identity: only the owning agency reads it, and each read is logged
    head_name = EncryptedCharField(_("nombre de la persona responsable"), max_length=200)
    community = models.CharField(_("comunidad"), max_length=200, blank=True)
    contact_phone = EncryptedCharField(_("teléfono de contacto"), max_length=30, blank=True)
    risk_factors = models.JSONField(_("factores de riesgo"), default=list)
    notes = models.TextField(_("observaciones"), blank=True)

    class Meta:
        ordering = ["-registered_on", "-id"]
        verbose_name = _("familia en riesgo")
        verbose_name_plural = _("familias en riesgo")

    def __str__(self) -> str:
        return self.code

    @property
    def risk_factor_labels(self) -> list[str]:
        return [str(self.RiskFactor(f).label) for f in self.risk_factors if f in self.RiskFactor.values]


class AtRiskChild(PublicModel):
    code = models.CharField(_("código"), max_length=12, unique=True, default=new_child_code, editable=False)
    family = models.ForeignKey(
        AtRiskFamily, on_delete=models.CASCADE, related_name="children", verbose_name=_("familia")
    )
    first_names = EncryptedCharField(_("nombres"), max_length=100)
    last_names = EncryptedCharField(_("apellidos"), max_length=100)
    birth_year = models.PositiveSmallIntegerField(_("año de nacimiento"))
    sex = models.CharField(_("sexo"), max_length=10, choices=Participant.Sex.choices)
    in_school = models.BooleanField(_("estudia al registrarse"), default=True)

    class Meta:
        ordering = ["birth_year", "id"]
        verbose_name = _("niña, niño o adolescente en riesgo")
        verbose_name_plural = _("niñas, niños y adolescentes en riesgo")

    def __str__(self) -> str:
        return self.code


class Alternative(PublicModel):
    class Kind(models.TextChoices):
        SCHOOLING = "schooling", _("Apoyo escolar")
        VOCATIONAL = "vocational", _("Formación técnica u ocupacional")
        ECONOMIC = "economic", _("Apoyo económico a la familia")
        PSYCHOSOCIAL = "psychosocial", _("Apoyo psicosocial")

    child = models.ForeignKey(
        AtRiskChild,
        on_delete=models.CASCADE,
        related_name="alternatives",
        verbose_name=_("niña, niño o adolescente"),
    )
    kind = models.CharField(_("alternativa"), max_length=15, choices=Kind.choices)
    started_on = models.DateField(_("desde"))
    provider = models.CharField(_("quién la brinda"), max_length=200, blank=True)
    notes = models.TextField(_("observaciones"), blank=True)

    class Meta:
        ordering = ["started_on", "id"]
        verbose_name = _("alternativa brindada")
        verbose_name_plural = _("alternativas brindadas")


class FamilyFollowUp(PublicModel):
    class Milestone(models.TextChoices):
        MONTH_6 = "6", _("A los 6 meses")
        MONTH_12 = "12", _("A los 12 meses")
        OTHER = "other", _("Otro seguimiento")

    child = models.ForeignKey(
        AtRiskChild,
        on_delete=models.CASCADE,
        related_name="follow_ups",
        verbose_name=_("niña, niño o adolescente"),
    )
    milestone = models.CharField(_("seguimiento"), max_length=5, choices=Milestone.choices)
    done_on = models.DateField(_("fecha"))
    in_school = models.BooleanField(_("sigue estudiando"))
    migrated = models.BooleanField(_("migró"), default=False)
    referred = models.BooleanField(_("fue derivado a un servicio"), default=False)
    notes = models.TextField(_("observaciones"), blank=True)

    class Meta:
        ordering = ["done_on", "id"]
        verbose_name = _("seguimiento")
        verbose_name_plural = _("seguimientos")
        constraints = [
            models.UniqueConstraint(
                fields=["child", "milestone"],
                condition=~Q(milestone="other"),
                name="followup_one_per_milestone",
            ),
        ]
