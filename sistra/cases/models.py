"""Criminal cases (carpeta fiscal / expediente): charges, parties, places, stages and their timeline."""

import functools
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sistra.core.choice_labels import ChoiceLabels
from sistra.core.crypto import EncryptedCharField
from sistra.core.models import DeadlineKind, PublicModel


def exploitation_key(terms) -> str:
    """The "|code|code|" of Case.exploitation_key for these forms of exploitation: each form's code and its
    parent's (the list filter for a form finds the forms under it too). Pass terms with their parent read."""
    codes: set[str] = set()
    for term in terms:
        codes.add(term.code)
        if term.parent_id:
            codes.add(term.parent.code)
    return f"|{'|'.join(sorted(codes))}|" if codes else ""


class Case(PublicModel):
    class Source(models.TextChoices):
        POLICE = "police", _("Policía")
        HOTLINE = "hotline", _("Línea de ayuda")
        DIRECT = "direct", _("Denuncia directa")
        REFERRAL = "referral", _("Derivación de otra institución")
        EX_OFFICIO = "ex_officio", _("De oficio")

    class Status(models.TextChoices):
        ACTIVE = "active", _("En trámite")
        ARCHIVED = "archived", _("Archivado")
        CLOSED = "closed", _("Concluido")

    number = models.CharField(_("número de carpeta"), max_length=40)
    fiscalia = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="cases_as_fiscalia", verbose_name=_("fiscalía")
    )
    distrito_fiscal = models.ForeignKey(
        "core.DistritoFiscal", on_delete=models.PROTECT, related_name="cases", verbose_name=_("distrito fiscal")
    )
    owner_agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="owned_cases",
        verbose_name=_("institución propietaria"),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    title = models.CharField(_("denominación"), max_length=200, blank=True)
    facts_date_from = models.DateField(_("fecha de los hechos (desde)"), null=True, blank=True)
    facts_date_to = models.DateField(_("fecha de los hechos (hasta)"), null=True, blank=True)
    complaint_date = models.DateField(_("fecha de la denuncia"))
    opened_date = models.DateField(_("fecha de apertura"), null=True, blank=True)
    source = models.CharField(_("origen"), max_length=20, choices=Source.choices)
    is_complex = models.BooleanField(_("declarado complejo"), default=False)
    is_organized_crime = models.BooleanField(
        _("criminalidad organizada"), default=False,
        help_text=_("Imputados integrantes de una organización criminal o vinculados a ella (Ley 30077)."))
    prosecutor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="assigned_cases",
        verbose_name=_("fiscal a cargo"),
    )
    current_stage = models.ForeignKey(
        "core.ProceduralStage", on_delete=models.PROTECT, related_name="+", verbose_name=_("etapa actual")
    )
    stage_started_on = models.DateField(_("inicio de la etapa actual"))
    status = models.CharField(_("estado"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    summary = models.TextField(_("resumen de los hechos"), blank=True)
    related_cases = models.ManyToManyField("self", blank=True, verbose_name=_("casos relacionados"))
    version = models.PositiveIntegerField(default=1, editable=False)
    # denormalised for list filters on 300,000 cases; kept true by the services
    has_minor_victim = models.BooleanField(default=False, editable=False)
    # the victims' forms of exploitation and the forms they fall under, as "|code|code|" (exploitation_key): the
    # list filter tests the row it reads anyway, not an EXISTS over every victim's forms (issue #16)
    exploitation_key = models.TextField(default="", blank=True, editable=False)
    # the last day of the current stage's legal term (sistra.core.selectors.stage_term), stored so that the
    # list filters and the deadline overviews read an index instead of computing it for every case
    next_deadline_on = models.DateField(_("vence el"), null=True, blank=True, editable=False)
    next_deadline_kind = models.CharField(_("tipo de plazo"), max_length=20, blank=True, editable=False,
                                          choices=DeadlineKind.choices)

    class Meta:
        ordering = ["-complaint_date", "-id"]
        verbose_name = _("caso")
        verbose_name_plural = _("casos")
        constraints = [
            models.UniqueConstraint(fields=["fiscalia", "number"], name="case_unique_number_in_fiscalia"),
            models.CheckConstraint(
                condition=Q(facts_date_from__isnull=True) | Q(facts_date_to__isnull=True)
                | Q(facts_date_to__gte=models.F("facts_date_from")),
                name="case_facts_dates_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["owner_agency", "-complaint_date"], name="case_owner_date_idx"),
            # the list's order: the first page is read straight from this index, and a deep page's ids from it
            # alone (the agencies that see a case are in it: an index-only scan, sistra.core.pagination)
            models.Index(fields=["-complaint_date", "-id", "owner_agency", "fiscalia"], name="case_list_order_idx"),
            models.Index(fields=["distrito_fiscal", "status"], name="case_df_status_idx"),
            models.Index(fields=["current_stage"], name="case_stage_idx"),
            models.Index(fields=["number"], name="case_number_idx"),
            models.Index(fields=["next_deadline_on"], name="case_deadline_idx"),
            models.Index(fields=["prosecutor", "next_deadline_on"], name="case_prosecutor_deadline_idx"),
            models.Index(fields=["fiscalia", "next_deadline_on"], name="case_fiscalia_deadline_idx"),
            # "mis plazos" counts the active cases due within 30 days, tens of thousands in a big fiscalía at the
            # design scale: these are read index-only, with the columns the counts and the visibility rule need
            models.Index(
                fields=["prosecutor", "next_deadline_on", "fiscalia", "owner_agency"],
                condition=Q(status="active"),
                name="case_active_prosecutor_dl_idx",
            ),
            models.Index(
                fields=["fiscalia", "next_deadline_on", "prosecutor"],
                condition=Q(status="active"),
                name="case_active_fiscalia_dl_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class CaseShare(ChoiceLabels, models.Model):
    """The owning agency shares a case with another agency, on purpose, with a reason."""

    class Level(models.TextChoices):
        READ = "read", _("Lectura")
        WRITE = "write", _("Lectura y escritura")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="shares")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="case_shares",
                               verbose_name=_("institución"))
    level = models.CharField(_("nivel"), max_length=5, choices=Level.choices, default=Level.READ)
    reason = models.CharField(_("motivo"), max_length=300)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("vence"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revocado"), null=True, blank=True)

    class Meta:
        verbose_name = _("caso compartido")
        verbose_name_plural = _("casos compartidos")
        indexes = [models.Index(fields=["agency", "case"], name="caseshare_agency_idx")]

    def __str__(self) -> str:
        return f"{self.case} → {self.agency}"

    @property
    def is_active(self) -> bool:
        from django.utils import timezone

        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())


class Charge(PublicModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="charges")
    article = models.ForeignKey("core.PenalArticle", on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("artículo"))
    offence_date = models.DateField(_("fecha del delito"))
    defendant = models.ForeignKey("CaseDefendant", on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="charges", verbose_name=_("imputado"))
    notes = models.CharField(_("observaciones"), max_length=300, blank=True)

    class Meta:
        ordering = ["offence_date", "id"]
        verbose_name = _("imputación")
        verbose_name_plural = _("imputaciones")


class CaseVictim(PublicModel):
    class Relation(models.TextChoices):
        PARTNER = "partner", _("Pareja o expareja")
        FAMILY = "family", _("Familiar")
        FRIEND = "friend", _("Amigo o conocido")
        EMPLOYER = "employer", _("Empleador")
        STRANGER = "stranger", _("Desconocido")
        OTHER = "other", _("Otro")
        UNKNOWN = "unknown", _("Sin información")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="victims")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="victim_in",
                               verbose_name=_("persona"))
    age_at_exploitation = models.PositiveSmallIntegerField(_("edad durante la explotación"), null=True, blank=True)
    is_minor = models.BooleanField(_("menor de edad"), default=False)
    nationality = models.ForeignKey("core.Country", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("nacionalidad"))
    exploitation_forms = models.ManyToManyField(
        "core.Term", blank=True, related_name="+", limit_choices_to={"vocabulary": "exploitation"},
        verbose_name=_("formas de explotación"),
    )
    control_methods = models.ManyToManyField(
        "core.Term", blank=True, related_name="+", limit_choices_to={"vocabulary": "control"},
        verbose_name=_("medios de control"),
    )
    recruitment_method = models.ForeignKey(
        "core.Term", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        limit_choices_to={"vocabulary": "recruitment"}, verbose_name=_("método de captación"),
    )
    relation_to_trafficker = models.CharField(_("relación con el tratante"), max_length=10,
                                              choices=Relation.choices, default=Relation.UNKNOWN)

    class Meta:
        verbose_name = _("víctima")
        verbose_name_plural = _("víctimas")
        constraints = [models.UniqueConstraint(fields=["case", "person"], name="casevictim_unique_person")]


class CaseDefendant(PublicModel):
    class Status(models.TextChoices):
        INVESTIGATED = "investigated", _("Investigado")
        ACCUSED = "accused", _("Acusado")
        FUGITIVE = "fugitive", _("No habido")
        DETAINED = "detained", _("Con prisión preventiva")
        SENTENCED = "sentenced", _("Sentenciado")

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Pendiente")
        ARCHIVED = "archived", _("Archivado / sobreseído")
        ACQUITTED = "acquitted", _("Absuelto")
        CONVICTED = "convicted", _("Condenado")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="defendants")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="defendant_in",
                               verbose_name=_("persona"))
    role = models.ForeignKey("core.Term", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             limit_choices_to={"vocabulary": "perpetrator_role"}, verbose_name=_("rol"))
    status = models.CharField(_("situación procesal"), max_length=15, choices=Status.choices,
                              default=Status.INVESTIGATED)
    outcome = models.CharField(_("resultado"), max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    outcome_date = models.DateField(_("fecha del resultado"), null=True, blank=True)
    sentence_years = models.DecimalField(_("pena (años)"), max_digits=5, decimal_places=2, null=True, blank=True)
    reparation_amount = models.DecimalField(_("reparación civil (S/)"), max_digits=12, decimal_places=2,
                                            null=True, blank=True)

    class Meta:
        verbose_name = _("imputado")
        verbose_name_plural = _("imputados")
        constraints = [
            models.UniqueConstraint(fields=["case", "person"], name="casedefendant_unique_person"),
            models.CheckConstraint(
                condition=Q(outcome="convicted") | (Q(sentence_years__isnull=True) & Q(reparation_amount__isnull=True)),
                name="casedefendant_sentence_needs_conviction",
            ),
        ]


class CaseParty(PublicModel):
    """Other people in the case: witnesses, complainants, relatives."""

    class Role(models.TextChoices):
        WITNESS = "witness", _("Testigo")
        COMPLAINANT = "complainant", _("Denunciante")
        RELATIVE = "relative", _("Familiar de la víctima")
        OTHER = "other", _("Otro")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="other_parties")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="party_in",
                               verbose_name=_("persona"))
    role = models.CharField(_("rol"), max_length=12, choices=Role.choices)

    class Meta:
        verbose_name = _("otro interviniente")
        verbose_name_plural = _("otros intervinientes")
        constraints = [models.UniqueConstraint(fields=["case", "person", "role"], name="caseparty_unique")]


