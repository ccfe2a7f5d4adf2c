from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "sistra.core"
    label = "core"
    verbose_name = _("Datos de referencia")

    def ready(self):
        from django.db.models import fields

        from . import checks  # noqa: F401 — registers the static files and key checks
        from .crypto import keys

        keys()  # missing or malformed keys stop start-up here, with a Spanish message
        from .api_contract import text_fields_take_only_text

        text_fields_take_only_text()

        # the first line of a required list: Django 6.1's "- Select an option -" has no Spanish translation
        fields.BLANK_CHOICE_LABEL = _("— Elija una opción —")

        from .choices import connect

        connect()  # drop-down lists of reference data read once per minute, not on every page (ADR 0223)
