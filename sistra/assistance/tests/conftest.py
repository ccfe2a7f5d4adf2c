"""The agencies of the referral pathway: the mobile clinic that identifies, MIMP that takes the case, IOM that
organises the return, and an NGO that is not involved and must see nothing."""

import datetime

import pytest
from django.utils import timezone

from sistra.accounts.capabilities import Role
from sistra.accounts.models import Agency
from sistra.assistance import services
from sistra.assistance.models import Consent, ServiceType
from sistra.core.testing import AgencyFactory, UserFactory
from sistra.people.testing import make_person


@pytest.fixture
def clinic(db):
    return AgencyFactory(code="caravana", name="Caravana de la Vida", kind=Agency.Kind.HEALTH)


@pytest.fixture
def mimp(db):
    return AgencyFactory(code="mimp-upe-mdd", name="MIMP — UPE Madre de Dios", kind=Agency.Kind.MIMP)


@pytest.fixture
def iom(db):
    return AgencyFactory(code="oim-peru", name="OIM Perú", kind=Agency.Kind.INTERNATIONAL)


@pytest.fixture
def ngo(db):
    return AgencyFactory(code="ong-otra", name="ONG Otra", kind=Agency.Kind.NGO)


@pytest.fixture
def health_worker(clinic):
    return UserFactory(username="salud", agency=clinic, role=Role.HEALTH_WORKER)


@pytest.fixture
def mimp_worker(mimp):
    return UserFactory(username="mimp", agency=mimp, role=Role.CASEWORKER)


@pytest.fixture
def iom_worker(iom):
    return UserFactory(username="oim", agency=iom, role=Role.CASEWORKER)


@pytest.fixture
def ngo_worker(ngo):
    return UserFactory(username="ong", agency=ngo, role=Role.CASEWORKER)


@pytest.fixture
def days_ago():
    return lambda n: timezone.localdate() - datetime.timedelta(days=n)


@pytest.fixture
def victim(health_worker):
    from sistra.people.services import DocumentInput

    return make_person(actor=health_worker, first_names="Rosa Elena", last_name_paternal="Huamán",
                       last_name_maternal="Quispe", sex="female", estimated_age=17,
                       documents=[DocumentInput(kind="dni", number="45678912")])


def service(code: str) -> ServiceType:
    return ServiceType.objects.get(code=code)


@pytest.fixture
def clinic_case(health_worker, victim, days_ago):
    """The clinic identifies a potential victim; she consents to receive services and to share her data with
    MIMP (not with anyone else)."""
    case = services.case_open(actor=health_worker, person=victim, identified_on=days_ago(10))
    services.consent_record(actor=health_worker, case=case, kind=Consent.Kind.SERVICES, given_on=days_ago(10))
    return case


def consent_to_share(actor, case, agency, day):
    return services.consent_record(actor=actor, case=case, kind=Consent.Kind.SHARE_DATA, agency=agency,
                                   given_on=day)


@pytest.fixture
def transferred_case(clinic_case, health_worker, mimp_worker, mimp, days_ago):
    """The clinic transfers the case to MIMP, which accepts it."""
    consent_to_share(health_worker, clinic_case, mimp, days_ago(10))
    referral = services.referral_send(actor=health_worker, case=clinic_case, to_agency=mimp,
                                      kind="transfer", services=[service("shelter")],
                                      due_on=timezone.localdate() + datetime.timedelta(days=3))
    services.referral_accept(actor=mimp_worker, referral=referral)
    clinic_case.refresh_from_db()
    return clinic_case
