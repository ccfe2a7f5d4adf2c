from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HotlineConfig(AppConfig):
    name = "sistra.hotline"
    label = "hotline"
    verbose_name = _("Línea de ayuda 0800-2-3232")

    def ready(self) -> None:
        from sistra.people.access import register_person_visibility

        from .access import persons_linked_to_contacts

        register_person_visibility(persons_linked_to_contacts)

        from sistra.core.demo import register_demo_loader

        from .demo import load_hotline_demo

        register_demo_loader("hotline", load_hotline_demo)
