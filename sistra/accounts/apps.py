from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "sistra.accounts"
    label = "accounts"
    verbose_name = _("Instituciones y usuarios")

    def ready(self):
        from . import signals

        signals.connect()
