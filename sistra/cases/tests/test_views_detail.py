"""The case page: who may see it, whose names are shown, the deadline, parts, history, access log."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from sistra.audit.models import AccessLog
from sistra.cases import services
from sistra.cases.models import CaseShare
from sistra.cases.testing import make_case
from sistra.core.models import Country, PenalArticle
from sistra.core.testing import stage, ubigeo
from sistra.people.testing import make_person

pytestmark = pytest.mark.django_db


def detail(case):
    return reverse("cases:detail", args=[case.uuid])


@pytest.fixture
def full_case(prosecutor):
    case = make_case(actor=prosecutor, number="2026-00500", complaint_date=datetime.date(2025, 6, 1),
                     facts_date_from=datetime.date(2025, 3, 1))
    victim = make_person(actor=prosecutor, first_names="Rosa", last_name_paternal="Condori")
    accused = make_person(actor=prosecutor, first_names="Pedro", last_name_paternal="Ramos")
    witness = make_person(actor=prosecutor, first_names="Luis", last_name_paternal="Vargas")
    services.victim_add(actor=prosecutor, case=case, person=victim, age_at_exploitation=16)
    defendant = services.defendant_add(actor=prosecutor, case=case, person=accused)
    services.party_add(actor=prosecutor, case=case, person=witness, role="witness")
    services.charge_add(actor=prosecutor, case=case, article=PenalArticle.objects.get(code="CP-129-A-L31146"),
                        offence_date=datetime.date(2025, 3, 1), defendant=defendant)
    services.place_add(actor=prosecutor, case=case, kind="exploitation", ubigeo=ubigeo("170101"))
    services.place_add(actor=prosecutor, case=case, kind="recruitment", country=Country.objects.get(code="BO"))
    services.case_add_event(actor=prosecutor, case=case, kind="hearing", date=datetime.date(2025, 7, 1),
                            title="Audiencia de prisión preventiva")
    return case


def test_an_outsider_gets_404(client, outsider, full_case):
    client.force_login(outsider)

    assert client.get(detail(full_case)).status_code == 404


def test_a_random_uuid_is_404(client, prosecutor):
    client.force_login(prosecutor)

    assert client.get("/casos/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_the_owner_sees_every_part_with_names(client, prosecutor, full_case):
    client.force_login(prosecutor)

    response = client.get(detail(full_case))

    html = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    for section in ("general", "stage", "timeline", "victims", "defendants", "parties", "charges", "places",
                    "shares", "history"):
        assert f'id="{section}"' in html
    assert "Rosa Condori" in html and "Pedro Ramos" in html and "Luis Vargas" in html
    assert "Art. 129-A" in html and "Ley 31146" in html and "01/03/2025" in html
    assert ubigeo("170101").full_name in html
    assert "Bolivia" in html
    assert "Audiencia de prisión preventiva" in html
    assert "Víctima menor de edad" in html


def test_an_analyst_sees_the_case_with_pseudonyms_only_and_no_forms(client, prosecutor, analyst, full_case):
    client.force_login(analyst)

    response = client.get(detail(full_case))

    html = response.content.decode()
    victim = full_case.victims.get()
    assert response.status_code == 200
    assert "Rosa" not in html and "Condori" not in html and "Pedro" not in html and "Vargas" not in html
    assert victim.person.code in html
    assert 'id="add-victim"' not in html and 'id="change-stage"' not in html
    assert 'id="history"' not in html
    assert not AccessLog.objects.filter(actor=analyst).exists()


def test_showing_names_is_recorded_in_the_access_log(client, prosecutor, full_case):
    client.force_login(prosecutor)

    client.get(detail(full_case))

    logged = set(AccessLog.objects.filter(actor=prosecutor, object_uuid=full_case.uuid)
                 .values_list("person_uuid", flat=True))
    expected = {v.person.uuid for v in full_case.victims.all()} | {d.person.uuid for d in full_case.defendants.all()} \
        | {p.person.uuid for p in full_case.other_parties.all()}
    assert logged == expected


def test_a_read_only_shared_agency_sees_the_case_without_a_minors_name(client, prosecutor, police_officer, full_case):
    services.case_share(actor=prosecutor, case=full_case, agency=police_officer.agency, reason="Investigación")
    client.force_login(police_officer)

    response = client.get(detail(full_case))

    assert response.status_code == 200
    assert full_case.number in response.content.decode()
    # read-only share: no forms
    assert 'id="add-victim"' not in response.content.decode()
    # the victim was 16: minors are protected further, a read-only share shows pseudonyms only
    assert full_case.has_minor_victim
    assert "Rosa Condori" not in response.content.decode()


def test_the_current_stage_shows_its_legal_deadline_and_days_left(client, prosecutor):
    case = make_case(actor=prosecutor, complaint_date=datetime.date.today() - datetime.timedelta(days=20))
    services.case_change_stage(actor=prosecutor, case=case, stage=stage("diligencias_preliminares"),
                               date=datetime.date.today() - datetime.timedelta(days=10))
    client.force_login(prosecutor)

    response = client.get(detail(case))

    html = response.content.decode()
    due = (datetime.date.today() + datetime.timedelta(days=50)).strftime("%d/%m/%Y")
    assert response.context["deadline"].days_left == 50
    assert f"vence el {due}" in html and "quedan 50 días" in html


def test_an_overdue_deadline_says_so(client, prosecutor):
    case = make_case(actor=prosecutor, complaint_date=datetime.date.today() - datetime.timedelta(days=100))
    services.case_change_stage(actor=prosecutor, case=case, stage=stage("diligencias_preliminares"),
                               date=datetime.date.today() - datetime.timedelta(days=70))
    client.force_login(prosecutor)

    html = client.get(detail(case)).content.decode()

    assert "vencido hace 10 días" in html


def test_the_history_says_who_changed_what_before_and_after(client, prosecutor, full_case):
    full_case.refresh_from_db()
    services.case_update(actor=prosecutor, case=full_case, expected_version=full_case.version,
                         title="Operación Ámbar")
    defendant = full_case.defendants.get()
    services.defendant_update(actor=prosecutor, defendant=defendant, outcome="convicted",
                              outcome_date=datetime.date.today(), sentence_years=Decimal("15"))
    client.force_login(prosecutor)

    response = client.get(detail(full_case))

    html = response.content.decode()
    assert "Modificación de datos del caso" in html
    assert "denominación" in html and "Operación Ámbar" in html
    assert "Condenado" in html and "15" in html
    assert prosecutor.get_full_name() in html


def test_shares_are_listed_with_a_revoke_button_for_the_owner(client, prosecutor, police_officer, full_case):
    services.case_share(actor=prosecutor, case=full_case, agency=police_officer.agency, reason="Apoyo policial",
                        level=CaseShare.Level.WRITE)
    client.force_login(prosecutor)

    html = client.get(detail(full_case)).content.decode()

    assert "Apoyo policial" in html
    assert reverse("cases:revoke_share", args=[full_case.uuid, police_officer.agency.uuid]) in html


def test_a_person_registered_from_the_case_comes_back_preselected(client, prosecutor, full_case):
    person = make_person(actor=prosecutor, first_names="Nueva", last_name_paternal="Persona")
    client.force_login(prosecutor)

    response = client.get(detail(full_case), {"persona": str(person.uuid)})

    picker = response.context["victim_form"].pickers["person"]
    assert [o.value for o in picker.options if o.checked] == [str(person.uuid)]
    assert 'id="add-victim" open' in response.content.decode()


def test_the_page_runs_no_inline_script_and_loads_htmx_with_the_nonce(client, prosecutor, full_case):
    client.force_login(prosecutor)

    response = client.get(detail(full_case))

    html = response.content.decode()
    assert "vendor/htmx/htmx.min.js" in html
    nonce = response.context["csp_nonce"]
    assert f'nonce="{nonce}"' in html
    assert "<script>" not in html and " style=" not in html and "onclick" not in html
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]


def test_the_number_of_queries_does_not_grow_with_the_parties(client, prosecutor, full_case):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(prosecutor)

    def reads():
        with CaptureQueriesContext(connection) as ctx:
            client.get(detail(full_case))
        # one access-log row per person shown is written on purpose; reads must stay constant
        return len([q for q in ctx.captured_queries if not q["sql"].startswith("INSERT")])

    reads()  # the first page a process renders reads the lists it keeps (sistra.core.choices)
    before = reads()
    for i in range(4):
        person = make_person(actor=prosecutor, first_names=f"Víctima{i}", last_name_paternal="Prueba")
        services.victim_add(actor=prosecutor, case=full_case, person=person)

    assert reads() == before
