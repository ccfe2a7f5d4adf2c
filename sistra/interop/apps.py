from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteropConfig(AppConfig):
    name = "sistra.interop"
    label = "interop"
    verbose_name = _("Intercambio de datos (HTCDS)")

    def ready(self):
        from .exchange import register_formats

        register_formats()
