from sistra.assistance import timeline
from sistra.assistance.timeline import TimelineEntry, person_timeline, register_timeline_source


def test_a_part_of_sistra_plugs_in_a_timeline_source(transferred_case, mimp_worker):
    calls = []

    def source(actor, person):
        calls.append((actor, person))
        return [TimelineEntry(when=transferred_case.identified_on, source="test", title="Entrada de prueba")]

    register_timeline_source("test", "Prueba", source)
    try:
        entries = person_timeline(mimp_worker, transferred_case.person)
    finally:
        timeline._SOURCES.pop("test")
    assert calls == [(mimp_worker, transferred_case.person)]
    assert "Entrada de prueba" in [e.title for e in entries]


def test_the_timeline_is_newest_first_and_holds_the_assistance(transferred_case, mimp_worker):
    entries = person_timeline(mimp_worker, transferred_case.person)
    assert [e.when for e in entries] == sorted((e.when for e in entries), reverse=True)
    assert {"assistance", "referrals"} <= {e.source for e in entries}


def test_an_agency_not_involved_gets_no_entries(transferred_case, ngo_worker):
    assert person_timeline(ngo_worker, transferred_case.person) == []


def test_the_hotline_source_is_registered_where_the_hotline_links_contacts_to_persons():
    keys = {s.key for s in timeline.timeline_sources()}
    assert ("hotline" in keys) == timeline._hotline_links_persons()


def test_hotline_contacts_about_the_person_appear_for_the_hotline_only(db, mimp_worker):
    import pytest

    hotline_services = pytest.importorskip("sistra.hotline.services")
    from django.utils import timezone

    from sistra.accounts.capabilities import Role
    from sistra.accounts.models import Agency
    from sistra.core.testing import AgencyFactory, UserFactory
    from sistra.people.testing import make_person

    line = AgencyFactory(code="linea-1818", name="Línea 1818", kind=Agency.Kind.HOTLINE)
    operator = UserFactory(username="operadora", agency=line, role=Role.HOTLINE_OPERATOR)
    person = make_person(actor=operator, first_names="Lucía")
    contact = hotline_services.contact_create(actor=operator, started_at=timezone.now(),
                                              category="trafficking_report", summary="Reporte")
    hotline_services.contact_link_person(actor=operator, contact=contact, person=person, role="potential_victim")
    entries = person_timeline(operator, person)
    assert [e.source for e in entries] == ["hotline"]
    assert contact.code in entries[0].title and entries[0].url.endswith(f"{contact.uuid}/")
    assert person_timeline(mimp_worker, person) == []
