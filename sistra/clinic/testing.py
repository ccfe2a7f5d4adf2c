"""Builders for the clinic's tests, browser test and benchmark: a team with one user per profession, the
Madre de Dios communities and an itinerary through them."""

import datetime

from sistra.accounts.capabilities import Role
from sistra.accounts.models import Agency
from sistra.core.models import Ubigeo

from .models import ClinicMember, Community, Itinerary, Profession, Visit

# name, centro poblado, district ubigeo (INEI), access, approximate population
COMMUNITIES = [
    ("Huepetuhe", "Huepetuhe", "170204", "road", 7000),
    ("Delta 1", "Delta 1", "170203", "river", 1500),
    ("Mazuko", "Mazuko", "170102", "road", 4500),
    ("La Pampa", "La Pampa (km 108)", "170102", "road", 3000),
    ("Laberinto", "Puerto Rosario de Laberinto", "170104", "road_river", 2500),
]


def ensure_communities(agency) -> list[Community]:
    result = []
    for name, centro, district, access_by, population in COMMUNITIES:
        community, _created = Community.objects.get_or_create(
            agency=agency,
            name=name,
            district=Ubigeo.objects.get(code=district),
            defaults={"centro_poblado": centro, "access": access_by, "population": population},
        )
        result.append(community)
    return result


def ensure_itinerary(
    agency, *, name: str, starts_on: datetime.date, members=(), communities=None, days_per_stop: int = 1
) -> Itinerary:
    """Built directly (the demo and tests need it without a supervisor's session); the service
    itinerary_create is tested on its own."""
    communities = communities if communities is not None else ensure_communities(agency)
    ends_on = starts_on + datetime.timedelta(days=max(len(communities) * days_per_stop - 1, 0))
    itinerary, created = Itinerary.objects.get_or_create(
        agency=agency, name=name, defaults={"starts_on": starts_on, "ends_on": ends_on}
    )
    if created:
        for i, community in enumerate(communities):
            Visit.objects.create(
                itinerary=itinerary,
                community=community,
                planned_on=starts_on + datetime.timedelta(days=i * days_per_stop),
            )
    itinerary.members.add(*members)
    return itinerary


def ensure_member(user, profession: str, *, is_supervisor: bool = False) -> ClinicMember:
    member, _created = ClinicMember.objects.update_or_create(
        user=user, defaults={"profession": profession, "is_supervisor": is_supervisor}
    )
    return member


def make_team(
    *, code: str = "caravana", name: str = "Caravana de la Vida", user_factory=None, prefix: str = ""
):
    """A health agency with one health worker per profession; returns (agency, {profession: user})."""
    from sistra.core.testing import AgencyFactory, UserFactory

    factory = user_factory or UserFactory
    agency = AgencyFactory(code=code, name=name, kind=Agency.Kind.HEALTH)
    users = {}
    for profession in Profession.values:
        user = factory(username=f"{prefix}{profession}", agency=agency, role=Role.HEALTH_WORKER)
        ensure_member(user, profession, is_supervisor=profession == Profession.DOCTOR)
        users[profession] = user
    return agency, users
