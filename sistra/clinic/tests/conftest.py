"""The Caravana de la Vida team (one user per profession, the doctor supervises), its itinerary through Madre
de Dios, MIMP that receives referrals, the police, and another clinic team that must see nothing."""

import datetime

import pytest
import time_machine

from sistra.accounts.capabilities import Role
from sistra.accounts.models import Agency
from sistra.clinic.models import Profession
from sistra.clinic.testing import ensure_communities, ensure_itinerary, make_team
from sistra.core.testing import AgencyFactory, UserFactory

TODAY = datetime.date(2026, 3, 10)


@pytest.fixture(autouse=True)
def fixed_day():
    with time_machine.travel(datetime.datetime(2026, 3, 10, 15, 0, tzinfo=datetime.UTC), tick=True):
        yield


@pytest.fixture
def team(db):
    return make_team()


@pytest.fixture
def agency(team):
    return team[0]


@pytest.fixture
def nurse(team):
    return team[1][Profession.NURSE]


@pytest.fixture
def doctor(team):
    return team[1][Profession.DOCTOR]


@pytest.fixture
def dentist(team):
    return team[1][Profession.DENTIST]


@pytest.fixture
def driver(team):
    return team[1][Profession.DRIVER]


@pytest.fixture
def communities(agency):
    return ensure_communities(agency)


@pytest.fixture
def itinerary(agency, team, communities):
    return ensure_itinerary(
        agency,
        name="Ruta Interoceánica marzo",
        starts_on=TODAY - datetime.timedelta(days=3),
        members=list(team[1].values()),
        communities=communities,
        days_per_stop=2,
    )


@pytest.fixture
def huepetuhe(communities, itinerary):
    return communities[0]


@pytest.fixture
def mimp(db):
    agency = AgencyFactory(code="mimp-upe-mdd", name="MIMP — UPE Madre de Dios", kind=Agency.Kind.MIMP)
    UserFactory(username="gestora-mimp", agency=agency, role=Role.CASEWORKER, email="upe@example.org")
    return agency


@pytest.fixture
def mimp_worker(mimp):
    return mimp.users.get()


@pytest.fixture
def other_team(db):
    return make_team(code="otra-brigada", name="Otra brigada", prefix="otra-")
