from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeadlinesConfig(AppConfig):
    name = "sistra.deadlines"
    label = "deadlines"
    verbose_name = _("Plazos y avisos")

    def ready(self) -> None:
        from sistra.core.demo import register_demo_loader

        from .demo import load_deadlines_demo

        register_demo_loader("deadlines", load_deadlines_demo)
