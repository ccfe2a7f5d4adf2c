"""Reads of the clinic that matter: the tablet's packet, the lists of the web screens."""

import datetime

from django.db.models import Prefetch, QuerySet

from sistra.accounts.models import Agency
from sistra.accounts.types import Actor
from sistra.assistance.services import receiving_agencies
from sistra.core.models import Term
from sistra.people.models import Person

from . import access, cie10
from .models import Consultation, Itinerary, Patient, Screening, Service, Visit


def current_itineraries(actor: Actor, *, on: datetime.date) -> QuerySet[Itinerary]:
    """The itineraries the user travels on that have not ended."""
    return (
        access.visible_itineraries(actor)
        .filter(members=actor, ends_on__gte=on)
        .prefetch_related(
            Prefetch(
                "visits", queryset=Visit.objects.select_related("community__district").order_by("planned_on")
            )
        )
    )


def itinerary_packet(actor: Actor, *, on: datetime.date) -> dict:
    """What the tablet takes on the road: the user's itineraries and their communities, the reference lists, and
    the patients already known in those communities — only what the work needs (no screening, no
    consultation history)."""
    itineraries = list(current_itineraries(actor, on=on))
    communities = {}
    visits = []
    for itinerary in itineraries:
        for visit in itinerary.visits.all():
            c = visit.community
            communities[c.pk] = {
                "uuid": str(c.uuid),
                "name": c.name,
                "centro_poblado": c.centro_poblado,
                "district": c.district_id,
                "district_name": c.district.name,
                "access": c.access,
                "population": c.population,
            }
            visits.append(
                {
                    "uuid": str(visit.uuid),
                    "itinerary": str(itinerary.uuid),
                    "community": str(c.uuid),
                    "planned_on": visit.planned_on.isoformat(),
                    "version": visit.version,
                }
            )
    patients = []
    if access.is_clinical(actor):
        qs = (
            access.visible_patients(actor)
            .filter(community_id__in=communities)
            .select_related("person", "community", "language")
        )
        for p in qs:
            person = p.person
            patients.append(
                {
                    "uuid": str(p.uuid),
                    "code": person.code,
                    "community": str(p.community.uuid),
                    "name": "" if p.name_refused else person.full_name,
                    "name_refused": p.name_refused,
                    "sex": person.sex,
                    "age": person.age_on(on),
                    "language": p.language.code if p.language else "",
                    "version": p.version,
                }
            )
    profession = access.profession_of(actor)
    services = [
        {"code": code, "name": str(label)}
        for code, label in Service.choices
        if profession in access.SERVICE_PROFESSIONS[code]
    ]
    reference = {
        "services": services,
        "cie10": [{"code": code, "title": title} for code, title in cie10.codes().items()],
        "languages": [
            {"code": t.code, "name": t.name_es}
            for t in Term.objects.filter(vocabulary=Term.Vocabulary.LANGUAGE, is_active=True)
        ],
        "sexes": [{"code": c, "name": str(label)} for c, label in Person.Sex.choices],
    }
    if access.can_screen(actor):
        reference["indicators"] = [
            {"code": c, "name": str(label)} for c, label in Screening.Indicator.choices
        ]
        reference["results"] = [{"code": c, "name": str(label)} for c, label in Screening.Result.choices]
        reference["consents"] = [{"code": c, "name": str(label)} for c, label in Screening.Consent.choices]
        reference["receiving_agencies"] = [
            {"code": a.code, "name": a.name}
            for a in receiving_agencies()
            .exclude(pk=actor.agency_id)
            .exclude(kind=Agency.Kind.HEALTH)
            .order_by("name")
        ]
    return {
        "generated_on": on.isoformat(),
        "profession": profession,
        "can_screen": access.can_screen(actor),
        "itineraries": [
            {
                "uuid": str(i.uuid),
                "name": i.name,
                "starts_on": i.starts_on.isoformat(),
                "ends_on": i.ends_on.isoformat(),
            }
            for i in itineraries
        ],
        "communities": list(communities.values()),
        "visits": visits,
        "patients": patients,
        "reference": reference,
    }


def consultation_list(actor: Actor) -> QuerySet[Consultation]:
    return access.visible_consultations(actor).select_related("patient__person", "community", "professional")


def patient_list(actor: Actor) -> QuerySet[Patient]:
    return access.visible_patients(actor).select_related("person", "community", "language")
