"""An agency's auditor sees only the access and change logs of records its agency owns or was given; a
national auditor sees all; auditors' own searches are logged."""

import pytest
from django.urls import reverse

from sistra.accounts.capabilities import Role
from sistra.accounts.models import Agency
from sistra.audit import selectors
from sistra.audit.models import AccessLog, ChangeEvent
from sistra.audit.services import log_access
from sistra.cases import services as case_services
from sistra.cases.testing import make_case
from sistra.core.testing import AgencyFactory, UserFactory
from sistra.people.testing import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(prosecutor, outsider, police_unit):
    """A case and victim of Cusco (shared with the police), and a case and victim of Lima; each read once."""
    cusco_victim = make_person(actor=prosecutor, first_names="Rosa", last_name_paternal="Condori")
    cusco_case = make_case(actor=prosecutor, number="2025-00042")
    case_services.victim_add(actor=prosecutor, case=cusco_case, person=cusco_victim)
    case_services.case_share(actor=prosecutor, case=cusco_case, agency=police_unit, reason="Investigación")
    lima_victim = make_person(actor=outsider, first_names="Luis", last_name_paternal="Vargas")
    lima_case = make_case(actor=outsider, number="2025-00777")
    log_access(actor=prosecutor, instance=cusco_victim, fields=["first_names"], purpose="case_work")
    log_access(actor=outsider, instance=lima_victim, fields=["first_names"], purpose="case_work")
    return {"cusco_victim": cusco_victim, "cusco_case": cusco_case, "lima_victim": lima_victim,
            "lima_case": lima_case}


def auditor_of(agency, name="auditor"):
    return UserFactory(username=name, agency=agency, role=Role.AUDITOR)


def test_an_agency_auditor_sees_only_the_logs_of_its_agencys_records(fiscalia, records):
    auditor = auditor_of(fiscalia)

    reads = selectors.auditable_access_logs(auditor)
    changes = selectors.auditable_changes(auditor)

    assert set(reads.values_list("person_uuid", flat=True)) == {records["cusco_victim"].uuid}
    roots = set(changes.values_list("root_uuid", flat=True))
    assert records["cusco_case"].uuid in roots and records["cusco_victim"].uuid in roots
    assert records["lima_case"].uuid not in roots and records["lima_victim"].uuid not in roots


def test_an_agency_given_a_case_audits_that_case_too(police_unit, records):
    auditor = auditor_of(police_unit)

    roots = set(selectors.auditable_changes(auditor).values_list("root_uuid", flat=True))

    assert records["cusco_case"].uuid in roots
    assert records["lima_case"].uuid not in roots


def test_a_national_auditor_sees_every_entry(records):
    auditor = auditor_of(AgencyFactory(code="mininter-oci", kind=Agency.Kind.MININTER))

    assert selectors.auditable_access_logs(auditor).count() == AccessLog.objects.count() == 2
    assert selectors.auditable_changes(auditor).count() == ChangeEvent.objects.count()


def test_who_has_seen_another_agencys_victim_shows_nothing_to_an_agency_auditor(client, fiscalia, records):
    client.force_login(auditor_of(fiscalia))

    response = client.get(reverse("audit:person", args=[records["lima_victim"].uuid]))

    assert response.status_code == 200
    assert list(response.context["page_obj"].object_list) == []


def test_an_auditors_searches_are_logged(client, fiscalia, records):
    auditor = auditor_of(fiscalia)
    client.force_login(auditor)

    client.get(reverse("audit:log"), {"kind": "accesos", "purpose": "case_work"})
    client.get(reverse("audit:person", args=[records["cusco_victim"].uuid]))

    logged = AccessLog.objects.filter(actor=auditor, purpose=AccessLog.Purpose.AUDIT).order_by("id")
    assert [e.detail.split(":")[0] for e in logged] == ["audit_search", "audit_person"]
    assert "case_work" in logged[0].detail
    assert str(records["cusco_victim"].uuid) in logged[1].detail
