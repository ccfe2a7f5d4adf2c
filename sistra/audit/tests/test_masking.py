"""Identity in the change history: hidden from a viewer who may not see it, shown to one who may."""

import datetime

import pytest
from django.template.loader import render_to_string

from sistra.accounts.capabilities import Role
from sistra.accounts.models import Agency
from sistra.audit.masking import (
    HIDDEN,
    IDENTITY_RULES,
    is_identity_key,
    mask_change,
    mask_changes,
    register_identity_rule,
)
from sistra.audit.models import ChangeEvent
from sistra.audit.selectors import history_for
from sistra.audit.services import record_change
from sistra.cases import services as case_services
from sistra.cases.testing import make_case
from sistra.core.testing import AgencyFactory, UserFactory
from sistra.people import services as people_services
from sistra.people.sharing import person_share
from sistra.people.testing import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor(db):
    # a national auditor (Ministry of the Interior): sees every entry
    national = AgencyFactory(code="mininter-auditoria", kind=Agency.Kind.MININTER)
    return UserFactory(username="auditora", agency=national, role=Role.AUDITOR)


@pytest.fixture
def renamed(prosecutor):
    """A person registered as Rosa Condori and then renamed, with a document and a note."""
    person = make_person(actor=prosecutor, first_names="Rosa", last_name_paternal="Condori",
                         notes="Vive con su tía Juana")
    person = people_services.person_update(actor=prosecutor, person=person, expected_version=person.version,
                                           first_names="Rosa Elena", date_of_birth=datetime.date(2008, 5, 4),
                                           sex="female")
    return person


def _update_event(person):
    return ChangeEvent.objects.get(root_uuid=person.uuid, action="update")


def test_a_viewer_without_identity_rights_sees_the_values_of_a_person_masked(renamed, analyst, auditor):
    event = _update_event(renamed)

    for viewer in (analyst, auditor):
        masked = mask_change(event, viewer)

        assert masked["masked"] is True
        assert masked["before"]["first_names"] == HIDDEN and masked["after"]["first_names"] == HIDDEN
        assert masked["before"]["last_name_paternal"] == HIDDEN
        assert masked["after"]["date_of_birth"] == HIDDEN
        assert masked["after"]["notes"] == HIDDEN
        # what identifies no one stays readable
        assert masked["after"]["sex"] == "female" and masked["before"]["sex"] == "unknown"
        assert "Rosa" not in repr(masked) and "Condori" not in repr(masked) and "Juana" not in repr(masked)


def test_the_owner_agency_sees_the_values_as_they_were(renamed, prosecutor, teammate):
    event = _update_event(renamed)

    for viewer in (prosecutor, teammate):
        masked = mask_change(event, viewer)

        assert masked["masked"] is False
        assert masked["before"]["first_names"] == "Rosa" and masked["after"]["first_names"] == "Rosa Elena"
        assert masked["after"]["date_of_birth"] == "2008-05-04"


def test_another_agency_with_the_same_role_sees_them_masked(renamed, outsider):
    assert mask_change(_update_event(renamed), outsider)["after"]["first_names"] == HIDDEN


def test_a_share_without_identity_keeps_them_masked_and_one_with_identity_shows_them(renamed, prosecutor,
                                                                                    police_officer):
    event = _update_event(renamed)
    person_share(actor=prosecutor, person=renamed, agency=police_officer.agency, reason="Derivación",
                 include_identity=False)
    assert mask_change(event, police_officer)["after"]["first_names"] == HIDDEN

    person_share(actor=prosecutor, person=renamed, agency=police_officer.agency, reason="Investigación",
                 include_identity=True)
    assert mask_change(event, police_officer)["after"]["first_names"] == "Rosa Elena"


def test_a_case_title_summary_and_event_texts_follow_the_case_identity_rule(prosecutor, outsider, analyst,
                                                                           police_officer):
    case = make_case(actor=prosecutor, number="M-1", title="Caso Rosa Condori", summary="Rosa fue captada",
                     complaint_date=datetime.date(2025, 6, 1))
    case_services.case_add_event(actor=prosecutor, case=case, kind="note", date=datetime.date(2025, 7, 5),
                                 title="Declaración", description="Declara Rosa Condori")
    created = ChangeEvent.objects.get(root_uuid=case.uuid, model="cases.case", action="create")
    note = ChangeEvent.objects.get(root_uuid=case.uuid, model="cases.caseevent")

    assert mask_change(created, prosecutor)["after"]["title"] == "Caso Rosa Condori"
    assert mask_change(note, prosecutor)["after"]["description"] == "Declara Rosa Condori"
    for viewer in (outsider, analyst):
        assert mask_change(created, viewer)["after"]["title"] == HIDDEN
        assert mask_change(created, viewer)["after"]["summary"] == HIDDEN
        assert mask_change(created, viewer)["after"]["number"] == "M-1"
        assert mask_change(note, viewer)["after"]["description"] == HIDDEN
        # an event's title is what the case's timeline shows everyone
        assert mask_change(note, viewer)["after"]["title"] == "Declaración"

    case_services.case_share(actor=prosecutor, case=case, agency=police_officer.agency,
                             reason="Investigación")
    assert mask_change(created, police_officer)["after"]["title"] == "Caso Rosa Condori"


