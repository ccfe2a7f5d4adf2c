from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LinkageConfig(AppConfig):
    name = "sistra.linkage"
    label = "linkage"
    verbose_name = _("Vinculación de registros")

    def ready(self) -> None:
        from sistra.people.services import register_person_saved_hook

        from .services import link_new_person_later

        register_person_saved_hook(link_new_person_later)
