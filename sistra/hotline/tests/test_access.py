import uuid

import pytest
from django.http import Http404

from sistra.hotline import services
from sistra.hotline.access import (
    access_contact,
    access_report,
    can_see_caller_identity,
    received_reports,
    visible_contacts,
)
from sistra.people.access import access_person, visible_persons
from sistra.people.testing import make_person

pytestmark = pytest.mark.django_db


def test_a_contact_is_seen_only_by_its_hotline(contact, operator, colleague, supervisor, foreign_operator,
                                               prosecutor, police_officer, analyst):
    for user in (operator, colleague, supervisor):
        assert access_contact(user, contact.uuid) == contact
    for user in (foreign_operator, prosecutor, police_officer, analyst):
        assert not visible_contacts(user).exists()
        with pytest.raises(Http404):
            access_contact(user, contact.uuid)


def test_a_malformed_or_unknown_key_is_a_404(operator):
    for key in ("no-es-un-uuid", uuid.uuid4(), None):
        with pytest.raises(Http404):
            access_contact(operator, key)


def test_the_callers_identity_is_for_the_hotline_that_took_the_call(contact, operator, foreign_operator):
    assert can_see_caller_identity(operator, contact)
    assert not can_see_caller_identity(foreign_operator, contact)


def test_a_report_is_seen_by_its_recipient_and_its_sender_only(contact, operator, police_unit, police_officer,
                                                               other_police_officer, prosecutor, foreign_operator):
    report = services.police_report_send(actor=operator, contact=contact, recipient=police_unit, facts="Hechos")
    assert access_report(operator, report.uuid) == report
    assert access_report(police_officer, report.uuid, receive=True) == report
    assert list(received_reports(police_officer)) == [report]
    for user in (other_police_officer, prosecutor, foreign_operator):
        assert not received_reports(user).exists()
        with pytest.raises(Http404):
            access_report(user, report.uuid)
    with pytest.raises(Http404):
        access_report(operator, report.uuid, receive=True)


def test_persons_linked_to_contacts_are_visible_to_the_hotline_and_to_the_report_recipient(
        contact, operator, foreign_operator, police_unit, police_officer, other_police_officer, prosecutor):
    person = make_person(actor=prosecutor, first_names="Lucía", last_name_paternal="Condori")
    assert not visible_persons(operator).filter(pk=person.pk).exists()
    # a person owned by another agency, linked directly: visibility must come from the link alone
    from sistra.hotline.models import ContactPerson

    ContactPerson.objects.create(contact=contact, person=person, role="potential_victim", linked_by=operator)
    assert access_person(operator, person.uuid) == person
    with pytest.raises(Http404):
        access_person(foreign_operator, person.uuid)
    with pytest.raises(Http404):
        access_person(police_officer, person.uuid)
    services.police_report_send(actor=operator, contact=contact, recipient=police_unit, facts="Hechos")
    assert access_person(police_officer, person.uuid) == person
    with pytest.raises(Http404):
        access_person(other_police_officer, person.uuid)
