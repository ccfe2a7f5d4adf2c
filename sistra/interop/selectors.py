"""Reads for data exchange: the victims an export may contain (only through the cases' access functions), and
the user a console command acts as."""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Prefetch
from django.utils.translation import gettext as _

from sistra.accounts.capabilities import Role
from sistra.accounts.models import Agency
from sistra.accounts.types import Actor
from sistra.cases.access import can_see_case_identity, visible_cases
from sistra.cases.models import Case, CaseDefendant, CasePlace, CaseVictim
from sistra.people.models import IdentityDocument


@dataclass
class ExportSelection:
    victims: list[CaseVictim] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    # visible cases whose parties' identity the user may not see: left out of an identity export
    withheld_cases: int = 0


def _victim_sort_key(victim: CaseVictim) -> tuple:
    case, person = victim.case, victim.person
    documents = sorted((d.kind, d.number) for d in person.documents.all())
    return (
        case.fiscalia.code,
        case.number,
        person.last_name_paternal,
        person.last_name_maternal,
        person.first_names,
        person.date_of_birth or "",
        documents,
        victim.pk,
    )


def htcds_export_victims(actor: Actor) -> ExportSelection:
    """Every victim of every case the user may see and whose identity the user may see, with everything one
    export row needs fetched in a fixed number of queries, in a stable order (case, then names)."""
    convicted = CaseDefendant.objects.filter(case=OuterRef("case"), outcome=CaseDefendant.Outcome.CONVICTED)
    victims = list(
        CaseVictim.objects.filter(case__in=visible_cases(actor))
        .select_related(
            "case__fiscalia",
            "case__owner_agency",
            "case__distrito_fiscal",
            "case__current_stage",
            "person__nationality",
            "nationality",
            "recruitment_method",
        )
        .prefetch_related(
            "exploitation_forms",
            "control_methods",
            "person__aliases",
            "person__languages",
            Prefetch("person__documents", queryset=IdentityDocument.objects.order_by("kind", "id")),
            Prefetch(
                "case__places", queryset=CasePlace.objects.select_related("ubigeo__parent__parent", "country")
            ),
        )
        .annotate(has_conviction=Exists(convicted))
    )
    selection = ExportSelection()
    allowed: dict[int, bool] = {}
    for victim in victims:
        if victim.case_id not in allowed:
            allowed[victim.case_id] = can_see_case_identity(actor, victim.case)
            if allowed[victim.case_id]:
                selection.cases.append(victim.case)
        if allowed[victim.case_id]:
            selection.victims.append(victim)
    selection.withheld_cases = sum(1 for ok in allowed.values() if not ok)
    selection.victims.sort(key=_victim_sort_key)
    return selection


class ActorNotFound(Exception):
    """No user a console command could act as; the message says why, in Spanish."""


def command_actor(*, agency_code: str | None = None, username: str | None = None):
    """The user a console import/export is attributed to: --user, or else an active prosecutor of --agency."""
    User = get_user_model()
    agency = None
    if agency_code:
        agency = Agency.objects.filter(code=agency_code).first()
        if agency is None:
            raise ActorNotFound(_("No existe la institución «%(code)s».") % {"code": agency_code})
    if username:
        user = User.objects.select_related("agency").filter(username=username, is_active=True).first()
        if user is None:
            raise ActorNotFound(_("No existe un usuario activo «%(user)s».") % {"user": username})
        if agency is not None and user.agency_id != agency.pk:
            raise ActorNotFound(
                _("El usuario «%(user)s» no pertenece a la institución «%(code)s».")
                % {"user": username, "code": agency_code}
            )
        return user
    if agency is None:
        raise ActorNotFound(
            _(
                "Indique la institución (--agency CÓDIGO) o el usuario (--user USUARIO) a cuyo "
                "nombre se hace la operación."
            )
        )
    user = (
        User.objects.select_related("agency")
        .filter(agency=agency, role=Role.PROSECUTOR, is_active=True)
        .order_by("username")
        .first()
    )
    if user is None:
        raise ActorNotFound(
            _("La institución «%(code)s» no tiene ningún fiscal activo; indique el usuario con --user.")
            % {"code": agency_code}
        )
    return user
