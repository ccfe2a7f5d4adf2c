"""get_<field>_display() of SISTRA's records answers as Django's does, from labels translated once per field and
language (sistra.core.choice_labels.ChoiceLabels, ADR 0228)."""

import pytest
from django.apps import apps
from django.db import models
from django.utils import translation

from sistra.core.choice_labels import ChoiceLabels


def choice_fields() -> list[tuple[type, models.Field]]:
    """Every field with choices of SISTRA's own models."""
    return [(model, field) for model in apps.get_models() if model.__module__.startswith("sistra.")
            for field in model._meta.concrete_fields if field.choices]


def test_every_record_with_choices_uses_the_kept_labels():
    found = choice_fields()
    assert len(found) > 60  # users' roles, contacts, cases, access log, assistance, clinic, prevention…
    for model in {model for model, _field in found}:
        # a new model with choices takes ChoiceLabels among its bases (or PublicModel); one whose choices come
        # from a callable or the database must not, and would be listed here as an exception
        assert issubclass(model, ChoiceLabels), model
        assert model._get_FIELD_display is ChoiceLabels._get_FIELD_display, model


@pytest.mark.parametrize("language", ["es", "en"])
def test_each_label_is_djangos_in_each_language(language):
    with translation.override(language):
        for model, field in choice_fields():
            record = model()
            for value, _label in field.flatchoices:
                setattr(record, field.attname, value)
                assert record._get_FIELD_display(field) == models.Model._get_FIELD_display(record, field)
            # a stored value no longer among the choices, and an empty one, come back as Django gives them
            for value in ("valor-retirado", None, ""):
                setattr(record, field.attname, value)
                assert record._get_FIELD_display(field) == models.Model._get_FIELD_display(record, field)


def test_the_label_follows_the_language_of_the_request():
    from sistra.hotline.models import Contact

    contact = Contact(channel=Contact.Channel.PHONE)
    with translation.override("es"):
        spanish = contact.get_channel_display()
    with translation.override("en"):
        english = contact.get_channel_display()
    with translation.override("es"):
        assert contact.get_channel_display() == spanish
    assert spanish != english and isinstance(english, str)
