"""The victim-centred timeline across every record linked to a person, each item as far as the viewer may
see it."""

import datetime

import pytest
from django.utils import timezone

from sistra.accounts.capabilities import Role
from sistra.accounts.models import Agency
from sistra.assistance.timeline import person_timeline
from sistra.cases import services as case_services
from sistra.cases.testing import make_case
from sistra.core.testing import AgencyFactory, UserFactory
from sistra.linkage import services
from sistra.people.testing import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked(prosecutor, outsider, national_steward):
    """One girl: a victim in the prosecutor's case (B), a victim in a Lima case shared with the prosecutor's
    fiscalía and a hotline contact (A, the same record)."""
    hotline_services = pytest.importorskip("sistra.hotline.services")
    line = AgencyFactory(code="linea-1818", name="Línea 1818", kind=Agency.Kind.HOTLINE)
    operator = UserFactory(username="operadora", agency=line, role=Role.HOTLINE_OPERATOR)
    a = make_person(actor=operator, first_names="Chabuca", last_name_paternal="Ccori")
    contact = hotline_services.contact_create(
        actor=operator, started_at=timezone.now(), category="trafficking_report", summary="Reporte"
    )
    hotline_services.contact_link_person(actor=operator, contact=contact, person=a, role="potential_victim")
    lima_case = make_case(actor=outsider, number="2026-77777", complaint_date=datetime.date(2026, 1, 5))
    case_services.victim_add(actor=outsider, case=lima_case, person=a)
    case_services.case_share(actor=outsider, case=lima_case, agency=prosecutor.agency, reason="Coordinación")
    b = make_person(
        actor=prosecutor,
        first_names="Isabel",
        last_name_paternal="Ccori",
        date_of_birth=datetime.date(2009, 4, 2),
    )
    cusco_case = make_case(actor=prosecutor, number="2026-00001", complaint_date=datetime.date(2026, 3, 9))
    case_services.victim_add(actor=prosecutor, case=cusco_case, person=b)
    return {"a": a, "b": b, "operator": operator, "contact": contact, "steward": national_steward}


def _titles(entries):
    return [e.title for e in entries]


def test_before_linking_a_record_shows_only_its_own_items(linked, prosecutor):
    titles = _titles(person_timeline(prosecutor, linked["b"]))
    assert any("2026-00001" in t for t in titles)
    assert not any("2026-77777" in t for t in titles)


def test_a_linked_person_shows_the_items_of_every_record_the_viewer_may_see(linked, prosecutor):
    services.identity_merge(actor=linked["steward"], persons=[linked["a"], linked["b"]], reason="Misma niña")

    titles = _titles(person_timeline(prosecutor, linked["b"]))

    assert any("2026-00001" in t for t in titles) and any("2026-77777" in t for t in titles)
    # the hotline contact is on the linked record, but the prosecutor may not see hotline contacts
    assert not any(linked["contact"].code in t for t in titles)


def test_the_hotline_sees_its_contact_and_not_the_cases_of_the_linked_record(linked):
    services.identity_merge(actor=linked["steward"], persons=[linked["a"], linked["b"]], reason="Misma niña")

    entries = person_timeline(linked["operator"], linked["a"])

    assert [e.source for e in entries] == ["hotline"]


def test_an_outsider_sees_only_their_own_case_even_when_linked(linked, outsider):
    services.identity_merge(actor=linked["steward"], persons=[linked["a"], linked["b"]], reason="Misma niña")

    titles = _titles(person_timeline(outsider, linked["a"]))

    assert any("2026-77777" in t for t in titles)
    assert not any("2026-00001" in t for t in titles)


def test_after_unmerge_the_timeline_is_back_to_one_record(linked, prosecutor):
    identity = services.identity_merge(
        actor=linked["steward"], persons=[linked["a"], linked["b"]], reason="x"
    )
    services.identity_unmerge(actor=linked["steward"], identity=identity, reason="Error")

    titles = _titles(person_timeline(prosecutor, linked["b"]))

    assert not any("2026-77777" in t for t in titles)
