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

        from sistra.audit.masking import register_identity_rule
        from sistra.audit.subjects import register_person_model

        from .access import can_see_identity, persons_whose_identity_is_visible
        from .models import Person

        register_person_model(Person)
        register_identity_rule("people.person", persons_whose_identity_is_visible, check=can_see_identity)
