"""Form pieces every part of SISTRA shares: the Peruvian date field, labels without a colon, a service's
errors mapped onto the form, the radio options of the search pickers and the ubigeo option. Domain pickers (a
person) build on these in their own app (people.forms.PickerMixin)."""

from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from sistra.core.models import Ubigeo

# Peru writes day first whatever language the interface speaks: an English screen must not read 05/11 as
# May 11th, so the formats are fixed here instead of taken from the active locale.
DAY_INPUT_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d"]


class DayField(forms.DateField):
    widget = forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": _("dd/mm/aaaa"), "autocomplete": "off",
                                                       "inputmode": "numeric", "class": "input-date"})
    input_formats = DAY_INPUT_FORMATS
    default_error_messages = {"invalid": _("Escriba la fecha como dd/mm/aaaa, por ejemplo 22/11/2026.")}


class PlainLabelsMixin:
    """Labels without Django's trailing colon: cleaner to read aloud and to find by their exact text."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class ServiceErrorsMixin(PlainLabelsMixin):
    """Attach a service's ValidationError to the fields it names; messages for names the form lacks
    (e.g. "documents") and messages without a field go to the top of the form."""

    field_aliases: dict[str, str] = {}

    def add_service_errors(self, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            for name, errors in exc.message_dict.items():
                name = self.field_aliases.get(name, name)
                target = name if name in self.fields else None
                self.add_error(target, errors)
        else:
            self.add_error(None, exc.messages)


@dataclass
class PickerOption:
    value: str
    label: str
    checked: bool = False


@dataclass
class Picker:
    """What a search picker shows: the search box, and radio options (the chosen one and the matches)."""

    field: object  # the BoundField of the chosen value
    query: object  # the BoundField of the search text
    options: list[PickerOption] = field(default_factory=list)
    searched: bool = False
    kind: str = "ubigeo"

    @property
    def results_id(self) -> str:
        return f"{self.field.html_name}-options"


def ubigeo_option(ubigeo: Ubigeo, *, checked: bool = False) -> PickerOption:
    return PickerOption(value=ubigeo.code, label=f"{ubigeo.full_name} ({ubigeo.get_level_display().lower()})",
                        checked=checked)


def search_text_field(label):
    return forms.CharField(label=label, required=False, max_length=120,
                           widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}))
