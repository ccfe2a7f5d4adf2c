"""Two prevention agencies (the owner and an outsider) and an analyst; a fixed day, so no test moves with the
calendar."""

import datetime

import pytest
import time_machine

from sistra.accounts.capabilities import Role
from sistra.accounts.models import Agency
from sistra.core.testing import AgencyFactory, UserFactory
from sistra.prevention import services

TODAY = datetime.date(2026, 6, 15)


@pytest.fixture(autouse=True)
def _fixed_day():
    with time_machine.travel(datetime.datetime(2026, 6, 15, 15, 0, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def tdh(db):
    return AgencyFactory(code="tdh-peru", name="Terre des Hommes — Perú", kind=Agency.Kind.NGO)


@pytest.fixture
def other_ngo(db):
    return AgencyFactory(code="ong-puno", name="ONG Puno", kind=Agency.Kind.NGO)


@pytest.fixture
def officer(tdh):
    return UserFactory(username="prevencion", agency=tdh, role=Role.PREVENTION_OFFICER)


@pytest.fixture
def colleague(tdh):
    return UserFactory(username="prevencion2", agency=tdh, role=Role.PREVENTION_OFFICER)


@pytest.fixture
def other_officer(other_ngo):
    return UserFactory(username="prevencion.puno", agency=other_ngo, role=Role.PREVENTION_OFFICER)


@pytest.fixture
def event(officer):
    return services.event_create(
        actor=officer,
        title="Ley 31146 para operadores de justicia",
        topic="law_31146",
        organiser="Terre des Hommes",
        starts_on=datetime.date(2026, 5, 4),
        ends_on=datetime.date(2026, 5, 5),
        ubigeo="080101",
        audience="Jueces y fiscales de Cusco",
    )


def child(first="Luz", last="Quispe Huamán", year=2014, sex="female", in_school=True):
    return services.ChildInput(
        first_names=first, last_names=last, birth_year=year, sex=sex, in_school=in_school
    )


@pytest.fixture
def family(officer):
    return services.family_register(
        actor=officer,
        registered_on=datetime.date(2025, 6, 1),
        ubigeo="080101",
        head_name="Juana Huamán Ccori",
        community="Comunidad de Ccatca",
        risk_factors=["member_migrated", "poverty"],
        children=[child(), child("Elvis", "Quispe Huamán", 2011, "male")],
    )
