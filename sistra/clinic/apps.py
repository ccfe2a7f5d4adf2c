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

        from sistra.core.demo import register_demo_loader

        from .demo import load_clinic_demo

        register_demo_loader("clinic", lambda *, agencies: load_clinic_demo())
