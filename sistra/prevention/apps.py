from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PreventionConfig(AppConfig):
    name = "sistra.prevention"
    verbose_name = _("Prevención")

    def ready(self):
        from sistra.stats.sources import register_source

        from .figures import SOURCE

        register_source(SOURCE)

        from sistra.core.demo import register_demo_loader

        from .demo import load_demo_part

        register_demo_loader("prevention", load_demo_part)
