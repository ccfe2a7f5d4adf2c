import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sistra.core.choice_labels import ChoiceLabels
from sistra.core.crypto import BlindIndexField, EncryptedCharField, EncryptedTextField, fill_indexes
from sistra.core.models import PublicModel
from sistra.core.text import random_code


def new_person_code() -> str:
    return random_code("P")


class Person(PublicModel):
    """One human being across every source: victim, suspect, witness, caller, patient or relative."""

    class Sex(models.TextChoices):
        # HTCDS v2 prs_Gender values
        FEMALE = "female", _("Mujer")
        MALE = "male", _("Hombre")
        TRANSGENDER = "transgender", _("Transgénero")
        OTHER = "other", _("Otro")
        UNKNOWN = "unknown", _("Desconocido")

    code = models.CharField(_("código"), max_length=12, unique=True, default=new_person_code, editable=False)
    owner_agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="persons", verbose_name=_("institución propietaria")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # identifiers are encrypted at rest; the search goes by their keyed indexes (sistra.people.indexes)
    first_names = EncryptedCharField(_("nombres"), max_length=120)
    last_name_paternal = EncryptedCharField(_("apellido paterno"), max_length=80, blank=True)
    last_name_maternal = EncryptedCharField(_("apellido materno"), max_length=80, blank=True)
    sex = models.CharField(_("sexo / género"), max_length=12, choices=Sex.choices, default=Sex.UNKNOWN)
    date_of_birth = models.DateField(_("fecha de nacimiento"), null=True, blank=True)
    estimated_age = models.PositiveSmallIntegerField(_("edad estimada"), null=True, blank=True)
    age_estimated_on = models.DateField(_("fecha de la estimación de edad"), null=True, blank=True)
    nationality = models.ForeignKey(
        "core.Country", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("nacionalidad")
    )
    languages = models.ManyToManyField(
        "core.Term", blank=True, related_name="+", limit_choices_to={"vocabulary": "language"},
        verbose_name=_("idiomas"),
    )
    ubigeo_origin = models.ForeignKey(
        "core.Ubigeo", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("ubigeo de origen"),
    )
    country_origin = models.ForeignKey(
        "core.Country", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("país de origen"),
    )
    ubigeo_residence = models.ForeignKey(
        "core.Ubigeo", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("ubigeo de residencia"),
    )
    notes = EncryptedTextField(_("observaciones"), blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    # Keyed indexes of the whole first names and of the surnames in either order (accent- and case-insensitive)
    first_names_key = BlindIndexField(purpose="first-names", value_of="sistra.people.indexes.first_names_value",
                                      db_index=True)
    surnames_key = BlindIndexField(purpose="surnames", value_of="sistra.people.indexes.surnames_value",
                                   db_index=True)

    class Meta:
        # names are ciphertext: no order by name in the database (lists sort a page by name when they need to)
        ordering = ["id"]
        verbose_name = _("persona")
        verbose_name_plural = _("personas")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(estimated_age__isnull=True) | models.Q(estimated_age__lte=120),
                name="person_age_range",
            )
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_names, self.last_name_paternal, self.last_name_maternal) if p)

    def refresh_keys(self) -> None:
        """The keyed indexes of the names (save() computes them too; the seeders call this)."""
        fill_indexes(self)

    def age_on(self, day):
        if self.date_of_birth:
            years = day.year - self.date_of_birth.year
            if (day.month, day.day) < (self.date_of_birth.month, self.date_of_birth.day):
                years -= 1
            return years
        if self.estimated_age is not None and self.age_estimated_on:
            return self.estimated_age + (day - self.age_estimated_on).days // 365
        return self.estimated_age


class PersonAlias(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="aliases")
    alias = EncryptedCharField(_("alias"), max_length=120)
    alias_key = BlindIndexField(purpose="alias", value_of="sistra.people.indexes.alias_value", db_index=True)

    class Meta:
        verbose_name = _("alias")
        verbose_name_plural = _("alias")

    def __str__(self) -> str:
        return self.alias


