from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "sistra.stats"
    label = "stats"
    verbose_name = _("Estadísticas, mapas y datos abiertos")

    def ready(self) -> None:
        from .sources import register_source
        from .sources.assistance import SOURCE as ASSISTANCE
        from .sources.cases import SOURCE as CASES
        from .sources.hotline import SOURCE as HOTLINE

        register_source(CASES)
        register_source(HOTLINE)
        register_source(ASSISTANCE)
