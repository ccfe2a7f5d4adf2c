from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Synthetic data for demonstrations and benchmarks (`sistra seed`). It stands above the domain apps and
    drives their seeders, so that the base apps (core, accounts, audit) need import none of them."""

    name = "sistra.demo"
    label = "demo"
    verbose_name = _("Datos sintéticos")
