"""Identification, assistance and referrals ("ruta de atención").

One assistance case per victim and lead agency (the agency that owns it). Other agencies take part through
referrals: a referral gives the receiving agency access to the person through a PersonShare that ends with
the referral; a "case transfer" referral, once accepted, makes the receiving agency the new lead.
Field names follow HTCDS v2 where it has them (vic_TraffickingStatus, cas_Status, spl_*, con_Consent).

Long because it holds every record of the pathway (case, consent, assessment, plan and goals, referral and its
alerts, deliveries, follow-ups, family contacts, providers, return and reintegration), each a plain model whose
choices are the HTCDS picklists; the migrations and the admin of one app are easier to follow in one module."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sistra.core.choice_labels import ChoiceLabels
from sistra.core.crypto import EncryptedCharField, EncryptedTextField
from sistra.core.models import PublicModel, localized
from sistra.core.text import random_code


def new_case_code() -> str:
    return random_code("A")


class ServiceType(ChoiceLabels, models.Model):
    """The catalogue of services a victim may receive (loaded by data migration)."""

    class SupportType(models.TextChoices):
        # HTCDS v2 spl_Type
        EDUCATION = "Education", _("Educación")
        FINANCIAL = "Financial", _("Financiero")
        HEALTH = "Health", _("Salud")
        LABOUR_REHAB = "LabourExploitationRehabilitation", _("Rehabilitación por explotación laboral")
        LEGAL = "Legal", _("Legal")
        LIVELIHOOD = "Livelihood", _("Medios de vida")
        RIGHTS_TRAINING = "RightsBasedTraining", _("Formación en derechos")
        SEXUAL_REHAB = "SexualExploitationRehabilitation", _("Rehabilitación por explotación sexual")
        SOCIAL_CARE = "SocialCare", _("Atención social")

    code = models.SlugField(_("código"), max_length=40, primary_key=True)
    name_es = models.CharField(_("nombre"), max_length=120)
    name_en = models.CharField(_("nombre en inglés"), max_length=120, blank=True)
    description_es = models.CharField(_("descripción"), max_length=300, blank=True)
    htcds_support_type = models.CharField(_("tipo de apoyo (HTCDS)"), max_length=40, choices=SupportType.choices)
    # return travel carries a destination, visa and tickets; family tracing needs the family contacts
    is_travel = models.BooleanField(_("es un viaje de retorno"), default=False)
    is_international = models.BooleanField(_("internacional"), default=False)
    needs_family = models.BooleanField(_("requiere los contactos familiares"), default=False)
    sort_order = models.PositiveIntegerField(_("orden"), default=0)
    is_active = models.BooleanField(_("activo"), default=True)

    class Meta:
        ordering = ["sort_order", "name_es"]
        verbose_name = _("tipo de servicio")
        verbose_name_plural = _("catálogo de servicios")

    def __str__(self) -> str:
        return localized(self)


class Provider(PublicModel):
    """A directory entry: who provides which services in which regions (departments)."""

    class Kind(models.TextChoices):
        PUBLIC = "public", _("Entidad pública")
        NGO = "ngo", _("Organización no gubernamental")
        INTERNATIONAL = "international", _("Organización internacional")
        COMMUNITY = "community", _("Organización comunitaria o religiosa")
        PRIVATE = "private", _("Privado")

    name = models.CharField(_("nombre"), max_length=200)
    kind = models.CharField(_("tipo"), max_length=15, choices=Kind.choices)
    # a provider that is a SISTRA agency can receive referrals in the system
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="provider_entries", verbose_name=_("institución en SISTRA"))
    services = models.ManyToManyField(ServiceType, related_name="providers", verbose_name=_("servicios"))
    regions = models.ManyToManyField("core.Ubigeo", related_name="+", limit_choices_to={"level": "departamento"},
                                     verbose_name=_("departamentos donde atiende"))
    address = models.CharField(_("dirección"), max_length=300, blank=True)
    phone = models.CharField(_("teléfono"), max_length=40, blank=True)
    email = models.EmailField(_("correo electrónico"), blank=True)
    notes = models.TextField(_("observaciones"), blank=True)
    is_active = models.BooleanField(_("activo"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["name"]
        verbose_name = _("proveedor de servicios")
        verbose_name_plural = _("directorio de proveedores")

    def __str__(self) -> str:
        return self.name


class AssistanceCase(PublicModel):
    class TraffickingStatus(models.TextChoices):
        # HTCDS v2 vic_TraffickingStatus
        POTENTIAL = "PossibleVictimOfTrafficking", _("Posible víctima de trata")
        CONFIRMED = "ActualVictimOfTrafficking", _("Víctima de trata confirmada")
        NOT_VICTIM = "NotAVictimOfTrafficking", _("No es víctima de trata")

    class DecisionOrg(models.TextChoices):
        # HTCDS v2 vic_TraffickingStatusDecisionMakingOrg
        POLICE = "Police", _("Policía")
        NGO = "NGO", _("ONG")
        COURT_OR_PROSECUTION = "CourtOrProsecution", _("Poder Judicial o Fiscalía")
        GOVERNMENT = "NonPoliceGovernmentalOrganization", _("Entidad estatal no policial")
        OTHER = "Other", _("Otra")

    class Channel(models.TextChoices):
        HOTLINE = "hotline", _("Línea de ayuda")
        CLINIC = "clinic", _("Establecimiento o brigada de salud")
        POLICE = "police", _("Policía")
        PROSECUTOR = "prosecutor", _("Fiscalía")
        NGO = "ngo", _("ONG u organización internacional")
        SELF = "self", _("La propia persona")
        OTHER = "other", _("Otro")

    class Status(models.TextChoices):
        # HTCDS v2 cas_Status
        ACTIVE = "Active", _("Activo")
        FOLLOW_UP = "FollowUp", _("En seguimiento")
        CLOSED = "Closed", _("Cerrado")
        CLOSED_REFERRED = "ClosedReferred", _("Cerrado por derivación")

    class ClosureReason(models.TextChoices):
        GOALS_MET = "goals_met", _("Objetivos del plan cumplidos")
        REINTEGRATED = "reintegrated", _("Reintegrada en su comunidad")
        REFERRED_OUT = "referred_out", _("Derivada a una organización fuera de SISTRA")
        DECLINED = "declined", _("La persona no desea continuar")
        LOST_CONTACT = "lost_contact", _("Se perdió el contacto")
        NOT_VICTIM = "not_victim", _("No es víctima de trata")
        DECEASED = "deceased", _("Fallecimiento")
        OTHER = "other", _("Otro")

    OPEN_STATUSES = (Status.ACTIVE, Status.FOLLOW_UP)

    code = models.CharField(_("código"), max_length=12, unique=True, default=new_case_code, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="assistance_cases",
                               verbose_name=_("persona"))
    owner_agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="assistance_cases",
                                     verbose_name=_("institución a cargo"))
    caseworker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("gestor del caso"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    trafficking_status = models.CharField(_("situación de trata"), max_length=30, choices=TraffickingStatus.choices,
                                          default=TraffickingStatus.POTENTIAL)
    status_decision_org = models.CharField(_("tipo de organización que lo determina"), max_length=40,
                                           choices=DecisionOrg.choices, blank=True)
    status_decided_on = models.DateField(_("fecha de la determinación"), null=True, blank=True)
    identification_channel = models.CharField(_("vía de identificación"), max_length=12, choices=Channel.choices)
    identified_on = models.DateField(_("fecha de identificación"))
    identifying_agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, null=True, blank=True,
                                           related_name="+", verbose_name=_("institución que identificó"))
    identification_place = models.ForeignKey("core.Ubigeo", on_delete=models.PROTECT, null=True, blank=True,
                                             related_name="+", verbose_name=_("lugar de identificación"))
    # where the victim is now: never shown on a page or paper meant for a family contact flagged as unsafe
    current_ubigeo = models.ForeignKey("core.Ubigeo", on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="+", verbose_name=_("lugar donde se encuentra"))
    current_location = models.CharField(_("dirección o albergue actual"), max_length=300, blank=True)
    status = models.CharField(_("estado"), max_length=15, choices=Status.choices, default=Status.ACTIVE)
    closed_on = models.DateField(_("fecha de cierre"), null=True, blank=True)
    closure_reason = models.CharField(_("motivo de cierre"), max_length=15, choices=ClosureReason.choices,
                                      blank=True)
    closure_notes = models.TextField(_("detalle del cierre"), blank=True)
    criminal_cases = models.ManyToManyField("cases.Case", blank=True, related_name="assistance_cases",
                                            verbose_name=_("casos penales"))
    notes = models.TextField(_("observaciones"), blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-identified_on", "-id"]
        verbose_name = _("caso de asistencia")
        verbose_name_plural = _("casos de asistencia")
        constraints = [
            models.UniqueConstraint(fields=["person", "owner_agency"], condition=Q(status__in=["Active", "FollowUp"]),
                                    name="assistancecase_one_open_per_agency"),
            models.CheckConstraint(
                condition=Q(status__in=["Active", "FollowUp"]) | (Q(closed_on__isnull=False) & ~Q(closure_reason="")),
                name="assistancecase_closed_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["owner_agency", "status"], name="assistcase_owner_status_idx")]

    def __str__(self) -> str:
        return self.code

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class Consent(PublicModel):
    """The victim's (or guardian's) informed consent, one row per purpose and, for sharing data, per named
    agency. Withdrawing it keeps the row (when, who) and stops what it allowed from then on."""

    class Kind(models.TextChoices):
        SERVICES = "services", _("Recibir servicios")
        SHARE_DATA = "share_data", _("Compartir sus datos con una institución")
        CONTACT = "contact", _("Ser contactada")
        STATISTICS = "statistics", _("Uso de sus datos anonimizados en estadísticas")

    class GivenBy(models.TextChoices):
        VICTIM = "victim", _("La propia persona")
        GUARDIAN = "guardian", _("Madre, padre o representante legal")

    class Method(models.TextChoices):
        WRITTEN = "written", _("Por escrito (firmado)")
        VERBAL = "verbal", _("Verbal, ante testigo")

    case = models.ForeignKey(AssistanceCase, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(_("finalidad"), max_length=12, choices=Kind.choices)
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("institución"))
    given_on = models.DateField(_("fecha del consentimiento"))
    given_by = models.CharField(_("otorgado por"), max_length=10, choices=GivenBy.choices, default=GivenBy.VICTIM)
    method = models.CharField(_("forma"), max_length=10, choices=Method.choices, default=Method.WRITTEN)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("registrado por"))
    recorded_by_agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+",
                                           verbose_name=_("institución que lo registró"))
    withdrawn_on = models.DateField(_("fecha de retiro"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("retiro registrado por"))
    withdrawal_notes = models.CharField(_("detalle del retiro"), max_length=300, blank=True)

    class Meta:
        ordering = ["kind", "given_on", "id"]
        verbose_name = _("consentimiento")
        verbose_name_plural = _("consentimientos")
        constraints = [
            models.CheckConstraint(condition=Q(kind="share_data", agency__isnull=False)
                                   | (~Q(kind="share_data") & Q(agency__isnull=True)),
                                   name="consent_agency_only_for_sharing"),
            models.UniqueConstraint(fields=["case", "kind"], condition=Q(withdrawn_on__isnull=True) & ~Q(kind="share_data"),
                                    name="consent_one_active_per_purpose"),
            models.UniqueConstraint(fields=["case", "agency"], condition=Q(withdrawn_on__isnull=True, kind="share_data"),
                                    name="consent_one_active_per_agency"),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def is_active(self) -> bool:
        return self.withdrawn_on is None


class RiskLevel(models.TextChoices):
    LOW = "low", _("Bajo")
    MEDIUM = "medium", _("Medio")
    HIGH = "high", _("Alto")


class Assessment(PublicModel):
    """Needs and risk assessment in the three HTCDS v2 sections (individual, household, community); repeated
    during the case to measure how the risks change."""

    class IndividualFactor(models.TextChoices):
        AGE = "age", _("Edad (niña, niño o adolescente; persona mayor)")
        SEX_GENDER = "sex_gender", _("Sexo, identidad de género u orientación sexual")
        ETHNICITY = "ethnicity", _("Nacionalidad, etnia o lengua materna")
        MIGRATION = "migration", _("Situación migratoria irregular o sin documentos")
        HEALTH = "health", _("Salud física, discapacidad o embarazo")
        MENTAL_HEALTH = "mental_health", _("Salud mental o consumo de sustancias")
        EDUCATION = "education", _("Baja escolaridad")
        DEBT = "debt", _("Deudas con el tratante")
        THREATS = "threats", _("Amenazas o represalias del tratante")

    class HouseholdFactor(models.TextChoices):
        INCOME = "income", _("Ingresos del hogar insuficientes o inestables")
        VIOLENCE = "violence", _("Violencia o abuso en el hogar")
        DISCRIMINATION = "discrimination", _("Trato desigual o discriminación en el hogar")
        FAMILY_INVOLVED = "family_involved", _("Familiares involucrados en la captación")
        CARE_BURDEN = "care_burden", _("Personas dependientes a su cargo")
        NO_FAMILY = "no_family", _("Sin red familiar")

    class CommunityFactor(models.TextChoices):
        LAW_ENFORCEMENT = "law_enforcement", _("Poco acceso a la policía o a la justicia")
        GOVERNANCE = "governance", _("Débil gobierno local o acción colectiva")
        EDUCATION_ACCESS = "education_access", _("Poco acceso a servicios educativos")
        HEALTH_ACCESS = "health_access", _("Poco acceso a servicios de salud")
        ILLEGAL_ECONOMY = "illegal_economy", _("Economías ilegales (minería, tala) en la zona")
        STIGMA = "stigma", _("Estigma hacia las víctimas en la comunidad")

    case = models.ForeignKey(AssistanceCase, on_delete=models.CASCADE, related_name="assessments")
    assessed_on = models.DateField(_("fecha de la evaluación"))
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("evaluado por"))
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("institución"))
    individual_risk = models.CharField(_("riesgo individual"), max_length=6, choices=RiskLevel.choices)
    individual_factors = models.JSONField(_("factores individuales"), default=list, blank=True)
    household_risk = models.CharField(_("riesgo en el hogar"), max_length=6, choices=RiskLevel.choices)
    household_factors = models.JSONField(_("factores del hogar"), default=list, blank=True)
    community_risk = models.CharField(_("riesgo en la comunidad"), max_length=6, choices=RiskLevel.choices)
    community_factors = models.JSONField(_("factores de la comunidad"), default=list, blank=True)
    needs = models.ManyToManyField(ServiceType, blank=True, related_name="+", verbose_name=_("necesidades"))
    notes = models.TextField(_("observaciones"), blank=True)

    class Meta:
        ordering = ["-assessed_on", "-id"]
        verbose_name = _("evaluación de necesidades y riesgos")
        verbose_name_plural = _("evaluaciones de necesidades y riesgos")

    @property
    def overall_risk(self) -> str:
        order = [RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH]
        return max((self.individual_risk, self.household_risk, self.community_risk), key=order.index)

    def get_overall_risk_display(self) -> str:
        return RiskLevel(self.overall_risk).label

    @staticmethod
    def _labels(codes, choices) -> list[str]:
        labels = dict(choices.choices)
        return [str(labels.get(code, code)) for code in codes or []]

    @property
    def individual_factor_labels(self) -> list[str]:
        return self._labels(self.individual_factors, self.IndividualFactor)

    @property
    def household_factor_labels(self) -> list[str]:
        return self._labels(self.household_factors, self.HouseholdFactor)

    @property
    def community_factor_labels(self) -> list[str]:
        return self._labels(self.community_factors, self.CommunityFactor)


class SupportPlan(PublicModel):
    """HTCDS v2 spl_*: objectives, action plan, planned and actual end dates, type; goals below it."""

    case = models.ForeignKey(AssistanceCase, on_delete=models.CASCADE, related_name="plans")
    plan_type = models.CharField(_("tipo de plan"), max_length=40, choices=ServiceType.SupportType.choices)
    objectives = models.TextField(_("objetivos"))
    action_plan = models.TextField(_("plan de acción"), blank=True)
    starts_on = models.DateField(_("inicio"))
    planned_end = models.DateField(_("fin previsto"), null=True, blank=True)
    actual_end = models.DateField(_("fin real"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("plan de apoyo")
        verbose_name_plural = _("planes de apoyo")
        constraints = [
            models.CheckConstraint(condition=Q(planned_end__isnull=True) | Q(planned_end__gte=models.F("starts_on")),
                                   name="supportplan_planned_end_after_start"),
            models.CheckConstraint(condition=Q(actual_end__isnull=True) | Q(actual_end__gte=models.F("starts_on")),
                                   name="supportplan_actual_end_after_start"),
        ]


class SupportGoal(PublicModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pendiente")
        IN_PROGRESS = "in_progress", _("En curso")
        ACHIEVED = "achieved", _("Logrado")
        DROPPED = "dropped", _("Descartado")

    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="goals")
    description = models.CharField(_("meta"), max_length=300)
    service_type = models.ForeignKey(ServiceType, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                     verbose_name=_("servicio"))
    target_date = models.DateField(_("fecha objetivo"), null=True, blank=True)
    status = models.CharField(_("estado"), max_length=12, choices=Status.choices, default=Status.PENDING)
    achieved_on = models.DateField(_("fecha de logro"), null=True, blank=True)

    class Meta:
        ordering = ["target_date", "id"]
        verbose_name = _("meta del plan")
        verbose_name_plural = _("metas del plan")


class Referral(PublicModel):
    class Kind(models.TextChoices):
        SERVICES = "services", _("Derivación para servicios")
        TRANSFER = "transfer", _("Transferencia de la gestión del caso")

    class Reason(models.TextChoices):
        # HTCDS v2 cas_ReasonForOutgoingReferral
        SERVICES = "AdditionalServicesRequired", _("Requiere servicios adicionales")
        LOCATION = "MigrationOrChangeOfLocation", _("Traslado o cambio de lugar")
        OTHER = "Other", _("Otro")

    class Status(models.TextChoices):
        SENT = "sent", _("Enviada")
        ACCEPTED = "accepted", _("Aceptada")
        DECLINED = "declined", _("Rechazada")
        COMPLETED = "completed", _("Concluida")
        REVOKED = "revoked", _("Revocada")

    case = models.ForeignKey(AssistanceCase, on_delete=models.PROTECT, related_name="referrals")
    # denormalised from the case: the person-visibility provider and the timeline look referrals up by person
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("tipo de derivación"), max_length=10, choices=Kind.choices, default=Kind.SERVICES)
    from_agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="referrals_sent",
                                    verbose_name=_("institución que deriva"))
    to_agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="referrals_received",
                                  verbose_name=_("institución que recibe"))
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("proveedor del directorio"))
    services = models.ManyToManyField(ServiceType, blank=True, related_name="+",
                                      verbose_name=_("servicios solicitados"))
    reason = models.CharField(_("motivo"), max_length=30, choices=Reason.choices, default=Reason.SERVICES)
    details = models.TextField(_("detalle y logística"), blank=True)
    is_urgent = models.BooleanField(_("urgente"), default=False)
    destination_ubigeo = models.ForeignKey("core.Ubigeo", on_delete=models.PROTECT, null=True, blank=True,
                                           related_name="+", verbose_name=_("destino del retorno (Perú)"))
    destination_country = models.ForeignKey("core.Country", on_delete=models.PROTECT, null=True, blank=True,
                                            related_name="+", verbose_name=_("destino del retorno (otro país)"))
    due_on = models.DateField(_("fecha límite"))
    # what the victim's consent allowed when it was sent; identity_withdrawn_at marks a later withdrawal
    include_identity = models.BooleanField(_("incluye datos de identidad"), default=False)
    identity_withdrawn_at = models.DateTimeField(_("consentimiento retirado"), null=True, blank=True)
    status = models.CharField(_("estado"), max_length=10, choices=Status.choices, default=Status.SENT)
    sent_at = models.DateTimeField(_("enviada"), default=timezone.now)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("enviada por"))
    responded_at = models.DateTimeField(_("respondida"), null=True, blank=True)
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("respondida por"))
    decline_reason = models.CharField(_("motivo del rechazo"), max_length=300, blank=True)
    completed_at = models.DateTimeField(_("concluida"), null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    completion_notes = models.TextField(_("resultado"), blank=True)
    revoked_at = models.DateTimeField(_("revocada"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    revoke_reason = models.CharField(_("motivo de la revocación"), max_length=300, blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("derivación")
        verbose_name_plural = _("derivaciones")
        constraints = [
            models.CheckConstraint(condition=~Q(from_agency=models.F("to_agency")), name="referral_not_to_itself"),
            models.CheckConstraint(condition=Q(destination_ubigeo__isnull=True) | Q(destination_country__isnull=True),
                                   name="referral_one_destination"),
        ]
        indexes = [
            models.Index(fields=["to_agency", "status", "due_on"], name="referral_inbox_idx"),
            models.Index(fields=["from_agency", "status", "due_on"], name="referral_outbox_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.case.code} → {self.to_agency}"

    @property
    def share_source(self) -> str:
        return f"assistance.referral:{self.uuid}"

    @property
    def is_open(self) -> bool:
        """Still waiting for the receiver, or accepted for services not yet delivered. An accepted transfer is
        over: the case now belongs to the receiver."""
        return self.status == self.Status.SENT or (
            self.status == self.Status.ACCEPTED and self.kind == self.Kind.SERVICES)

    @property
    def carries_identity(self) -> bool:
        return self.include_identity and self.identity_withdrawn_at is None

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.is_open and self.due_on < today


class ReferralAlert(ChoiceLabels, models.Model):
    """An alert on an agency's dashboard, raised by the background check of overdue referrals."""

    class Kind(models.TextChoices):
        OVERDUE = "overdue", _("Derivación vencida")

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="alerts")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.OVERDUE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("alerta de derivación")
        verbose_name_plural = _("alertas de derivación")
        constraints = [models.UniqueConstraint(fields=["referral", "agency", "kind"], name="referralalert_unique")]

    def __str__(self) -> str:
        return self.get_kind_display()


