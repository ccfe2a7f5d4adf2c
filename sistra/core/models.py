"""Reference data shared by every part of SISTRA: ubigeo, countries, penal articles, vocabularies,
procedural stages. Loaded by data migrations from files in sistra/core/data (with licence and source)."""

import uuid

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .choice_labels import ChoiceLabels


class PublicModel(ChoiceLabels, models.Model):
    """A record with a random public identifier for URLs and the API (never the sequential id)."""

    uuid = models.UUIDField(_("identificador público"), default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(_("creado"), auto_now_add=True)
    updated_at = models.DateTimeField(_("actualizado"), auto_now=True)

    class Meta:
        abstract = True


def localized(obj, field: str = "name") -> str:
    """The English label when the interface speaks English and one exists, else the Spanish one."""
    if (get_language() or "").startswith("en"):
        value = getattr(obj, f"{field}_en", "")
        if value:
            return value
    return getattr(obj, f"{field}_es")


class Ubigeo(ChoiceLabels, models.Model):
    class Level(models.TextChoices):
        DEPARTAMENTO = "departamento", _("Departamento")
        PROVINCIA = "provincia", _("Provincia")
        DISTRITO = "distrito", _("Distrito")

    # INEI code is the key (SOURCES.md); RENIEC's code is kept because DNI addresses use it.
    code = models.CharField(_("código INEI"), max_length=6, primary_key=True)
    reniec_code = models.CharField(_("código RENIEC"), max_length=6, db_index=True)
    level = models.CharField(_("nivel"), max_length=12, choices=Level.choices)
    name = models.CharField(_("nombre"), max_length=120)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    departamento_code = models.CharField(_("departamento"), max_length=2, db_index=True)
    provincia_code = models.CharField(_("provincia"), max_length=4, db_index=True)
    iso_3166_2 = models.CharField(max_length=6, blank=True)
    capital = models.CharField(_("capital"), max_length=120, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("ubigeo")
        verbose_name_plural = _("ubigeos")

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        """District, province, department — the parent chain is at most two steps; selectors that list many
        ubigeos select_related it."""
        parts = [self.name]
        node = self
        while node.parent_id:
            node = node.parent
            parts.append(node.name)
        return ", ".join(parts)


class Country(models.Model):
    code = models.CharField(_("código ISO 3166-1 alfa-2"), max_length=2, primary_key=True)
    alpha3 = models.CharField(_("código alfa-3"), max_length=3, unique=True)
    numeric = models.CharField(_("código numérico"), max_length=3)
    name_es = models.CharField(_("nombre"), max_length=120)
    name_en = models.CharField(_("nombre en inglés"), max_length=120)

    class Meta:
        ordering = ["name_es"]
        verbose_name = _("país")
        verbose_name_plural = _("países")

    def __str__(self) -> str:
        return localized(self)


class DistritoFiscal(models.Model):
    """The Public Ministry's judicial districts: their own dimension beside the ubigeo."""

    code = models.CharField(_("código"), max_length=40, primary_key=True)
    name = models.CharField(_("nombre"), max_length=120, unique=True)
    departamento = models.ForeignKey(
        Ubigeo, on_delete=models.PROTECT, related_name="distritos_fiscales", verbose_name=_("departamento principal")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("distrito fiscal")
        verbose_name_plural = _("distritos fiscales")

    def __str__(self) -> str:
        return self.name


def article_order():
    """An expression to sort article numbers as Spanish does: Ñ between N and O (129-N, 129-Ñ, 129-O), on any
    database collation (byte order would put Ñ after Z)."""
    from django.db.models.functions import Replace, Upper

    return Replace(Upper("article"), models.Value("Ñ"), models.Value("N~"))


class PenalArticle(models.Model):
    """One version of a penal article, valid between two dates. A charge cites the version in force on
    the date of the offence."""

    code = models.CharField(_("código"), max_length=40, unique=True)
    article = models.CharField(_("artículo"), max_length=10, db_index=True)
    law = models.CharField(_("norma"), max_length=80)
    title_es = models.CharField(_("título"), max_length=200)
    title_en = models.CharField(_("título en inglés"), max_length=200, blank=True)
    valid_from = models.DateField(_("vigente desde"))
    valid_to = models.DateField(_("vigente hasta"), null=True, blank=True)
    is_trafficking = models.BooleanField(_("trata de personas"), default=False)
    notes = models.TextField(_("notas"), blank=True)

    class Meta:
        ordering = ["valid_from", "article"]
        verbose_name = _("artículo penal")
        verbose_name_plural = _("artículos penales")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=models.F("valid_from")),
                name="penalarticle_valid_range",
            )
        ]

    def __str__(self) -> str:
        return f"Art. {self.article} ({self.law}) — {localized(self, 'title')}"

    def in_force_on(self, day) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class Term(ChoiceLabels, models.Model):
    """A value of a controlled vocabulary (HTCDS v2 picklists extended with Peru's categories)."""

    class Vocabulary(models.TextChoices):
        EXPLOITATION = "exploitation", _("Forma de explotación")
        CONTROL = "control", _("Medio de control")
        RECRUITMENT = "recruitment", _("Método de captación")
        PERPETRATOR_ROLE = "perpetrator_role", _("Rol del tratante")
        RELATION = "relation", _("Relación con el tratante")
        LANGUAGE = "language", _("Idioma")
        GENDER = "gender", _("Sexo / género")
        ORGANISATION_TYPE = "organisation_type", _("Tipo de organización")

    vocabulary = models.CharField(_("vocabulario"), max_length=30, choices=Vocabulary.choices, db_index=True)
    code = models.CharField(_("código"), max_length=60)
    htcds_value = models.CharField(_("valor HTCDS"), max_length=120, blank=True)
    name_es = models.CharField(_("nombre"), max_length=200)
    name_en = models.CharField(_("nombre en inglés"), max_length=200, blank=True)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    sort_order = models.PositiveIntegerField(_("orden"), default=0)
    is_active = models.BooleanField(_("activo"), default=True)

    class Meta:
        ordering = ["vocabulary", "sort_order", "name_es"]
        verbose_name = _("término")
        verbose_name_plural = _("términos")
        constraints = [models.UniqueConstraint(fields=["vocabulary", "code"], name="term_unique_code")]

    def __str__(self) -> str:
        return localized(self)


