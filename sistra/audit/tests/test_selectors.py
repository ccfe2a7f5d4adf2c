"""The auditor's searches: each filter on its own, the person's page, what the rows refer to, and nothing for
a user who may not audit."""

import datetime
from unittest import mock

import pytest
from django.utils import timezone

from sistra.accounts.capabilities import Role
from sistra.accounts.models import Agency
from sistra.audit.models import AccessLog, ChangeEvent
from sistra.audit.selectors import (
    AuditFilters,
    access_log_search,
    access_rows,
    change_rows,
    change_search,
    field_labels,
    person_access_log,
    resolve_person,
    resolve_record,
    resolve_user,
)
from sistra.audit.services import log_access, log_access_many
from sistra.cases import services as case_services
from sistra.cases.testing import make_case
from sistra.core.testing import AgencyFactory, UserFactory
from sistra.people.testing import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor(db):
    # a national auditor (Ministry of the Interior): sees every entry
    national = AgencyFactory(code="mininter-auditoria", kind=Agency.Kind.MININTER)
    return UserFactory(username="auditora", agency=national, role=Role.AUDITOR)


def _at(day: datetime.date):
    """Rows written "on" a given day in Lima (the log is append-only: dates cannot be edited afterwards)."""
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))
    return mock.patch("django.utils.timezone.now", return_value=moment)


@pytest.fixture
def world(prosecutor, police_officer):
    """Two persons in one case; the prosecutor and a police officer read them on different days."""
    rosa = make_person(actor=prosecutor, first_names="Rosa", last_name_paternal="Condori")
    luis = make_person(actor=prosecutor, first_names="Luis", last_name_paternal="Vargas")
    case = make_case(actor=prosecutor, number="2025-00077")
    case_services.victim_add(actor=prosecutor, case=case, person=rosa)
    case_services.case_share(actor=prosecutor, case=case, agency=police_officer.agency,
                             reason="Investigación")
    with _at(datetime.date(2025, 3, 1)):
        log_access(actor=prosecutor, instance=rosa, fields=["first_names"], purpose="case_work")
    with _at(datetime.date(2025, 3, 10)):
        log_access(actor=prosecutor, instance=case, person=rosa, fields=["first_names"], purpose="case_work",
                   detail=case.number)
        log_access(actor=police_officer, instance=case, person=rosa, fields=["first_names"], purpose="api")
    with _at(datetime.date(2025, 4, 2)):
        log_access(actor=police_officer, instance=luis, fields=["first_names"], purpose="api")
    return {"rosa": rosa, "luis": luis, "case": case}


def _ids(qs):
    return {(row.actor.username, row.person_uuid, row.at.date().isoformat()) for row in qs}


def test_every_access_is_listed_newest_first_for_an_auditor(auditor, world):
    rows = list(access_log_search(auditor, AuditFilters()))

    assert len(rows) == 4
    assert [r.at for r in rows] == sorted((r.at for r in rows), reverse=True)


def test_nothing_is_listed_for_a_user_who_may_not_audit(prosecutor, analyst, world):
    for user in (prosecutor, analyst):
        assert not access_log_search(user, AuditFilters()).exists()
        assert not change_search(user, AuditFilters()).exists()


def test_the_person_filter_finds_every_read_of_that_person(auditor, world):
    rows = access_log_search(auditor, AuditFilters(person_uuid=world["rosa"].uuid))

    assert {r.person_uuid for r in rows} == {world["rosa"].uuid}
    assert rows.count() == 3
    assert list(person_access_log(auditor, world["luis"].uuid).values_list("actor__username", flat=True)) == [
        "policia"]


def test_the_record_filter_finds_the_reads_of_a_case(auditor, world):
    rows = access_log_search(auditor, AuditFilters(record_uuids=(world["case"].uuid,)))

    assert rows.count() == 2 and {r.object_uuid for r in rows} == {world["case"].uuid}


def test_the_user_and_agency_filters(auditor, world, police_officer, prosecutor):
    by_user = access_log_search(auditor, AuditFilters(actor_id=police_officer.pk))
    by_agency = access_log_search(auditor, AuditFilters(agency_id=prosecutor.agency_id))

    assert {r.actor for r in by_user} == {police_officer} and by_user.count() == 2
    assert {r.actor for r in by_agency} == {prosecutor} and by_agency.count() == 2


def test_the_date_range_is_inclusive_in_lima_days(auditor, world):
    def dates(**kw):
        return sorted(r.at.astimezone(timezone.get_current_timezone()).date().isoformat()
                      for r in access_log_search(auditor, AuditFilters(**kw)))

    assert dates(date_from=datetime.date(2025, 3, 10)) == ["2025-03-10", "2025-03-10", "2025-04-02"]
    assert dates(date_to=datetime.date(2025, 3, 10)) == ["2025-03-01", "2025-03-10", "2025-03-10"]
    assert dates(date_from=datetime.date(2025, 3, 2), date_to=datetime.date(2025, 3, 31)) == [
        "2025-03-10", "2025-03-10"]