class ServiceDelivery(PublicModel):
    """The delivery log: which service, by whom, when and what it cost (soles)."""

    case = models.ForeignKey(AssistanceCase, on_delete=models.CASCADE, related_name="deliveries")
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, null=True, blank=True, related_name="deliveries",
                                 verbose_name=_("derivación"))
    service_type = models.ForeignKey(ServiceType, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("servicio"))
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("institución"))
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("proveedor"))
    delivered_on = models.DateField(_("fecha"))
    delivered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("registrado por"))
    description = models.TextField(_("descripción"), blank=True)
    cost = models.DecimalField(_("costo (S/)"), max_digits=10, decimal_places=2, null=True, blank=True)
    # return travel
    destination_ubigeo = models.ForeignKey("core.Ubigeo", on_delete=models.PROTECT, null=True, blank=True,
                                           related_name="+", verbose_name=_("destino (Perú)"))
    destination_country = models.ForeignKey("core.Country", on_delete=models.PROTECT, null=True, blank=True,
                                            related_name="+", verbose_name=_("destino (otro país)"))
    visa_arranged = models.BooleanField(_("visa tramitada"), default=False)
    tickets = models.CharField(_("pasajes"), max_length=200, blank=True)

    class Meta:
        ordering = ["-delivered_on", "-id"]
        verbose_name = _("servicio brindado")
        verbose_name_plural = _("servicios brindados")
        constraints = [
            models.CheckConstraint(condition=Q(cost__isnull=True) | Q(cost__gte=0), name="delivery_cost_not_negative"),
        ]