class DeadlineKind(models.TextChoices):
    """Which legal term of a stage applies to a case (sistra.core.selectors.stage_term)."""

    ORDINARY = "ordinary", _("Plazo ordinario")
    COMPLEX = "complex", _("Plazo de caso complejo")
    ORGANIZED = "organized", _("Plazo de criminalidad organizada")
    APPEAL = "appeal", _("Plazo para recurrir (días hábiles)")


class ProceduralStage(models.Model):
    """A stage of the criminal process under the NCPP 2004, with its legal deadline where there is one."""

    code = models.CharField(_("código"), max_length=40, primary_key=True)
    name_es = models.CharField(_("nombre"), max_length=120)
    name_en = models.CharField(_("nombre en inglés"), max_length=120, blank=True)
    sort_order = models.PositiveIntegerField(_("orden"))
    deadline_days = models.PositiveIntegerField(_("plazo (días)"), null=True, blank=True)
    # complex and organised-crime terms are set in months by the law and run "de fecha a fecha"
    deadline_months_complex = models.PositiveIntegerField(_("plazo en casos complejos (meses)"), null=True,
                                                          blank=True)
    deadline_months_organized = models.PositiveIntegerField(_("plazo en casos de criminalidad organizada (meses)"),
                                                            null=True, blank=True)
    deadline_basis = models.CharField(_("base legal del plazo"), max_length=200, blank=True)
    is_terminal = models.BooleanField(_("etapa final"), default=False)
    next_stages = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="previous_stages", verbose_name=_("etapas siguientes")
    )

    class Meta:
        ordering = ["sort_order"]
        verbose_name = _("etapa procesal")
        verbose_name_plural = _("etapas procesales")

    def __str__(self) -> str:
        return localized(self)


class KeyCanary(models.Model):
    """One known text encrypted under the data keys (sistra.core.crypto): start-up refuses keys that cannot open
    it, before any page fails on a name it cannot decrypt."""

    token = models.TextField()

    class Meta:
        verbose_name = _("comprobante de claves")
        verbose_name_plural = _("comprobantes de claves")

    def __str__(self) -> str:
        return f"KeyCanary {self.pk}"
