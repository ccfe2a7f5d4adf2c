"""Forms of the person registry. They check shape only; every rule across records is the services' job.
The shared pieces (Peruvian date field, service-error mapping, picker options) live in sistra.core.forms; the
person picker is here because it searches the registry."""

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sistra.core.forms import (
    DayField,
    Picker,
    PickerOption,
    PlainLabelsMixin,
    ServiceErrorsMixin,
    search_text_field,
    ubigeo_option,
)
from sistra.core.models import Country, Term, Ubigeo
from sistra.core.views_lookup import ubigeo_matches

from .access import can_see_identity, log_persons_shown, visible_persons
from .models import IdentityDocument, Person
from .selectors import name_key, person_search

PICKER_LIMIT = 15


def person_label(person: Person, *, identity: bool) -> str:
    if not identity:
        return person.code
    parts = [person.full_name]
    docs = [str(d) for d in person.documents.all()]
    if docs:
        parts.append(", ".join(docs))
    if person.date_of_birth or person.estimated_age is not None:
        age = person.age_on(timezone.localdate())
        if age is not None:
            parts.append(gettext("%(age)s años") % {"age": age})
    parts.append(person.code)
    return " · ".join(str(p) for p in parts)


def person_options(actor, text: str, *, chosen: str = "") -> list[PickerOption]:
    """Persons the user may see that match the text: by name when the user may see identities, otherwise
    only by their exact pseudonym code (a name search would reveal who is registered)."""
    text = (text or "").strip()
    if not text:
        return []
    identity = can_see_identity(actor)
    if identity:
        qs = person_search(actor, text)
    else:
        qs = visible_persons(actor).filter(code=text.upper())
    # names are encrypted (ADR 0210): the page of options is sorted by name here, not by the database
    persons = sorted(qs.prefetch_related("documents").order_by("pk")[:PICKER_LIMIT], key=name_key)
    if identity:  # the options name them: reads on record
        log_persons_shown(actor, persons, detail=gettext("selector de personas"))
    return [PickerOption(value=str(p.uuid), label=person_label(p, identity=identity), checked=str(p.uuid) == chosen)
            for p in persons]


class PickerMixin:
    """Forms with search pickers: `ubigeo_pickers` and `person_pickers` name the chosen-value fields; each
    has a companion "<name>_q" text field. Without JavaScript the "Buscar" button posts the form back and the
    options are rendered from the search text; with htmx the lookup views render the same options."""

    ubigeo_pickers: tuple[str, ...] = ()
    person_pickers: tuple[str, ...] = ()
    actor = None

    def suppress_errors(self) -> None:
        """A search round-trip is not a submission: show the values typed so far without error messages."""
        self._errors = ErrorDict()

    def _raw(self, name: str) -> str:
        bound = self[name]
        value = bound.value()
        return "" if value is None else str(value)

    def _chosen_ubigeo(self, name: str) -> Ubigeo | None:
        value = self._raw(name)
        if not value:
            return None
        return Ubigeo.objects.select_related("parent__parent").filter(code=value).first()

    def _chosen_person(self, name: str) -> Person | None:
        value = self._raw(name)
        if not value:
            return None
        try:
            return visible_persons(self.actor).prefetch_related("documents").filter(uuid=value).first()
        except ValidationError:
            return None

    @property
    def pickers(self) -> dict[str, Picker]:
        if hasattr(self, "_pickers"):
            return self._pickers
        result = {}
        for name in self.ubigeo_pickers:
            chosen = self._chosen_ubigeo(name)
            text = self._raw(f"{name}_q")
            options = [ubigeo_option(chosen, checked=True)] if chosen else []
            options += [ubigeo_option(u) for u in ubigeo_matches(text) if not chosen or u.code != chosen.code]
            result[name] = Picker(field=self[name], query=self[f"{name}_q"], options=options,
                                  searched=bool(text.strip()), kind="ubigeo")
        for name in self.person_pickers:
            chosen = self._chosen_person(name)
            identity = can_see_identity(self.actor)
            text = self._raw(f"{name}_q")
            options = ([PickerOption(value=str(chosen.uuid), label=person_label(chosen, identity=identity),
                                     checked=True)] if chosen else [])
            options += [o for o in person_options(self.actor, text) if not chosen or o.value != str(chosen.uuid)]
            result[name] = Picker(field=self[name], query=self[f"{name}_q"], options=options,
                                  searched=bool(text.strip()), kind="person")
        self._pickers = result
        return result