class IdentityDocument(ChoiceLabels, models.Model):
    class Kind(models.TextChoices):
        DNI = "dni", _("DNI")
        CE = "ce", _("Carné de extranjería")
        PASSPORT = "passport", _("Pasaporte")
        PTP = "ptp", _("Permiso temporal de permanencia")
        OTHER = "other", _("Otro")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("tipo de documento"), max_length=10, choices=Kind.choices)
    number = EncryptedCharField(_("número"), max_length=30)
    # kind and normalised number, keyed: exact search and the duplicate check by document
    number_index = BlindIndexField(purpose="document", value_of="sistra.people.indexes.document_value")
    country = models.ForeignKey(
        "core.Country", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("país emisor"),
    )

    class Meta:
        verbose_name = _("documento de identidad")
        verbose_name_plural = _("documentos de identidad")
        # Not unique across the registry: a refusal would tell the user that another agency holds this person
        # (docs/decisions/0171). The services refuse a document already held by a person the user can see;
        # the same document elsewhere becomes a pending link for a data steward.
        indexes = [models.Index(fields=["number_index"], name="document_index_idx")]
        constraints = [
            models.UniqueConstraint(fields=["person", "number_index"], name="document_once_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class PersonShare(ChoiceLabels, models.Model):
    """An agency shares a person's record with another agency on purpose (by hand, or through a referral of
    the assistance part). A share without identity lets the receiver see only the pseudonym, age band, sex and
    region — what a referral carries when the victim did not consent to share identity with that agency."""

    class Level(models.TextChoices):
        READ = "read", _("Lectura")
        WRITE = "write", _("Lectura y escritura")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="shares")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="person_shares",
                               verbose_name=_("institución"))
    level = models.CharField(_("nivel"), max_length=5, choices=Level.choices, default=Level.READ)
    include_identity = models.BooleanField(_("incluye datos de identidad"), default=False)
    reason = models.CharField(_("motivo"), max_length=300)
    # what granted it, so the grant ends with it (e.g. "assistance.referral:<uuid>")
    source = models.CharField(_("origen"), max_length=80, blank=True, db_index=True)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("vence"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revocado"), null=True, blank=True)

    class Meta:
        verbose_name = _("persona compartida")
        verbose_name_plural = _("personas compartidas")
        indexes = [models.Index(fields=["agency", "person"], name="personshare_agency_idx")]

    def __str__(self) -> str:
        return f"{self.person} → {self.agency}"


class PersonMatchKey(models.Model):
    """Indexed blocking keys of a person for the duplicate check (phonetic codes of names with surnames, the
    DNI, surname with birth year), keyed (sistra.core.crypto.blind): candidates at entry come from an index
    look-up, never a scan, and the stored keys say nothing without the index key."""

    # (person, key) is the unique constraint's index; (key, person) answers "who holds this key" from the index
    # alone (an index-only scan: at a million persons, reading the table for each key cost most of the check)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="match_keys", db_index=False)
    key = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("clave de comparación")
        verbose_name_plural = _("claves de comparación")
        constraints = [models.UniqueConstraint(fields=["person", "key"], name="matchkey_unique_per_person")]
        indexes = [models.Index(fields=["key", "person"], name="matchkey_key_person_idx")]

    def __str__(self) -> str:
        return self.key


class PersonSearchToken(models.Model):
    """Keyed indexes of each word of a person's names and aliases and of its first three to eight letters: the
    name search of an encrypted registry (sistra.people.indexes)."""

    # as PersonMatchKey: (person, token) unique, (token, person) for the search, read from the index alone
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="search_tokens", db_index=False)
    token = models.CharField(max_length=32)

    class Meta:
        verbose_name = _("índice de búsqueda")
        verbose_name_plural = _("índices de búsqueda")
        constraints = [models.UniqueConstraint(fields=["person", "token"], name="searchtoken_unique_per_person")]
        indexes = [models.Index(fields=["token", "person"], name="searchtoken_token_person_idx")]

    def __str__(self) -> str:
        return self.token
