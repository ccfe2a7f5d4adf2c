"""The review queue, the stewards' decisions, merge and unmerge, and the batch runs."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from sistra.cases import services as case_services
from sistra.cases.testing import make_case
from sistra.linkage import services
from sistra.linkage.batch import run_start
from sistra.linkage.models import IdentityMember, LinkageRun, LinkCandidate
from sistra.linkage.selectors import surviving_values
from sistra.people.models import IdentityDocument, Person, PersonAlias
from sistra.people.services import DocumentInput
from sistra.people.testing import make_person

pytestmark = pytest.mark.django_db


def _jose(actor, **extra):
    data = {
        "first_names": "José",
        "last_name_paternal": "Quispe",
        "last_name_maternal": "Mamani",
        "sex": "male",
        "date_of_birth": datetime.date(1990, 3, 15),
    }
    data.update(extra)
    return make_person(actor=actor, **data)


@pytest.fixture
def pair(prosecutor, outsider, django_capture_on_commit_callbacks):
    """The same man in two fiscalías; the second registration proposes the link."""
    theirs = _jose(outsider, documents=[DocumentInput(kind="dni", number="10117410")], aliases=["Pepe"])
    with django_capture_on_commit_callbacks(execute=True):
        ours = _jose(prosecutor, first_names="Pepe", documents=[DocumentInput(kind="dni", number="10117401")])
    return ours, theirs, LinkCandidate.objects.get()


def test_the_steward_of_the_owning_agency_sees_the_pair_and_only_the_fields_they_may_see(
    client, pair, lima_steward
):
    ours, theirs, candidate = pair
    client.force_login(lima_steward)

    queue = client.get(reverse("linkage:queue")).content.decode()
    page = client.get(reverse("linkage:review", args=[candidate.uuid])).content.decode()

    assert str(candidate.uuid) in queue
    assert "10117410" in page  # their own record, in full
    assert ours.code in page and "10117401" not in page  # the other agency's record: only its pseudonym
    assert "Su institución no puede ver la identidad de este registro." in page


def test_a_steward_of_an_uninvolved_agency_gets_a_404(client, pair, police_officer):
    from sistra.accounts.capabilities import Role
    from sistra.core.testing import UserFactory

    _ours, _theirs, candidate = pair
    stranger = UserFactory(username="responsable-pnp", agency=police_officer.agency, role=Role.DATA_STEWARD)
    client.force_login(stranger)

    assert client.get(reverse("linkage:review", args=[candidate.uuid])).status_code == 404
    assert str(candidate.uuid) not in client.get(reverse("linkage:queue")).content.decode()


def test_the_user_who_registered_the_person_may_not_open_the_queue(client, pair, prosecutor):
    client.force_login(prosecutor)

    assert client.get(reverse("linkage:queue")).status_code == 403
    assert client.get(reverse("linkage:review", args=[pair[2].uuid])).status_code == 403


def test_a_national_steward_links_the_pair_with_a_reason(client, pair, national_steward):
    ours, theirs, candidate = pair
    client.force_login(national_steward)

    response = client.post(
        reverse("linkage:review", args=[candidate.uuid]),
        {
            "decision": "linked",
            "reason": "Mismo DNI salvo un dígito; misma fecha.",
            "version": candidate.version,
        },
    )

    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.status == "linked" and candidate.decided_by == national_steward
    assert services.active_identity(ours) == services.active_identity(theirs) is not None


def test_a_decision_without_a_reason_is_refused_and_changes_nothing(client, pair, national_steward):
    candidate = pair[2]
    client.force_login(national_steward)

    response = client.post(
        reverse("linkage:review", args=[candidate.uuid]),
        {"decision": "linked", "reason": "", "version": candidate.version},
    )

    assert response.status_code == 422
    candidate.refresh_from_db()
    assert candidate.status == "pending"
    assert IdentityMember.objects.count() == 0


def test_a_decision_on_a_stale_pair_is_refused(pair, national_steward, outsider):
    from sistra.people.services import person_update

    ours, theirs, candidate = pair
    person_update(actor=outsider, person=theirs, expected_version=theirs.version, first_names="Josue")

    with pytest.raises(ValidationError) as exc:
        services.candidate_decide(
            actor=national_steward,
            candidate=candidate,
            decision="linked",
            reason="x",
            expected_version=candidate.version,
        )

    assert "cambió desde que se propuso" in " ".join(exc.value.messages)
    candidate.refresh_from_db()
    assert candidate.status == "pending"


def test_a_second_decision_on_a_decided_pair_is_refused(pair, national_steward):
    candidate = pair[2]
    services.candidate_decide(
        actor=national_steward,
        candidate=candidate,
        decision="not_same",
        reason="Otra persona",
        expected_version=candidate.version,
    )

    with pytest.raises(ValidationError):
        services.candidate_decide(
            actor=national_steward,
            candidate=candidate,
            decision="linked",
            reason="x",
            expected_version=candidate.version,
        )


def test_a_merge_of_persons_the_steward_may_not_both_see_is_refused(pair, lima_steward):
    ours, theirs, _candidate = pair

    with pytest.raises(ValidationError) as exc:
        services.identity_merge(actor=lima_steward, persons=[ours, theirs], reason="x")

    assert exc.value.messages == ["No puede vincular registros que no tiene permitido ver."]
    assert IdentityMember.objects.count() == 0


def test_an_unmerge_of_something_never_merged_is_refused(pair, national_steward):
    with pytest.raises(ValidationError) as exc:
        services.identity_unmerge(
            actor=national_steward, identity=services.active_identity(pair[0]), reason="x"
        )

    assert exc.value.messages == ["Este registro no está vinculado con otros: no hay nada que separar."]


def _state():
    """Every record and link a merge could touch, as plain values."""
    from sistra.cases.models import CaseParty, CaseVictim

    persons = sorted(
        Person.objects.values_list(
            "pk",
            "code",
            "first_names",
            "last_name_paternal",
            "last_name_maternal",
            "date_of_birth",
            "owner_agency_id",
            "version",
        )
    )
    documents = sorted(IdentityDocument.objects.values_list("person_id", "kind", "number"))
    aliases = sorted(PersonAlias.objects.values_list("person_id", "alias"))
    parties = sorted(CaseParty.objects.values_list("pk", "case_id", "person_id", "role"))
    victims = sorted(CaseVictim.objects.values_list("pk", "case_id", "person_id"))
    return persons, documents, aliases, parties, victims


def test_merge_then_unmerge_restores_every_record_and_link_exactly(
    pair, national_steward, prosecutor, outsider
):
    ours, theirs, _candidate = pair
    case = make_case(actor=prosecutor)
    case_services.victim_add(actor=prosecutor, case=case, person=ours)
    other_case = make_case(actor=outsider, number="2026-99999")
    case_services.party_add(actor=outsider, case=other_case, person=theirs, role="witness")
    before = _state()

    identity = services.identity_merge(actor=national_steward, persons=[ours, theirs], reason="Mismo DNI")
    assert _state() == before  # a merge groups the records, it rewrites none of them
    services.identity_unmerge(actor=national_steward, identity=identity, reason="Error de digitación")

    assert _state() == before
    assert services.active_identity(ours) is None and services.active_identity(theirs) is None
    # the history stays: both memberships, ended
    assert IdentityMember.objects.filter(identity=identity, removed_at__isnull=False).count() == 2


def test_survivorship_prefers_the_record_with_a_dni_and_a_full_birth_date(prosecutor, outsider):
    hotline = make_person(
        actor=prosecutor,
        first_names="Chabuca",
        last_name_paternal="Ccori",
        date_of_birth=datetime.date(2004, 1, 1),
    )
    case = make_person(
        actor=outsider,
        first_names="Isabel",
        last_name_paternal="Ccori",
        last_name_maternal="Puma",
        date_of_birth=datetime.date(2004, 5, 9),
        documents=[DocumentInput(kind="dni", number="45678912")],
    )

    values = surviving_values([hotline, case])

    assert values["first_names"] == "Isabel"
    assert values["last_name_maternal"] == "Puma"
    assert values["date_of_birth"] == datetime.date(2004, 5, 9)
    assert values["documents"] == ["DNI 45678912"]


def test_a_batch_run_proposes_pairs_records_thresholds_and_reuses_decisions(
    national_steward, prosecutor, outsider, django_capture_on_commit_callbacks
):
    first = _jose(outsider)
    second = _jose(prosecutor, first_names="Pepe", last_name_maternal="")
    LinkCandidate.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        run = run_start(actor=national_steward)
    run.refresh_from_db()

    assert run.status == LinkageRun.Status.DONE and run.progress == 100 and run.active is None
    assert set(run.thresholds) == {"strong", "possible"}
    assert run.results["proposed"] == 1
    candidate = LinkCandidate.objects.get(run=run)
    assert {candidate.person_a, candidate.person_b} == {first, second}
    services.candidate_decide(
        actor=national_steward,
        candidate=candidate,
        decision="not_same",
        reason="Hermanos",
        expected_version=candidate.version,
    )

    with django_capture_on_commit_callbacks(execute=True):
        again = run_start(actor=national_steward)
    again.refresh_from_db()
    assert again.results["proposed"] == 0 and again.results["decisions_reused"] == 1


def test_a_second_run_while_one_is_running_is_refused_in_spanish(client, national_steward):
    LinkageRun.objects.create(started_by=national_steward, status=LinkageRun.Status.RUNNING)
    client.force_login(national_steward)

    response = client.post(reverse("linkage:runs"), follow=True)

    assert "Ya hay una vinculación por lotes en curso" in response.content.decode()
    assert LinkageRun.objects.count() == 1


def test_only_a_national_steward_may_start_runs(client, lima_steward):
    client.force_login(lima_steward)

    assert client.post(reverse("linkage:runs")).status_code == 403
    assert LinkageRun.objects.count() == 0
