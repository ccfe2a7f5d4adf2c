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

        from sistra.audit.masking import register_identity_keys, register_identity_rule
        from sistra.audit.subjects import register_case_model

        from .access import can_see_case_identity, cases_whose_identity_is_visible
        from .models import Case

        register_case_model(Case)
        register_identity_rule("cases.case", cases_whose_identity_is_visible, check=can_see_case_identity)
        # a case's title names its people, an event's reason may; a person's or an event's title does not
        register_identity_keys("cases.case", {"title"})
        register_identity_keys("cases.caseevent", {"reason"})

        from sistra.core.demo import register_demo_loader

        from .demo import load_case_shares_demo, load_cases_demo

        register_demo_loader("cases", load_cases_demo, options=("cases",))
        register_demo_loader("case_shares", load_case_shares_demo)
