from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "sistra.people"
    label = "people"
    verbose_name = _("Registro de personas")

    def ready(self) -> None:
        from sistra.audit.scopes import register_audit_scope

        from .access import persons_of_agency_for_audit

        register_audit_scope(persons_of_agency_for_audit)
