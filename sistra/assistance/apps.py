from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistanceConfig(AppConfig):
    name = "sistra.assistance"
    label = "assistance"
    verbose_name = _("Identificación, asistencia y derivaciones")

    def ready(self) -> None:
        from sistra.people.access import register_person_visibility

        from . import timeline, timeline_return
        from .access import persons_in_assistance

        register_person_visibility(persons_in_assistance)
        timeline.register_builtin_sources()
        timeline_return.register()

        from sistra.core.demo import register_demo_loader

        from .demo import load_assistance_demo

        register_demo_loader("assistance", load_assistance_demo)

        from sistra.audit.masking import register_identity_rule

        from .access import assistance_cases_whose_identity_is_visible, can_see_assistance_case_identity

        register_identity_rule("assistance.assistancecase", assistance_cases_whose_identity_is_visible,
                               check=can_see_assistance_case_identity)
