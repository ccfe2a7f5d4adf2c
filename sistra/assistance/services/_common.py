"""What every service of the assistance pathway shares: permission and state checks, the case's lock,
snapshot and version, the decision organisation and channel by agency kind."""


from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from sistra.accounts.capabilities import Capability
from sistra.accounts.models import Agency
from sistra.audit.services import snapshot
from sistra.core.validation import check_order

from ..models import (
    AssistanceCase,
    Consent,
)

C = Capability

CASE_EDIT_FIELDS = ("caseworker", "identification_place", "current_ubigeo", "current_location", "notes")
_DECISION_ORG_BY_KIND = {
    Agency.Kind.POLICE: AssistanceCase.DecisionOrg.POLICE,
    Agency.Kind.FISCALIA: AssistanceCase.DecisionOrg.COURT_OR_PROSECUTION,
    Agency.Kind.COURT: AssistanceCase.DecisionOrg.COURT_OR_PROSECUTION,
    Agency.Kind.NGO: AssistanceCase.DecisionOrg.NGO,
    Agency.Kind.INTERNATIONAL: AssistanceCase.DecisionOrg.OTHER,
    Agency.Kind.OTHER: AssistanceCase.DecisionOrg.OTHER,
}
_CHANNEL_BY_KIND = {
    Agency.Kind.HOTLINE: AssistanceCase.Channel.HOTLINE,
    Agency.Kind.HEALTH: AssistanceCase.Channel.CLINIC,
    Agency.Kind.POLICE: AssistanceCase.Channel.POLICE,
    Agency.Kind.FISCALIA: AssistanceCase.Channel.PROSECUTOR,
    Agency.Kind.NGO: AssistanceCase.Channel.NGO,
    Agency.Kind.INTERNATIONAL: AssistanceCase.Channel.NGO,
}


def decision_org_for(agency) -> str:
    """The HTCDS type of organisation of an agency, as the default for who determined the status."""
    if agency is None:
        return ""
    return _DECISION_ORG_BY_KIND.get(agency.kind, AssistanceCase.DecisionOrg.GOVERNMENT)


def channel_for(agency) -> str:
    if agency is None:
        return AssistanceCase.Channel.OTHER
    return _CHANNEL_BY_KIND.get(agency.kind, AssistanceCase.Channel.OTHER)


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("Su rol o su institución no le permiten realizar esta acción."))


def _require_open(case: AssistanceCase) -> None:
    if not case.is_open:
        raise ValidationError(_("El caso %(code)s está cerrado: reábralo antes de registrar cambios.")
                              % {"code": case.code})


def _not_before_identification(errors: dict, name: str, day, case: AssistanceCase, label: str) -> None:
    check_order(errors, name, case.identified_on, day, _("la identificación"), label)


def _case_snapshot(case: AssistanceCase) -> dict:
    data = snapshot(case)
    data["criminal_cases"] = sorted(str(u) for u in case.criminal_cases.values_list("uuid", flat=True))
    return data


def _lock_case(case: AssistanceCase) -> AssistanceCase:
    return AssistanceCase.objects.select_for_update().select_related("person", "owner_agency").get(pk=case.pk)


def _touch(case: AssistanceCase) -> None:
    """Any change to a part of the case bumps its version, so a concurrent edit is detected."""
    from django.db.models import F

    AssistanceCase.objects.filter(pk=case.pk).update(version=F("version") + 1, updated_at=timezone.now())
    case.refresh_from_db(fields=["version", "updated_at"])

def active_consent(case: AssistanceCase, kind: str, agency=None) -> Consent | None:
    qs = Consent.objects.filter(case=case, kind=kind, withdrawn_on__isnull=True)
    if agency is not None:
        qs = qs.filter(agency=agency)
    return qs.first()
