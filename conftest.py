"""Fixtures shared by the whole suite: three agencies and users, as in healthchecks' owner / teammate /
outsider pattern — a prosecutor of the owning fiscalía, a colleague in the same fiscalía, and a prosecutor
of another fiscalía who must see nothing unless a case is shared."""

import pytest

from sistra.accounts.capabilities import Role
from sistra.accounts.models import Agency
from sistra.core.testing import AgencyFactory, UserFactory


@pytest.fixture
def fiscalia(db):
    return AgencyFactory(code="fiscalia-cusco", name="FISTRAP Cusco", kind=Agency.Kind.FISCALIA)


@pytest.fixture
def other_fiscalia(db):
    return AgencyFactory(code="fiscalia-lima", name="FISTRAP Lima", kind=Agency.Kind.FISCALIA)


@pytest.fixture
def police_unit(db):
    return AgencyFactory(code="pnp-dirintrap", name="PNP DIRCTPTIM", kind=Agency.Kind.POLICE)


@pytest.fixture
def prosecutor(fiscalia):
    return UserFactory(username="fiscal", agency=fiscalia, role=Role.PROSECUTOR)


@pytest.fixture
def teammate(fiscalia):
    return UserFactory(username="colega", agency=fiscalia, role=Role.PROSECUTOR)


@pytest.fixture
def outsider(other_fiscalia):
    return UserFactory(username="ajeno", agency=other_fiscalia, role=Role.PROSECUTOR)


@pytest.fixture
def police_officer(police_unit):
    return UserFactory(username="policia", agency=police_unit, role=Role.POLICE)


@pytest.fixture
def analyst(db):
    agency = AgencyFactory(code="mininter-analisis", name="MININTER — Análisis", kind=Agency.Kind.MININTER)
    return UserFactory(username="analista", agency=agency, role=Role.ANALYST)
