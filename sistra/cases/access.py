"""The only way to fetch a criminal case for a user: scoped to the user's agency and the cases shared with
it. A case the user may not see is a 404, so its existence is not revealed."""

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Now
from django.http import Http404

from sistra.accounts.capabilities import Capability, Role, has_capability
from sistra.accounts.types import Actor

from .models import Case, CaseShare

NATIONAL_READ_ROLES = {Role.ANALYST}


def active_shares(agency_id, *, write: bool = False) -> QuerySet[CaseShare]:
    # the database's clock, not Python's: the person rules that test shares are kept compiled (sistra.core.kept)
    qs = CaseShare.objects.filter(agency_id=agency_id, revoked_at__isnull=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=Now())
    )
    if write:
        qs = qs.filter(level=CaseShare.Level.WRITE)
    return qs


# shared cases up to this many are named by id in the condition; beyond, by a subquery
SHARED_BY_ID = 5000


def _agency_condition(agency_id, *, write: bool = False) -> Q:
    """Owned, of the fiscalía, or shared (and not revoked nor expired). The shared cases are read first and
    named by id: with a per-row EXISTS the planner costed "owner OR fiscalía OR shared" at half of all cases,
    so for an agency that sees 12 shared cases of 300,000 it walked the whole list order (0.2 s)."""
    shared = list(active_shares(agency_id, write=write).values_list("case_id", flat=True)[: SHARED_BY_ID + 1])
    if len(shared) > SHARED_BY_ID:
        by_share = Q(Exists(active_shares(agency_id, write=write).filter(case=OuterRef("pk"))))
    else:
        by_share = Q(pk__in=shared)
    return Q(owner_agency_id=agency_id) | Q(fiscalia_id=agency_id) | by_share


def visible_cases(actor: Actor) -> QuerySet[Case]:
    if not has_capability(actor, Capability.CASE_VIEW):
        return Case.objects.none()
    if actor.role in NATIONAL_READ_ROLES:
        # analysts read every case, but only through pseudonyms (can_see_case_identity is False for them)
        return Case.objects.all()
    if not actor.agency_id:
        return Case.objects.none()
    return Case.objects.filter(_agency_condition(actor.agency_id))


def writable_cases(actor: Actor) -> QuerySet[Case]:
    if not has_capability(actor, Capability.CASE_EDIT) or not actor.agency_id:
        return Case.objects.none()
    return Case.objects.filter(_agency_condition(actor.agency_id, write=True))


def access_case(actor: Actor, case_uuid, *, write: bool = False) -> Case:
    qs = writable_cases(actor) if write else visible_cases(actor)
    # a malformed identifier is a 404 too, not a server error
    try:
        return qs.select_related("fiscalia", "distrito_fiscal", "current_stage", "owner_agency").get(uuid=case_uuid)
    except (Case.DoesNotExist, ValidationError, ValueError, TypeError):
        raise Http404 from None


def can_see_case_identity(actor: Actor, case: Case) -> bool:
    """Identity of the parties only for roles that need it and only inside the agency's own or shared cases.
    Minors are protected further: where a case has a minor victim, a read-only share shows pseudonyms; only the
    owning agency, the fiscalía and agencies working the case (read-write share) see names."""
    if not has_capability(actor, Capability.CASE_VIEW_IDENTITY) or not actor.agency_id:
        return False
    if case.owner_agency_id == actor.agency_id or case.fiscalia_id == actor.agency_id:
        return True
    return active_shares(actor.agency_id, write=case.has_minor_victim).filter(case=case).exists()


def cases_whose_identity_is_visible(actor: Actor, uuids: set) -> set:
    """Of these cases' uuids, those whose parties' identity the actor may see (the audit history's masking
    rule): no query without the capability, one query plus at most one per case otherwise."""
    if not uuids or not has_capability(actor, Capability.CASE_VIEW_IDENTITY):
        return set()
    return {c.uuid for c in Case.objects.filter(uuid__in=uuids) if can_see_case_identity(actor, c)}


def can_edit_case(actor: Actor, case: Case) -> bool:
    """For a case already fetched: whether access_case(write=True) would give it too. The case's own agencies
    (owner, fiscalía) are known from the row; only a read-write share needs the database."""
    if not has_capability(actor, Capability.CASE_EDIT) or not actor.agency_id:
        return False
    if actor.agency_id in (case.owner_agency_id, case.fiscalia_id):
        return True
    return writable_cases(actor).filter(pk=case.pk).exists()


def can_share_case(actor: Actor, case: Case) -> bool:
    return has_capability(actor, Capability.CASE_SHARE) and case.owner_agency_id == actor.agency_id


def can_transfer_case(actor: Actor, case: Case) -> bool:
    """Only the fiscalía in charge transfers a case (derivación por competencia) or names its prosecutor, by a
    user who may edit cases."""
    return has_capability(actor, Capability.CASE_EDIT) and bool(actor.agency_id) and (
        actor.agency_id == case.fiscalia_id)


def persons_in_visible_cases(actor: Actor) -> Q:
    """Provider for sistra.people.access: parties of the cases shared with (or owned by) the agency."""
    if not has_capability(actor, Capability.CASE_VIEW) or not actor.agency_id:
        return Q(pk__in=[])
    from .models import CaseDefendant, CaseParty, CaseVictim

    agency = actor.agency_id

    def shared(*, write: bool = False) -> Q:
        return Q(Exists(active_shares(agency, write=write).filter(case=OuterRef("case_id"))))

    # the case's visibility tested on the party's own case (a join from the person's few rows), not "case in
    # every visible case": that list is probed per person and made a search by name scan (issue #16)
    own = Q(case__owner_agency_id=agency) | Q(case__fiscalia_id=agency)
    # a minor victim reaches another agency only through a read-write share (see can_see_case_identity). One
    # EXISTS for both kinds of victim: as two, each person's victim rows were looked up twice (a name search
    # tests thousands of persons)
    victim = own | (Q(is_minor=False) & shared()) | shared(write=True)
    return (
        Q(Exists(CaseVictim.objects.filter(victim, person=OuterRef("pk"))))
        | Q(Exists(CaseDefendant.objects.filter(own | shared(), person=OuterRef("pk"))))
        | Q(Exists(CaseParty.objects.filter(own | shared(), person=OuterRef("pk"))))
    )


def cases_of_agency_for_audit(agency_id):
    """Provider for sistra.audit.scopes: the uuids of the cases an agency owns, prosecutes or was given."""
    return Case.objects.filter(_agency_condition(agency_id)).values_list("uuid", flat=True)