def test_the_purpose_filter(auditor, world):
    rows = access_log_search(auditor, AuditFilters(purpose="api"))

    assert {r.purpose for r in rows} == {"api"} and rows.count() == 2


def test_filters_combine(auditor, world, police_officer):
    filters = AuditFilters(person_uuid=world["rosa"].uuid, actor_id=police_officer.pk)
    rows = access_log_search(auditor, filters)

    assert rows.count() == 1


def test_the_change_history_is_searched_by_person_including_the_cases_they_are_in(auditor, world):
    rows = change_search(auditor, AuditFilters(person_uuid=world["rosa"].uuid))

    assert {(r.root_model, r.model) for r in rows} == {("people.person", "people.person"),
                                                       ("cases.case", "cases.casevictim")}
    assert not change_search(auditor, AuditFilters(person_uuid=world["luis"].uuid)).filter(
        root_model="cases.case").exists()


def test_the_change_history_is_searched_by_record_user_agency_and_date(auditor, world, prosecutor,
                                                                        police_officer):
    case = world["case"]
    by_record = change_search(auditor, AuditFilters(record_uuids=(case.uuid,)))
    assert by_record.count() == ChangeEvent.objects.filter(root_uuid=case.uuid).count() >= 3
    assert not change_search(auditor, AuditFilters(actor_id=police_officer.pk)).exists()
    assert change_search(auditor, AuditFilters(agency_id=prosecutor.agency_id)).count() == \
        ChangeEvent.objects.count()
    today = timezone.localdate()
    assert not change_search(auditor, AuditFilters(date_to=today - datetime.timedelta(days=1))).exists()


def test_what_was_typed_is_resolved_to_the_keys_searched(world, police_officer):
    rosa, case = world["rosa"], world["case"]

    assert resolve_person(rosa.code) == rosa.uuid
    assert resolve_person(rosa.code.lower()) == rosa.uuid
    assert resolve_person(str(rosa.uuid)) == rosa.uuid
    assert resolve_person("P-NOEXISTE") is None
    assert resolve_record("2025-00077") == (case.uuid,)
    assert resolve_record(str(case.uuid)) == (case.uuid,)
    assert resolve_record("1999-00001") == ()
    assert resolve_user("POLICIA") == police_officer
    assert resolve_user(str(police_officer.uuid)) == police_officer
    assert resolve_user("nadie") is None


def test_rows_name_persons_by_pseudonym_and_cases_by_number(auditor, world):
    rows = access_rows(access_log_search(auditor, AuditFilters(record_uuids=(world["case"].uuid,))))

    assert {r.person_code for r in rows} == {world["rosa"].code}
    assert {r.record.case_number for r in rows} == {"2025-00077"}
    assert rows[0].field_labels == ["nombres"]


def test_change_rows_are_masked_for_the_auditor(auditor, world):
    rows = change_rows(auditor, change_search(auditor, AuditFilters(person_uuid=world["rosa"].uuid)))

    person_row = next(r for r in rows if r.entry.root_model == "people.person")
    assert person_row.entry.after["first_names"] == "•••"
    assert person_row.person_code == world["rosa"].code
    case_row = next(r for r in rows if r.entry.root_model == "cases.case")
    assert case_row.root.case_number == "2025-00077"


def test_field_labels_fall_back_to_the_person_and_to_the_name():
    assert field_labels("cases.case", ["first_names", "documents", "count", "unknown_field"]) == [
        "nombres", "documentos", "cantidad de registros", "unknown_field"]


def test_log_access_many_writes_one_row_per_pair_in_one_insert(prosecutor, django_assert_num_queries):
    persons = [make_person(actor=prosecutor, first_names=f"Persona {i}") for i in range(3)]
    case = make_case(actor=prosecutor, number="B-1")

    with django_assert_num_queries(1):
        log_access_many(actor=prosecutor, reads=[(p, None) for p in persons], fields=["last_name_paternal",
                                                                                      "first_names"],
                        purpose="api", detail="x" * 400)
    with django_assert_num_queries(1):
        log_access_many(actor=prosecutor, reads=[(case, p) for p in persons], fields=["first_names"],
                        purpose="api")
    with django_assert_num_queries(0):
        assert log_access_many(actor=prosecutor, reads=[], fields=[], purpose="api") == []

    rows = AccessLog.objects.filter(actor=prosecutor)
    assert rows.count() == 6
    person_rows = rows.filter(model="people.person")
    assert {r.person_uuid for r in person_rows} == {p.uuid for p in persons}
    assert all(r.object_uuid == r.person_uuid and r.fields == ["first_names", "last_name_paternal"]
               and len(r.detail) == 300 and r.actor_agency_id == prosecutor.agency_id for r in person_rows)
    case_rows = rows.filter(model="cases.case")
    assert {r.object_uuid for r in case_rows} == {case.uuid}
    assert {r.person_uuid for r in case_rows} == {p.uuid for p in persons}
    assert all(r.at is not None for r in rows)
