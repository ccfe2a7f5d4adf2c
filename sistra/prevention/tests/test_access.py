import pytest
from django.http import Http404

from sistra.audit.models import AccessLog
from sistra.prevention import access


def test_the_owning_agency_reads_a_family_with_names_and_the_read_is_logged(officer, family):
    read = access.read_family(officer, family.uuid)
    assert read.identity is True
    logs = AccessLog.objects.filter(actor=officer, purpose=AccessLog.Purpose.PREVENTION)
    assert logs.filter(object_uuid=family.uuid, fields=sorted(access.FAMILY_IDENTITY_FIELDS)).count() == 1
    assert logs.filter(model="prevention.atriskchild").count() == 2


def test_another_agencys_family_is_a_404(other_officer, family):
    with pytest.raises(Http404):
        access.read_family(other_officer, family.uuid)
    assert not access.visible_families(other_officer).exists()
    assert not AccessLog.objects.filter(actor=other_officer).exists()


def test_an_analyst_sees_the_family_only_through_pseudonyms_and_nothing_is_logged(analyst, family):
    read = access.read_family(analyst, family.uuid)
    assert read.identity is False
    assert not AccessLog.objects.filter(actor=analyst).exists()


def test_an_analyst_may_not_open_a_family_for_writing(analyst, family):
    with pytest.raises(Http404):
        access.access_family(analyst, family.uuid, write=True)


def test_a_prosecutor_sees_no_family(prosecutor, family):
    with pytest.raises(Http404):
        access.access_family(prosecutor, family.uuid)


def test_a_malformed_identifier_is_a_404(officer):
    with pytest.raises(Http404):
        access.access_family(officer, "not-a-uuid")
    with pytest.raises(Http404):
        access.access_event(officer, "not-a-uuid")


def test_events_are_seen_only_by_their_agency(officer, other_officer, analyst, event):
    assert access.access_event(officer, event.uuid) == event
    for user in (other_officer, analyst):
        with pytest.raises(Http404):
            access.access_event(user, event.uuid)
