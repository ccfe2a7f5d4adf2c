"""The only way to fetch the clinic's records for a user, and who may do what.

- Communities and itineraries: every member of the team (the health agency), the driver included.
- Patients and consultations: the team's clinical professions (not the driver).
- A trafficking screening: only the team's screening professions (doctor, obstetrician, nurse) — never the
  dentist, the laboratory, the driver or the promoter — and the agency that received its referral (users who
  receive referrals). Analysts never see one; statistics get suppressed counts only.
Anything else is a 404, so its existence is not revealed."""

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404

from sistra.accounts.capabilities import Capability, Role, has_capability
from sistra.accounts.models import Agency
from sistra.accounts.types import Actor, agency_id_of

from .models import (
    ClinicMember,
    Community,
    Consultation,
    Itinerary,
    Patient,
    Profession,
    Screening,
    SyncConflict,
)

P = Profession
CLINICAL_PROFESSIONS = frozenset({P.DOCTOR, P.OBSTETRICIAN, P.DENTIST, P.NURSE, P.LAB_TECH, P.PROMOTER})
SCREENING_PROFESSIONS = frozenset({P.DOCTOR, P.OBSTETRICIAN, P.NURSE})
# which professions may record a consultation of each service
SERVICE_PROFESSIONS = {
    "medicina_general": {P.DOCTOR, P.NURSE},
    "triaje": {P.DOCTOR, P.NURSE, P.OBSTETRICIAN, P.PROMOTER},
    "control_prenatal": {P.OBSTETRICIAN, P.DOCTOR},
    "planificacion_familiar": {P.OBSTETRICIAN, P.DOCTOR, P.NURSE},
    "odontologia": {P.DENTIST},
    "laboratorio": {P.LAB_TECH, P.DOCTOR},
}


def member(actor: Actor) -> ClinicMember | None:
    """The user's place on a clinic team: a health worker of a health agency with a profession, else None."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return None
    if actor.role != Role.HEALTH_WORKER or not actor.agency_id:
        return None
    found = getattr(actor, "_clinic_member_cache", None)
    if found is None:
        found = (
            ClinicMember.objects.filter(user=actor, user__agency__kind=Agency.Kind.HEALTH).first() or False
        )
        actor._clinic_member_cache = found  # type: ignore[attr-defined]  # cached for the request
    return found if isinstance(found, ClinicMember) else None


def profession_of(actor: Actor) -> str:
    m = member(actor)
    return m.profession if m else ""


def is_team_member(actor: Actor) -> bool:
    return member(actor) is not None


def is_clinical(actor: Actor) -> bool:
    return profession_of(actor) in CLINICAL_PROFESSIONS


def can_screen(actor: Actor) -> bool:
    return profession_of(actor) in SCREENING_PROFESSIONS


def is_supervisor(actor: Actor) -> bool:
    m = member(actor)
    return bool(m and m.is_supervisor)


def visible_communities(actor: Actor) -> QuerySet[Community]:
    if not is_team_member(actor):
        return Community.objects.none()
    return Community.objects.filter(agency_id=agency_id_of(actor))


def visible_itineraries(actor: Actor) -> QuerySet[Itinerary]:
    if not is_team_member(actor):
        return Itinerary.objects.none()
    return Itinerary.objects.filter(agency_id=agency_id_of(actor))


def visible_patients(actor: Actor) -> QuerySet[Patient]:
    if not is_clinical(actor):
        return Patient.objects.none()
    return Patient.objects.filter(agency_id=agency_id_of(actor))


def visible_consultations(actor: Actor) -> QuerySet[Consultation]:
    if not is_clinical(actor):
        return Consultation.objects.none()
    return Consultation.objects.filter(agency_id=agency_id_of(actor))


def visible_screenings(actor: Actor) -> QuerySet[Screening]:
    condition = Q(pk__in=[])
    if can_screen(actor):
        condition |= Q(agency_id=agency_id_of(actor))
    if getattr(actor, "agency_id", None) and has_capability(actor, Capability.REFERRAL_RECEIVE):
        condition |= Q(referral__to_agency_id=agency_id_of(actor))
    return Screening.objects.filter(condition)


def _get(qs, key):
    try:
        return qs.get(uuid=key)
    except (qs.model.DoesNotExist, ValidationError, ValueError, TypeError):
        raise Http404 from None


def access_patient(actor: Actor, key) -> Patient:
    return _get(visible_patients(actor).select_related("person", "community", "language"), key)


def access_consultation(actor: Actor, key) -> Consultation:
    return _get(
        visible_consultations(actor).select_related("patient__person", "community", "professional"), key
    )


def access_screening(actor: Actor, key) -> Screening:
    return _get(
        visible_screenings(actor).select_related(
            "patient__person", "community", "screened_by", "referral__to_agency"
        ),
        key,
    )


def access_community(actor: Actor, key) -> Community:
    return _get(visible_communities(actor).select_related("district"), key)


def access_itinerary(actor: Actor, key) -> Itinerary:
    return _get(visible_itineraries(actor), key)


def visible_conflicts(actor: Actor) -> QuerySet[SyncConflict]:
    if not is_supervisor(actor):
        return SyncConflict.objects.none()
    qs = SyncConflict.objects.filter(agency_id=agency_id_of(actor))
    if not can_screen(actor):
        # both values of a screening field are screening answers
        qs = qs.exclude(entity="screening")
    return qs


def access_conflict(actor: Actor, key) -> SyncConflict:
    return _get(visible_conflicts(actor), key)
