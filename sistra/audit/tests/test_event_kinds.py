"""Typed audit events: a change says what happened in the words of the work (a stage changed, a share given
and revoked), any other write its generic kind; a read of identity and an export say which they are; the
auditor finds them by kind, and a count by kind and year is one query."""

import datetime

import pytest
from django.urls import reverse

from sistra.accounts.capabilities import Role
from sistra.accounts.models import Agency
from sistra.audit.models import AccessLog, ChangeEvent
from sistra.audit.services import log_access, log_export
from sistra.cases.services import case_change_stage, case_share, case_share_revoke, case_update
from sistra.cases.testing import make_case
from sistra.core.testing import AgencyFactory, UserFactory, stage
from sistra.people.testing import make_person

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def auditor(db):
    national = AgencyFactory(code="mininter-control", kind=Agency.Kind.MININTER)
    return UserFactory(username="auditora-tipos", agency=national, role=Role.AUDITOR)


def kinds_of(instance) -> list[str]:
    return list(ChangeEvent.objects.filter(root_uuid=instance.uuid).order_by("id").values_list("kind", flat=True))


def test_a_case_says_created_stage_changed_shared_share_revoked_and_updated(prosecutor, police_unit):
    case = make_case(actor=prosecutor, number="K-1", complaint_date=D(2025, 1, 10))
    case_change_stage(actor=prosecutor, case=case, stage=stage("diligencias_preliminares"), date=D(2025, 2, 1))
    share = case_share(actor=prosecutor, case=case, agency=police_unit, reason="Investigación conjunta")
    case_share_revoke(actor=prosecutor, share=share)
    case.refresh_from_db()
    case_update(actor=prosecutor, case=case, expected_version=case.version, title="Título corregido")

    assert kinds_of(case) == ["created", "stage_changed", "shared", "share_revoked", "updated"]


def test_reads_of_identity_and_exports_are_told_apart(prosecutor):
    person = make_person(actor=prosecutor)
    read = log_access(actor=prosecutor, instance=person, fields=["first_names"], purpose=AccessLog.Purpose.CASE_WORK)
    export = log_export(actor=prosecutor, model_label="cases.case", count=3, purpose="Informe anual")
    assert (read.kind, export.kind) == (AccessLog.Kind.IDENTITY_VIEWED, AccessLog.Kind.EXPORT_MADE)


def test_the_auditor_finds_the_stage_changes_of_a_year(client, prosecutor, auditor):
    first = make_case(actor=prosecutor, number="K-2", complaint_date=D(2025, 1, 10))
    second = make_case(actor=prosecutor, number="K-3", complaint_date=D(2025, 1, 10))
    case_change_stage(actor=prosecutor, case=first, stage=stage("diligencias_preliminares"), date=D(2025, 2, 1))
    case_change_stage(actor=prosecutor, case=second, stage=stage("archivo"), date=D(2025, 2, 1))
    year = ChangeEvent.objects.filter(kind=ChangeEvent.Kind.STAGE_CHANGED).values_list("at__year", flat=True)[0]

    # statistics: one query, by kind and year
    assert ChangeEvent.objects.filter(kind=ChangeEvent.Kind.STAGE_CHANGED, at__year=year).count() == 2

    client.force_login(auditor)
    page = client.get(reverse("audit:log"), {"kind": "cambios", "event": "stage_changed"})
    assert page.status_code == 200
    shown = [row.entry.root_uuid for row in page.context["rows"]]
    assert sorted(shown) == sorted([first.uuid, second.uuid])
    everything = client.get(reverse("audit:log"), {"kind": "cambios"})
    assert len(everything.context["rows"]) > len(shown)
