"""Hotline fixtures: the hotline with an operator, a supervisor and a colleague; a second hotline whose staff
must see nothing of the first; PNP units and fiscalías that receive reports."""

import datetime

import pytest
from django.utils import timezone

from sistra.accounts.capabilities import Role
from sistra.accounts.models import Agency
from sistra.core.testing import AgencyFactory, UserFactory
from sistra.hotline import services


@pytest.fixture
def hotline(db):
    return AgencyFactory(code="linea-0800", name="Línea 0800-2-3232", kind=Agency.Kind.HOTLINE)


@pytest.fixture
def other_hotline(db):
    return AgencyFactory(code="linea-otra", name="Otra línea de ayuda", kind=Agency.Kind.HOTLINE)


@pytest.fixture
def operator(hotline):
    return UserFactory(username="operadora", first_name="Rosa", last_name="Huamán", agency=hotline,
                       role=Role.HOTLINE_OPERATOR)


@pytest.fixture
def colleague(hotline):
    return UserFactory(username="operador2", agency=hotline, role=Role.HOTLINE_OPERATOR)


@pytest.fixture
def supervisor(hotline):
    return UserFactory(username="supervisora", agency=hotline, role=Role.HOTLINE_SUPERVISOR)


@pytest.fixture
def foreign_operator(other_hotline):
    return UserFactory(username="operador-ajeno", agency=other_hotline, role=Role.HOTLINE_OPERATOR)


@pytest.fixture
def other_police_unit(db):
    return AgencyFactory(code="pnp-cusco", name="PNP Cusco — DEPINTRAP", kind=Agency.Kind.POLICE)


@pytest.fixture
def other_police_officer(other_police_unit):
    return UserFactory(username="policia-cusco", agency=other_police_unit, role=Role.POLICE)


def minutes_ago(minutes: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(minutes=minutes)


def make_contact(actor, **extra):
    """A finished substantive contact of a few minutes, logged through the service."""
    defaults = {
        "started_at": minutes_ago(10), "ended_at": minutes_ago(2),
        "category": "trafficking_report", "caller_type": "relative",
        "summary": "Su hermana viajó a Madre de Dios por una oferta de trabajo y no puede volver.",
        "topics": ["labour_exploitation", "job_offer"], "indicators": ["deceptive_offer", "documents_withheld"],
        "risk_level": "high", "ubigeo_code": "170101",
    }
    defaults.update(extra)
    return services.contact_create(actor=actor, **defaults)


@pytest.fixture
def contact(operator):
    return make_contact(operator, caller_phone="987 654 321", contact_consent=True, caller_name="Juana Pérez")