class CasePlace(PublicModel):
    class Kind(models.TextChoices):
        RECRUITMENT = "recruitment", _("Captación")
        TRANSIT = "transit", _("Tránsito")
        EXPLOITATION = "exploitation", _("Explotación")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="places")
    kind = models.CharField(_("tipo de lugar"), max_length=15, choices=Kind.choices)
    ubigeo = models.ForeignKey("core.Ubigeo", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("ubigeo"))
    country = models.ForeignKey("core.Country", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("país extranjero"))
    # department of the ubigeo, denormalised for the region filter and statistics
    departamento_code = models.CharField(max_length=2, blank=True, db_index=True, editable=False)
    description = models.CharField(_("descripción"), max_length=300, blank=True)

    class Meta:
        ordering = ["kind", "id"]
        verbose_name = _("lugar")
        verbose_name_plural = _("lugares")
        constraints = [
            models.CheckConstraint(
                condition=(Q(ubigeo__isnull=False) & Q(country__isnull=True))
                | (Q(ubigeo__isnull=True) & Q(country__isnull=False)),
                name="caseplace_ubigeo_xor_country",
            )
        ]
        indexes = [models.Index(fields=["kind", "departamento_code"], name="caseplace_kind_dep_idx")]


class CaseEvent(PublicModel):
    """The case timeline: stage changes, hearings, decisions, notes."""

    class Kind(models.TextChoices):
        STAGE_CHANGE = "stage_change", _("Cambio de etapa")
        HEARING = "hearing", _("Audiencia")
        DECISION = "decision", _("Resolución / disposición")
        DILIGENCE = "diligence", _("Diligencia")
        NOTE = "note", _("Nota")
        TRANSFER = "transfer", _("Derivación por competencia")

    class StageException(models.TextChoices):
        NONE = "", _("Ninguna")
        RECEIVED = "received", _("Caso recibido en una etapa posterior")
        CORRECTION = "correction", _("Corrección de un registro erróneo")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("tipo"), max_length=15, choices=Kind.choices)
    date = models.DateField(_("fecha"))
    title = models.CharField(_("título"), max_length=200)
    description = models.TextField(_("detalle"), blank=True)
    stage_from = models.ForeignKey("core.ProceduralStage", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("etapa anterior"))
    stage_to = models.ForeignKey("core.ProceduralStage", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("etapa nueva"))
    reason = models.CharField(_("motivo"), max_length=300, blank=True)
    # a stage change outside the NCPP transitions, allowed only through the documented exception path
    exception = models.CharField(_("excepción"), max_length=12, blank=True, choices=StageException.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("evento")
        verbose_name_plural = _("eventos")
        indexes = [models.Index(fields=["case", "date"], name="caseevent_case_date_idx")]


@functools.cache
def attachment_storage():
    """Attachments live under MEDIA_ROOT (never under STATIC_ROOT, which WhiteNoise serves), readable only by the
    server's own user; no URL serves them except the download view, which checks access first. The location is
    not fixed here, so it follows MEDIA_ROOT (and a test's temporary MEDIA_ROOT)."""
    from django.core.files.storage import FileSystemStorage

    return FileSystemStorage(file_permissions_mode=0o600, directory_permissions_mode=0o700)


def attachment_upload_to(instance, filename: str) -> str:
    # a random name, never the user's: the original name may carry a victim's name or a path
    token = uuid.uuid4().hex
    return f"attachments/{token[:2]}/{token}"


class CaseAttachment(PublicModel):
    """A document or photograph attached to a case. Its type is detected from its content (sistra.cases.
    attachments), images are re-encoded without metadata, and it is only ever served as a download."""

    class ContentType(models.TextChoices):
        PDF = "application/pdf", _("PDF")
        JPEG = "image/jpeg", _("Imagen JPEG")
        PNG = "image/png", _("Imagen PNG")
        DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document", _("Documento Word")
        XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _("Hoja de cálculo Excel")
        ODT = "application/vnd.oasis.opendocument.text", _("Documento OpenDocument")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    # a file name may name someone ("declaración de María Quispe.pdf"): encrypted at rest like the names
    original_name = EncryptedCharField(_("nombre del archivo"), max_length=150)
    content_type = models.CharField(_("tipo"), max_length=100, choices=ContentType.choices)
    size = models.PositiveIntegerField(_("tamaño (bytes)"))
    sha256 = models.CharField(_("huella SHA-256"), max_length=64)
    file = models.FileField(_("archivo"), upload_to=attachment_upload_to, storage=attachment_storage, max_length=100)
    description = models.CharField(_("descripción"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("subido por"))
    is_identity_bearing = models.BooleanField(_("contiene datos que identifican a personas"), default=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("documento adjunto")
        verbose_name_plural = _("documentos adjuntos")
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="caseattachment_not_empty"),
            models.CheckConstraint(condition=Q(content_type__in=[
                "application/pdf", "image/jpeg", "image/png",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "application/vnd.oasis.opendocument.text",
            ]), name="caseattachment_allowed_type"),
        ]

    def __str__(self) -> str:
        return f"{self.get_content_type_display()} {self.uuid}"
