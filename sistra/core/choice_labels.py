"""A record's choice labels translated once per field and language (ADR 0228).

Django's `get_<field>_display()` builds a dictionary of every choice of the field on each call, translating each
label; a list page showing a few such fields on each row made ~1,200 translations a request. `ChoiceLabels`, a
base of SISTRA's models, answers the same from labels kept per field and active language. The choices of
SISTRA's models are fixed lists (no callables): the kept labels cannot go stale.
"""

from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import get_language

# {(field, language): {stored value: label as text}}
_labels: dict[tuple, dict] = {}


def choice_labels(field, language: str | None) -> dict:
    """A field's choices as a dictionary of labels already translated into the language."""
    key = (field, language)
    labels = _labels.get(key)
    if labels is None:
        labels = _labels[key] = {make_hashable(value): str(label) for value, label in field.flatchoices}
    return labels


class ChoiceLabels:
    """Put before models.Model (or its abstract base) in a model's bases: Django binds get_<field>_display to
    the class's _get_FIELD_display when the model class is made."""

    def _get_FIELD_display(self, field):
        """What Django's answers (a value not among the choices comes back as itself), from the kept labels."""
        value = getattr(self, field.attname)
        return force_str(choice_labels(field, get_language()).get(make_hashable(value), value), strings_only=True)