def test_fields_named_like_phone_address_email_or_name_are_identity():
    for key in ("caller_phone", "phone_number", "address", "home_address", "email", "contact_email",
                "full_name", "first_names", "documents", "aliases", "notes", "description"):
        assert is_identity_key("hotline.contact", key), key
    for key in ("sex", "status", "stage_id", "outcome", "number", "kind"):
        assert not is_identity_key("hotline.contact", key), key
    assert is_identity_key("cases.case", "title") and not is_identity_key("cases.caseevent", "title")


def test_the_history_of_a_record_without_a_rule_is_masked_for_everyone_until_one_is_registered(prosecutor):
    person = make_person(actor=prosecutor)
    event = record_change(actor=prosecutor, action="update", instance=person, root=person,
                          before={"caller_phone": "987654321"}, after={"caller_phone": "912345678"})
    # as a contact's history is stored (changed in memory only: the log is append-only)
    event.root_model = "hotline.contact"

    assert mask_change(event, prosecutor)["after"]["caller_phone"] == HIDDEN

    register_identity_rule("hotline.contact", lambda viewer, uuids: set(uuids))
    try:
        assert mask_change(event, prosecutor)["after"]["caller_phone"] == "912345678"
    finally:
        IDENTITY_RULES.pop("hotline.contact")


def test_an_empty_value_is_not_dressed_up_as_hidden(prosecutor, analyst):
    person = make_person(actor=prosecutor, last_name_maternal="")
    event = ChangeEvent.objects.get(root_uuid=person.uuid)

    masked = mask_change(event, analyst)

    assert masked["after"]["last_name_maternal"] == ""
    assert masked["after"]["documents"] == []


def test_history_for_masks_the_rows_but_keeps_what_changed(renamed, analyst, prosecutor):
    rows = history_for(analyst, renamed)

    assert [r.action for r in rows] == ["update", "create"]
    update = rows[0]
    assert update.after["first_names"] == HIDDEN
    assert "first_names" in update.changed_fields and "date_of_birth" in update.changed_fields
    assert update.summary == "Modificación de datos de la persona"
    assert update.actor == prosecutor and update.pk == _update_event(renamed).pk

    assert history_for(prosecutor, renamed)[0].after["first_names"] == "Rosa Elena"


def test_the_shared_history_template_shows_no_name_from_history_for(renamed, analyst):
    # identity=True on purpose: the masking comes from history_for, not from the template tag
    html = render_to_string("includes/history.html",
                            {"history": history_for(analyst, renamed), "identity": True})

    assert HIDDEN in html
    assert "Rosa" not in html and "Condori" not in html and "Juana" not in html
    assert "Modificación de datos de la persona" in html


def test_the_history_of_a_case_is_masked_for_an_analyst(prosecutor, analyst):
    case = make_case(actor=prosecutor, number="M-2", title="Caso Condori")

    html = render_to_string("includes/history.html",
                            {"history": history_for(analyst, case), "identity": False})

    assert "Condori" not in html and HIDDEN in html
    assert "Condori" in render_to_string("includes/history.html", {
        "history": history_for(prosecutor, case), "identity": True})


def test_many_events_are_masked_with_a_fixed_number_of_queries(prosecutor, auditor, analyst,
                                                                django_assert_max_num_queries):
    for i in range(5):
        make_person(actor=prosecutor, first_names=f"Persona {i}")
        make_case(actor=prosecutor, number=f"Q-{i}", title=f"Caso {i}")
    events = list(ChangeEvent.objects.all())

    with django_assert_max_num_queries(0):
        rows = mask_changes(events, auditor)  # no identity capability: nothing to ask the database
    assert all(r.after.get("first_names", HIDDEN) == HIDDEN for r in rows)

    with django_assert_max_num_queries(2):
        mask_changes(events, analyst)
