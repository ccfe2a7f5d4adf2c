from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "sistra.cases"
    label = "cases"
    verbose_name = _("Casos penales")

    def ready(self) -> None:
        from sistra.people.access import register_person_visibility

        from .access import persons_in_visible_cases

        register_person_visibility(persons_in_visible_cases)

        from sistra.audit.scopes import register_audit_scope

        from .access import cases_of_agency_for_audit

        register_audit_scope(cases_of_agency_for_audit)
