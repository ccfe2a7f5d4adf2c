from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClinicConfig(AppConfig):
    name = "sistra.clinic"
    label = "clinic"
    verbose_name = _("Clínica móvil")

    def ready(self) -> None:
        from sistra.stats.dashboard import register_dashboard_section

        from .dashboard import clinic_section

        register_dashboard_section(clinic_section)