class FollowUpVisit(PublicModel):
    class Kind(models.TextChoices):
        HOME = "home", _("Visita domiciliaria")
        OFFICE = "office", _("Atención en oficina")
        PHONE = "phone", _("Llamada telefónica")
        COMMUNITY = "community", _("Visita en la comunidad")

    CONTACTING_KINDS = (Kind.HOME, Kind.PHONE, Kind.COMMUNITY)

    case = models.ForeignKey(AssistanceCase, on_delete=models.CASCADE, related_name="follow_ups")
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, null=True, blank=True, related_name="follow_ups")
    kind = models.CharField(_("tipo"), max_length=10, choices=Kind.choices)
    visited_on = models.DateField(_("fecha"))
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    visited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("realizado por"))
    outcome = models.TextField(_("resultado"))
    next_visit_on = models.DateField(_("próxima visita"), null=True, blank=True)

    class Meta:
        ordering = ["-visited_on", "-id"]
        verbose_name = _("seguimiento")
        verbose_name_plural = _("seguimientos")


class FamilyContact(PublicModel):
    """A relative or other contact of the victim, for tracing and reunification. A contact involved in the
    trafficking (or otherwise unsafe) must never learn where the victim is."""

    class Relationship(models.TextChoices):
        MOTHER = "mother", _("Madre")
        FATHER = "father", _("Padre")
        SIBLING = "sibling", _("Hermana o hermano")
        PARTNER = "partner", _("Pareja")
        CHILD = "child", _("Hija o hijo")
        GRANDPARENT = "grandparent", _("Abuela o abuelo")
        OTHER_RELATIVE = "other_relative", _("Otro familiar")
        GUARDIAN = "guardian", _("Tutor o representante")
        FRIEND = "friend", _("Amistad o referente comunitario")

    class Tracing(models.TextChoices):
        NOT_STARTED = "not_started", _("Búsqueda no iniciada")
        SEARCHING = "searching", _("En búsqueda")
        LOCATED = "located", _("Ubicado")
        NOT_FOUND = "not_found", _("No ubicado")
        REUNITED = "reunited", _("Reunificación realizada")
        NOT_ADVISED = "not_advised", _("Reunificación desaconsejada")

    case = models.ForeignKey(AssistanceCase, on_delete=models.CASCADE, related_name="family_contacts")
    full_name = EncryptedCharField(_("nombre completo"), max_length=200)
    relationship = models.CharField(_("parentesco"), max_length=15, choices=Relationship.choices)
    phone = EncryptedCharField(_("teléfono"), max_length=40, blank=True)
    ubigeo = models.ForeignKey("core.Ubigeo", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("lugar donde vive"))
    address = EncryptedCharField(_("dirección o referencia"), max_length=300, blank=True)
    involved_in_trafficking = models.BooleanField(_("involucrado en la trata"), default=False)
    is_unsafe = models.BooleanField(_("representa un riesgo para la víctima"), default=False)
    safety_notes = EncryptedCharField(_("detalle del riesgo"), max_length=300, blank=True)
    tracing_status = models.CharField(_("búsqueda y reunificación"), max_length=12, choices=Tracing.choices,
                                      default=Tracing.NOT_STARTED)
    reunited_on = models.DateField(_("fecha de reunificación"), null=True, blank=True)
    notes = EncryptedTextField(_("observaciones"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-involved_in_trafficking", "-is_unsafe", "full_name"]
        verbose_name = _("familiar o contacto")
        verbose_name_plural = _("familiares y contactos")
        constraints = [
            # reunification with someone involved in the trafficking is never recorded as done
            models.CheckConstraint(condition=~(Q(tracing_status="reunited") & (Q(involved_in_trafficking=True)
                                                                               | Q(is_unsafe=True))),
                                   name="familycontact_no_reunion_when_unsafe"),
        ]

    def __str__(self) -> str:
        return self.get_relationship_display()

    @property
    def must_not_know_location(self) -> bool:
        return self.involved_in_trafficking or self.is_unsafe


# --- return and reintegration -----------------------------------------------------------------------------


class ReturnTravel(PublicModel):
    """The return of a victim: from where she was found (in Peru or abroad) to where she goes back (her
    community, or her country), with the documents, visa, tickets, escort and costs it needs, the planned and
    actual dates, and the confirmation that she arrived. Services in assistance.services_return keep the
    rules across records (dates, one route, a visa before an international departure)."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planificado")
        TRAVELLING = "travelling", _("En viaje")
        ARRIVED = "arrived", _("Llegada confirmada")
        CANCELLED = "cancelled", _("Cancelado")

    class Document(models.TextChoices):
        NONE = "none", _("No necesita documento")
        DNI = "dni", _("DNI")
        PASSPORT = "passport", _("Pasaporte")
        SAFE_CONDUCT = "safe_conduct", _("Salvoconducto o documento de viaje de emergencia")
        FOREIGN_ID = "foreign_id", _("Documento de identidad extranjero")

    class DocumentStatus(models.TextChoices):
        PENDING = "pending", _("En trámite")
        READY = "ready", _("Listo")

    class Visa(models.TextChoices):
        NOT_NEEDED = "not_needed", _("No requiere visa")
        REQUESTED = "requested", _("Visa solicitada")
        GRANTED = "granted", _("Visa otorgada")
        REFUSED = "refused", _("Visa denegada")

    class Transport(models.TextChoices):
        AIR = "air", _("Aéreo")
        LAND = "land", _("Terrestre")
        RIVER = "river", _("Fluvial")

    class Escort(models.TextChoices):
        NONE = "none", _("Sin acompañante")
        STAFF = "staff", _("Personal de la institución")
        FAMILY = "family", _("Familiar")
        POLICE = "police", _("Policía")
        CONSULAR = "consular", _("Personal consular")
        OTHER = "other", _("Otro")

    class Payer(models.TextChoices):
        OWN_AGENCY = "own_agency", _("La institución a cargo")
        IOM = "iom", _("OIM")
        MIMP = "mimp", _("MIMP")
        CONSULATE = "consulate", _("Consulado o cancillería")
        REGIONAL_GOVERNMENT = "regional_government", _("Gobierno regional")
        NGO = "ngo", _("ONG")
        FAMILY = "family", _("La familia")
        OTHER = "other", _("Otro")

    case = models.ForeignKey(AssistanceCase, on_delete=models.CASCADE, related_name="returns")
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, null=True, blank=True, related_name="returns",
                                 verbose_name=_("derivación"))
    status = models.CharField(_("estado"), max_length=12, choices=Status.choices, default=Status.PLANNED)
    origin_ubigeo = models.ForeignKey("core.Ubigeo", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+", verbose_name=_("origen del viaje (Perú)"))
    origin_country = models.ForeignKey("core.Country", on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="+", verbose_name=_("origen del viaje (otro país)"))
    destination_ubigeo = models.ForeignKey("core.Ubigeo", on_delete=models.PROTECT, null=True, blank=True,
                                           related_name="+", verbose_name=_("destino (Perú)"))
    destination_country = models.ForeignKey("core.Country", on_delete=models.PROTECT, null=True, blank=True,
                                            related_name="+", verbose_name=_("destino (otro país)"))
    transport = models.CharField(_("medio de transporte"), max_length=8, choices=Transport.choices,
                                 default=Transport.LAND)
    travel_document = models.CharField(_("documento de viaje"), max_length=14, choices=Document.choices,
                                       default=Document.DNI)
    document_status = models.CharField(_("estado del documento"), max_length=8, choices=DocumentStatus.choices,
                                       default=DocumentStatus.PENDING)
    visa = models.CharField(_("visa"), max_length=12, choices=Visa.choices, default=Visa.NOT_NEEDED)
    tickets = models.CharField(_("pasajes (empresa, número o código de reserva)"), max_length=200, blank=True)
    escort = models.CharField(_("acompañamiento"), max_length=10, choices=Escort.choices, default=Escort.NONE)
    escort_details = models.CharField(_("detalle del acompañamiento"), max_length=200, blank=True)
    cost_tickets = models.DecimalField(_("costo de pasajes (S/)"), max_digits=10, decimal_places=2, default=0)
    cost_documents = models.DecimalField(_("costo de documentos y visa (S/)"), max_digits=10, decimal_places=2,
                                         default=0)
    cost_other = models.DecimalField(_("otros costos: alojamiento, alimentación (S/)"), max_digits=10,
                                     decimal_places=2, default=0)
    paid_by = models.CharField(_("quién paga"), max_length=20, choices=Payer.choices, default=Payer.OWN_AGENCY)
    paid_by_details = models.CharField(_("detalle del financiamiento"), max_length=200, blank=True)
    planned_departure = models.DateField(_("salida prevista"))
    planned_arrival = models.DateField(_("llegada prevista"), null=True, blank=True)
    departed_on = models.DateField(_("salida real"), null=True, blank=True)
    arrived_on = models.DateField(_("llegada real"), null=True, blank=True)
    arrival_confirmed_at = models.DateTimeField(_("llegada confirmada"), null=True, blank=True)
    arrival_confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                             blank=True, related_name="+", verbose_name=_("confirmada por"))
    arrival_notes = models.CharField(_("cómo se confirmó la llegada"), max_length=300, blank=True)
    cancellation_reason = models.CharField(_("motivo de la cancelación"), max_length=300, blank=True)
    notes = models.TextField(_("observaciones"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("institución que organiza"))

    class Meta:
        ordering = ["-planned_departure", "-id"]
        verbose_name = _("viaje de retorno")
        verbose_name_plural = _("viajes de retorno")
        constraints = [
            models.CheckConstraint(condition=Q(origin_ubigeo__isnull=True) | Q(origin_country__isnull=True),
                                   name="returntravel_one_origin"),
            models.CheckConstraint(condition=Q(destination_ubigeo__isnull=True) | Q(destination_country__isnull=True),
                                   name="returntravel_one_destination"),
            models.CheckConstraint(condition=Q(cost_tickets__gte=0) & Q(cost_documents__gte=0) & Q(cost_other__gte=0),
                                   name="returntravel_costs_not_negative"),
            models.CheckConstraint(condition=Q(arrived_on__isnull=True)
                                   | (Q(departed_on__isnull=False) & Q(arrived_on__gte=models.F("departed_on"))),
                                   name="returntravel_arrival_after_departure"),
            models.CheckConstraint(condition=Q(planned_arrival__isnull=True)
                                   | Q(planned_arrival__gte=models.F("planned_departure")),
                                   name="returntravel_planned_arrival_after_departure"),
        ]

    def __str__(self) -> str:
        return f"{self.case.code}: {self.origin} → {self.destination}"

    @property
    def origin(self):
        return self.origin_country or self.origin_ubigeo

    @property
    def destination(self):
        return self.destination_country or self.destination_ubigeo

    @property
    def is_international(self) -> bool:
        return self.origin_country_id is not None or self.destination_country_id is not None

    @property
    def total_cost(self):
        return self.cost_tickets + self.cost_documents + self.cost_other


class ReintegrationPlan(PublicModel):
    """Reintegration in the community of origin: goals, follow-ups at 3, 6 and 12 months (scheduled when the
    plan starts) and the outcome that ends it."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("En curso")
        CLOSED = "closed", _("Concluido")

    class Outcome(models.TextChoices):
        REINTEGRATED = "reintegrated", _("Reintegrada en su comunidad")
        PARTIAL = "partial", _("Reintegración parcial")
        NOT_REINTEGRATED = "not_reintegrated", _("No se reintegró")
        RELOCATED = "relocated", _("Se estableció en otro lugar")
        RETRAFFICKED = "retrafficked", _("Volvió a ser captada")
        LOST_CONTACT = "lost_contact", _("Se perdió el contacto")
        DECLINED = "declined", _("La persona no desea continuar")

    class Area(models.TextChoices):
        FAMILY = "family", _("Familia")
        HOUSING = "housing", _("Vivienda")
        EDUCATION = "education", _("Educación")
        LIVELIHOOD = "livelihood", _("Trabajo y medios de vida")
        HEALTH = "health", _("Salud")
        PSYCHOSOCIAL = "psychosocial", _("Apoyo psicosocial")
        LEGAL = "legal", _("Asesoría legal")
        COMMUNITY = "community", _("Vida comunitaria")

    case = models.ForeignKey(AssistanceCase, on_delete=models.CASCADE, related_name="reintegration_plans")
    return_travel = models.ForeignKey(ReturnTravel, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="reintegration_plans", verbose_name=_("retorno"))
    community = models.ForeignKey("core.Ubigeo", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("comunidad de origen (ubigeo)"))
    community_details = models.CharField(_("comunidad, centro poblado o anexo"), max_length=200, blank=True)
    areas = models.JSONField(_("áreas de apoyo"), default=list, blank=True)
    goals = models.TextField(_("metas"))
    starts_on = models.DateField(_("inicio"))
    status = models.CharField(_("estado"), max_length=8, choices=Status.choices, default=Status.ACTIVE)
    outcome = models.CharField(_("resultado"), max_length=20, choices=Outcome.choices, blank=True)
    outcome_on = models.DateField(_("fecha del resultado"), null=True, blank=True)
    outcome_notes = models.TextField(_("detalle del resultado"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("plan de reintegración")
        verbose_name_plural = _("planes de reintegración")
        constraints = [
            models.CheckConstraint(condition=Q(status="active", outcome="", outcome_on__isnull=True)
                                   | (Q(status="closed") & ~Q(outcome="") & Q(outcome_on__gte=models.F("starts_on"))),
                                   name="reintegrationplan_closed_has_outcome"),
            models.UniqueConstraint(fields=["case"], condition=Q(status="active"),
                                    name="reintegrationplan_one_active_per_case"),
        ]

    def __str__(self) -> str:
        return str(self.community)

    @property
    def area_labels(self) -> list[str]:
        return [str(self.Area(a).label) for a in self.areas if a in self.Area.values]


class ReintegrationFollowUp(PublicModel):
    """A follow-up of a reintegration plan. The 3-, 6- and 12-month ones are scheduled with the plan (due_on)
    and recorded when done; others may be added."""

    class Milestone(models.TextChoices):
        MONTH_3 = "m3", _("3 meses")
        MONTH_6 = "m6", _("6 meses")
        MONTH_12 = "m12", _("12 meses")
        OTHER = "other", _("Adicional")

    class Progress(models.TextChoices):
        ON_TRACK = "on_track", _("Avanza según el plan")
        AT_RISK = "at_risk", _("En riesgo")
        NOT_REACHED = "not_reached", _("No se pudo ubicar a la persona")

    MONTHS = {Milestone.MONTH_3: 3, Milestone.MONTH_6: 6, Milestone.MONTH_12: 12}

    plan = models.ForeignKey(ReintegrationPlan, on_delete=models.CASCADE, related_name="follow_ups")
    milestone = models.CharField(_("hito"), max_length=6, choices=Milestone.choices)
    due_on = models.DateField(_("fecha prevista"))
    done_on = models.DateField(_("fecha realizada"), null=True, blank=True)
    kind = models.CharField(_("tipo"), max_length=10, choices=FollowUpVisit.Kind.choices, blank=True)
    progress = models.CharField(_("avance"), max_length=12, choices=Progress.choices, blank=True)
    notes = models.TextField(_("resultado"), blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("realizado por"))

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("seguimiento de la reintegración")
        verbose_name_plural = _("seguimientos de la reintegración")
        constraints = [
            models.UniqueConstraint(fields=["plan", "milestone"], condition=~Q(milestone="other"),
                                    name="reintegrationfollowup_one_per_milestone"),
            models.CheckConstraint(condition=Q(done_on__isnull=True) | (~Q(kind="") & ~Q(progress="")),
                                   name="reintegrationfollowup_done_has_kind"),
        ]

    def __str__(self) -> str:
        return self.get_milestone_display()

    @property
    def is_done(self) -> bool:
        return self.done_on is not None