class PersonForm(ServiceErrorsMixin, PickerMixin, forms.Form):
    ubigeo_pickers = ("ubigeo_origin", "ubigeo_residence")

    first_names = forms.CharField(label=_("Nombres"), max_length=120)
    last_name_paternal = forms.CharField(label=_("Apellido paterno"), max_length=80, required=False)
    last_name_maternal = forms.CharField(label=_("Apellido materno"), max_length=80, required=False)
    aliases = forms.CharField(label=_("Alias"), required=False, max_length=500,
                              help_text=_("Separe varios alias con comas."))
    sex = forms.ChoiceField(label=_("Sexo / género"), choices=Person.Sex.choices, initial=Person.Sex.UNKNOWN)
    date_of_birth = DayField(label=_("Fecha de nacimiento"), required=False)
    estimated_age = forms.IntegerField(label=_("Edad estimada (años)"), required=False, min_value=0, max_value=120,
                                       help_text=_("Solo si no se conoce la fecha de nacimiento."))
    nationality = forms.ModelChoiceField(label=_("Nacionalidad"), queryset=Country.objects.all(),
                                         to_field_name="code", required=False, empty_label=_("— Sin información —"))
    languages = forms.ModelMultipleChoiceField(
        label=_("Idiomas"), required=False, to_field_name="code", widget=forms.CheckboxSelectMultiple,
        queryset=Term.objects.filter(vocabulary=Term.Vocabulary.LANGUAGE, is_active=True),
    )
    ubigeo_origin = forms.ModelChoiceField(label=_("Lugar de origen en el Perú"), required=False,
                                           to_field_name="code", widget=forms.RadioSelect,
                                           queryset=Ubigeo.objects.select_related("parent__parent"))
    ubigeo_origin_q = search_text_field(_("Buscar lugar de origen (departamento, provincia o distrito)"))
    country_origin = forms.ModelChoiceField(
        label=_("País de origen (si nació fuera del Perú)"), queryset=Country.objects.exclude(code="PE"),
        to_field_name="code", required=False, empty_label=_("— Perú o sin información —"),
    )
    ubigeo_residence = forms.ModelChoiceField(label=_("Lugar de residencia"), required=False,
                                              to_field_name="code", widget=forms.RadioSelect,
                                              queryset=Ubigeo.objects.select_related("parent__parent"))
    ubigeo_residence_q = search_text_field(_("Buscar lugar de residencia (departamento, provincia o distrito)"))
    notes = forms.CharField(label=_("Observaciones"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, actor=None, **kwargs):
        self.actor = actor
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if data.get("date_of_birth") and data.get("estimated_age") is not None:
            self.add_error("estimated_age", _("Indique la fecha de nacimiento o la edad estimada, no ambas."))
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        names = ("first_names", "last_name_paternal", "last_name_maternal", "sex", "date_of_birth", "estimated_age",
                 "nationality", "ubigeo_origin", "country_origin", "ubigeo_residence", "notes")
        kwargs = {name: data[name] for name in names}
        kwargs["aliases"] = [a.strip() for a in (data.get("aliases") or "").split(",") if a.strip()]
        kwargs["languages"] = list(data.get("languages") or [])
        return kwargs


class PersonEditForm(PersonForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class DocumentForm(PlainLabelsMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Tipo de documento"), required=False,
                             choices=[("", _("— Ninguno —")), *IdentityDocument.Kind.choices])
    number = forms.CharField(label=_("Número"), required=False, max_length=30,
                             widget=forms.TextInput(attrs={"autocomplete": "off"}))
    country = forms.ModelChoiceField(label=_("País emisor"), queryset=Country.objects.all(), to_field_name="code",
                                     required=False, empty_label=_("— Perú / no aplica —"),
                                     help_text=_("Para carné de extranjería o pasaporte."))

    def clean(self):
        data = super().clean()
        if data.get("number") and not data.get("kind"):
            self.add_error("kind", _("Indique el tipo de documento."))
        if data.get("kind") and not (data.get("number") or "").strip():
            self.add_error("number", _("Indique el número del documento."))
        return data


DocumentFormSet = forms.formset_factory(DocumentForm, extra=2, max_num=6)


def documents_from(formset) -> list:
    from .services import DocumentInput

    return [DocumentInput(kind=f.cleaned_data["kind"], number=f.cleaned_data["number"],
                          country=f.cleaned_data.get("country"))
            for f in formset.forms if f.cleaned_data.get("kind") and f.cleaned_data.get("number")]


class PersonSearchForm(PlainLabelsMixin, forms.Form):
    q = forms.CharField(label=_("Nombre, alias o código"), required=False, max_length=120,
                        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}))
