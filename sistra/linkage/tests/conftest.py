import pytest

from sistra.accounts.capabilities import Role
from sistra.core.testing import UserFactory


@pytest.fixture
def lima_steward(other_fiscalia):
    """The data steward of the agency that owns the outsider's records."""
    return UserFactory(username="responsable-lima", agency=other_fiscalia, role=Role.DATA_STEWARD)


@pytest.fixture
def cusco_steward(fiscalia):
    return UserFactory(username="responsable-cusco", agency=fiscalia, role=Role.DATA_STEWARD)


@pytest.fixture
def national_steward(db):
    from sistra.accounts.models import Agency
    from sistra.core.testing import AgencyFactory

    agency = AgencyFactory(code="mimp-datos", name="MIMP — Datos", kind=Agency.Kind.MIMP)
    return UserFactory(username="responsable-nacional", agency=agency, role=Role.NATIONAL_DATA_STEWARD)
