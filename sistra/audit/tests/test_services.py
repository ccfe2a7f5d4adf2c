import datetime
import json
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser

from sistra.audit.models import ChangeEvent
from sistra.audit.services import record_change, snapshot
from sistra.cases.models import CaseDefendant
from sistra.cases.services import defendant_add, defendant_update
from sistra.cases.testing import make_case
from sistra.people.testing import make_person


def test_a_snapshot_is_json_ready_with_foreign_keys_as_raw_keys(prosecutor):
    case = make_case(actor=prosecutor, number="A-1", complaint_date=datetime.date(2024, 3, 1))
    person = make_person(actor=prosecutor)
    defendant = defendant_add(actor=prosecutor, case=case, person=person)
    defendant = defendant_update(actor=prosecutor, defendant=defendant, outcome=CaseDefendant.Outcome.CONVICTED,
                                 outcome_date=datetime.date(2024, 6, 1), sentence_years=Decimal("12.50"),
                                 reparation_amount=Decimal("3000"))
    data = snapshot(defendant)
    assert json.loads(json.dumps(data)) == data
    assert data["case_id"] == case.pk
    assert data["person_id"] == person.pk
    assert data["uuid"] == str(defendant.uuid)
    assert data["outcome_date"] == "2024-06-01"
    assert data["sentence_years"] == "12.50"
    assert data["reparation_amount"] == "3000"
    assert not {"id", "created_at", "updated_at"} & set(data)


def test_a_snapshot_leaves_out_the_excluded_fields(prosecutor):
    person = make_person(actor=prosecutor)
    assert "surnames_key" in snapshot(person)
    assert "surnames_key" not in snapshot(person, exclude=("surnames_key",))


def test_record_change_writes_who_what_and_the_root_record(prosecutor):
    case = make_case(actor=prosecutor, number="A-1")
    person = make_person(actor=prosecutor)
    defendant = defendant_add(actor=prosecutor, case=case, person=person)
    event = record_change(actor=prosecutor, action="update", instance=defendant, root=case,
                          before={"status": "investigated", "outcome": "pending"},
                          after={"status": "detained", "outcome": "pending"}, summary="x" * 250)
    event.refresh_from_db()
    assert (event.actor, event.actor_agency, event.action) == (prosecutor, prosecutor.agency, "update")
    assert (event.model, event.object_uuid) == ("cases.casedefendant", defendant.uuid)
    assert (event.root_model, event.root_uuid) == ("cases.case", case.uuid)
    assert len(event.summary) == 200
    assert event.changed_fields == ["status"]


def test_the_record_is_its_own_root_by_default_and_an_anonymous_actor_is_recorded_as_none(prosecutor):
    person = make_person(actor=prosecutor)
    event = record_change(actor=AnonymousUser(), action="create", instance=person, after={"a": 1})
    assert (event.root_model, event.root_uuid) == ("people.person", person.uuid)
    assert event.actor is None and event.actor_agency is None
    assert event.changed_fields == ["a"]


def test_the_history_of_a_record_is_ordered_newest_first(prosecutor):
    person = make_person(actor=prosecutor)
    record_change(actor=prosecutor, action="update", instance=person, summary="segunda")
    assert [e.summary for e in ChangeEvent.objects.filter(root_uuid=person.uuid)] == [
        "segunda", "Registro de persona"]
