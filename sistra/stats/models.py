"""Statistics read only these tables. They hold no names, documents or free text: a refresh rebuilds them
from the registry (sistra.stats.aggregation) and the dashboard, maps and reports never touch the raw rows.

Every row belongs to one AggregateRun. A refresh writes a new run beside the current one and switches over
when it is complete, so readers always see one consistent snapshot ("datos al …") and never wait on a lock.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sistra.core.choice_labels import ChoiceLabels
from sistra.core.models import PublicModel


class AggregateRun(ChoiceLabels, models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", _("En curso")
        DONE = "done", _("Completada")
        FAILED = "failed", _("Fallida")

    # the moment the registry was read: the figures are "datos al" this time
    started_at = models.DateTimeField(_("datos al"), db_index=True)
    finished_at = models.DateTimeField(_("terminada"), null=True, blank=True)
    status = models.CharField(_("estado"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    seconds = models.FloatField(_("duración (s)"), null=True, blank=True)
    sources = models.JSONField(_("fuentes"), default=list)
    # bit positions of the multi-valued dimensions in this run's facts (forms of exploitation, control)
    meta = models.JSONField(default=dict)
    counts = models.JSONField(_("filas"), default=dict)
    error = models.CharField(_("error"), max_length=300, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("actualización de estadísticas")
        verbose_name_plural = _("actualizaciones de estadísticas")

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} ({self.status})"


class FactCase(models.Model):
    """One criminal case, reduced to the dimensions statistics need."""

    run = models.ForeignKey(AggregateRun, on_delete=models.CASCADE, related_name="+")
    case_id = models.BigIntegerField()
    year = models.SmallIntegerField()
    month = models.SmallIntegerField()
    distrito_fiscal = models.CharField(max_length=40)
    agency_id = models.BigIntegerField()
    # departments (INEI codes as bits 1..25) of the places of exploitation; forms of its victims
    dept_mask = models.BigIntegerField(default=0)
    form_mask = models.BigIntegerField(default=0)
    stage = models.CharField(max_length=40)
    status = models.CharField(max_length=10)
    outcome = models.CharField(max_length=10)
    reached = models.SmallIntegerField(default=1)  # bits of the attrition steps the case reached
    n_convicted = models.SmallIntegerField(default=0)
    n_acquitted = models.SmallIntegerField(default=0)
    n_archived = models.SmallIntegerField(default=0)
    n_pending = models.SmallIntegerField(default=0)
    conviction_year = models.SmallIntegerField(null=True)
    # days from the complaint to the first entry into each milestone of the process
    d_preliminary = models.IntegerField(null=True)
    d_formalised = models.IntegerField(null=True)
    d_accusation = models.IntegerField(null=True)
    d_trial = models.IntegerField(null=True)
    d_sentence = models.IntegerField(null=True)

    class Meta:
        verbose_name = _("hecho: caso")
        verbose_name_plural = _("hechos: casos")
        indexes = [
            models.Index(fields=["run", "year"], name="factcase_run_year_idx"),
            models.Index(fields=["run", "distrito_fiscal", "year"], name="factcase_run_df_idx"),
            models.Index(fields=["run", "agency_id", "year"], name="factcase_run_agency_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.distrito_fiscal} {self.stage}"


class FactVictim(models.Model):
    """One victim in one case, de-identified: no name, no document, no date of birth, no free text. The
    person's internal id is kept only to count persons once in the differentially private tables; it is
    never shown nor exported."""

    run = models.ForeignKey(AggregateRun, on_delete=models.CASCADE, related_name="+")
    case_id = models.BigIntegerField()
    person_id = models.BigIntegerField()
    year = models.SmallIntegerField()
    month = models.SmallIntegerField()
    distrito_fiscal = models.CharField(max_length=40)
    agency_id = models.BigIntegerField()
    dept_mask = models.BigIntegerField(default=0)  # departments of exploitation of the case
    form_mask = models.BigIntegerField(default=0)  # this victim's forms of exploitation (top level)
    control_mask = models.BigIntegerField(default=0)  # this victim's means of control
    sex = models.CharField(max_length=12)
    age = models.SmallIntegerField(null=True)
    age_band = models.CharField(max_length=8)
    is_minor = models.BooleanField(default=False)
    nationality = models.CharField(max_length=2, blank=True)
    relation = models.CharField(max_length=10, blank=True)
    recruitment_mask = models.BigIntegerField(default=0)
    # comma-separated codes: provinces (INEI 4 digits) and foreign countries (ISO 3166-1 alpha-2)
    recruitment_provinces = models.CharField(max_length=200, blank=True)
    recruitment_countries = models.CharField(max_length=60, blank=True)
    exploitation_provinces = models.CharField(max_length=200, blank=True)
    exploitation_countries = models.CharField(max_length=60, blank=True)
    origin_dept = models.CharField(max_length=2, blank=True)
    origin_prov = models.CharField(max_length=4, blank=True)
    origin_country = models.CharField(max_length=2, blank=True)

    class Meta:
        verbose_name = _("hecho: víctima")
        verbose_name_plural = _("hechos: víctimas")
        indexes = [
            models.Index(fields=["run", "year"], name="factvictim_run_year_idx"),
            models.Index(fields=["run", "distrito_fiscal", "year"], name="factvictim_run_df_idx"),
            models.Index(fields=["run", "agency_id", "year"], name="factvictim_run_agency_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.sex} {self.age_band}"


class AggregateCell(models.Model):
    """One number of one figure for one year, within one combination of filters (the "scope": none, or any
    of department, distrito fiscal, fiscalía and form of exploitation together). Durations carry their
    distribution (days → cases) so a median over any range of years is exact."""

    run = models.ForeignKey(AggregateRun, on_delete=models.CASCADE, related_name="+")
    figure = models.CharField(max_length=40)
    year = models.SmallIntegerField()
    # the filters this cell answers: "" (none), "dept", "dept+form"… and their values ("17|forced_labour")
    scope = models.CharField(max_length=30, blank=True)
    scope_value = models.CharField(max_length=200, blank=True)
    key = models.CharField(max_length=60, blank=True)
    value = models.BigIntegerField(default=0)
    histogram = models.JSONField(null=True, blank=True)

    class Meta:
        verbose_name = _("celda agregada")
        verbose_name_plural = _("celdas agregadas")
        indexes = [
            models.Index(fields=["run", "scope", "scope_value", "figure", "year"], name="cell_lookup_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.figure} {self.year} {self.scope}={self.scope_value} {self.key}: {self.value}"


class OpenDataRelease(PublicModel):
    """One publication of open data: which tables, which protection, which privacy budget, which files."""

    class Status(models.TextChoices):
        PENDING = "pending", _("En preparación")
        READY = "ready", _("Publicada")
        FAILED = "failed", _("Fallida")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("publicada por")
    )
    status = models.CharField(_("estado"), max_length=10, choices=Status.choices, default=Status.PENDING)
    year_from = models.SmallIntegerField(_("desde el año"))
    year_to = models.SmallIntegerField(_("hasta el año"))
    run = models.ForeignKey(
        AggregateRun,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("datos al"),
    )
    data_as_of = models.DateTimeField(_("datos al"), null=True, blank=True)
    # [{code, title, method: "suppression" | "dp" | "k_anonymity", epsilon, sensitivity, file, rows}]
    tables = models.JSONField(_("tablas"), default=list)
    epsilon = models.FloatField(_("épsilon total"))
    epsilon_per_table = models.FloatField(_("épsilon por tabla"))
    threshold = models.PositiveSmallIntegerField(_("umbral de celda pequeña"))
    k_anonymity = models.PositiveSmallIntegerField(_("k de anonimato"), default=11)
    # [{name, size, sha256}] under MEDIA_ROOT/open_data/<uuid>/
    files = models.JSONField(_("archivos"), default=list)
    error = models.CharField(_("error"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("publicación de datos abiertos")
        verbose_name_plural = _("publicaciones de datos abiertos")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(year_to__gte=models.F("year_from")), name="opendatarelease_years_ordered"
            ),
            models.CheckConstraint(
                condition=models.Q(epsilon__gt=0) & models.Q(epsilon_per_table__gt=0),
                name="opendatarelease_positive_epsilon",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year_from}–{self.year_to} ({self.created_at:%Y-%m-%d})"


class PrivacyBudget(PublicModel):
    """How much differential privacy (ε) may ever be spent on one year of one scope of data. Every noisy
    release that reads that year spends from it (see docs/decisions/0181); a release that would go over is
    refused."""

    class Scope(models.TextChoices):
        CASE_DATA = "case_data", _("Datos de casos (víctimas)")

    scope = models.CharField(_("ámbito"), max_length=20, choices=Scope.choices, default=Scope.CASE_DATA)
    year = models.SmallIntegerField(_("año"))
    epsilon = models.FloatField(_("épsilon disponible"))

    class Meta:
        ordering = ["scope", "year"]
        verbose_name = _("presupuesto de privacidad")
        verbose_name_plural = _("presupuestos de privacidad")
        constraints = [
            models.UniqueConstraint(fields=["scope", "year"], name="privacybudget_one_per_scope_year"),
            models.CheckConstraint(condition=models.Q(epsilon__gt=0), name="privacybudget_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} {self.year}: ε {self.epsilon:g}"


class PrivacySpend(models.Model):
    """ε spent on one year's budget by one release."""

    budget = models.ForeignKey(PrivacyBudget, on_delete=models.PROTECT, related_name="spends")
    release = models.ForeignKey(OpenDataRelease, on_delete=models.PROTECT, related_name="spends")
    epsilon = models.FloatField(_("épsilon gastado"))
    created_at = models.DateTimeField(_("gastado"), auto_now_add=True)

    class Meta:
        ordering = ["budget__year", "created_at"]
        verbose_name = _("gasto de privacidad")
        verbose_name_plural = _("gastos de privacidad")
        constraints = [
            models.UniqueConstraint(fields=["budget", "release"], name="privacyspend_one_per_release_year"),
            models.CheckConstraint(condition=models.Q(epsilon__gt=0), name="privacyspend_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.budget.year}: ε {self.epsilon:g}"
