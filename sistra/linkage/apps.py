from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LinkageConfig(AppConfig):
    name = "sistra.linkage"
    label = "linkage"
    verbose_name = _("Vinculación de registros")

    def ready(self) -> None:
        from django.apps import apps

        from sistra.people.services import register_person_saved_hook

        from .selectors import visible_linked_persons
        from .services import link_new_person_later

        register_person_saved_hook(link_new_person_later)
        if apps.is_installed("sistra.assistance"):
            from sistra.assistance.timeline import register_linked_persons

            register_linked_persons(visible_linked_persons)
