"""The section forms of the case page, loaded when opened (issue #16, decision 0221): the page holds a closed
<details> per form and no field of it; the fragment endpoint answers each form with the page's initial values
to those who may use it and 404 to everyone else; ?formulario= opens one form without JavaScript; a refused
submission still comes back inline and open."""

import datetime
import re
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sistra.audit.models import AccessLog
from sistra.cases import services
from sistra.cases.models import CaseShare
from sistra.cases.testing import make_case
from sistra.people.testing import make_person

pytestmark = pytest.mark.django_db

# key -> (the id of its <details> on the page, a field the form renders)
SECTIONS = {
    "assign": ("assign-prosecutor", "assign-prosecutor"),
    "transfer": ("transfer-case", "transfer-to_fiscalia"),
    "stage": ("change-stage", "stage-stage"),
    "event": ("add-event", "event-title"),
    "victim": ("add-victim", "victim-person_q"),
    "defendant": ("add-defendant", "defendant-status"),
    "party": ("add-party", "party-role"),
    "charge": ("add-charge", "charge-article"),
    "place": ("add-place", "place-kind"),
    "attachment": ("add-attachment", "attachment-file"),
    "share": ("share-case", "share-agency"),
}
WRITE_KEYS = ["stage", "event", "victim", "defendant", "party", "charge", "place", "attachment"]


@pytest.fixture
def case(prosecutor):
    return make_case(actor=prosecutor, number="2026-01600", complaint_date=datetime.date(2025, 6, 1))


@pytest.fixture
def defendant(prosecutor, case):
    accused = make_person(actor=prosecutor, first_names="Pedro", last_name_paternal="Ramos")
    return services.defendant_add(actor=prosecutor, case=case, person=accused)


@pytest.fixture
def logged(client, prosecutor):
    client.force_login(prosecutor)
    return client


def page(case):
    return reverse("cases:detail", args=[case.uuid])


def fragment(case, key):
    return reverse("cases:section_form", args=[case.uuid, key])


def without_tokens(response) -> str:
    return re.sub(r'(name="csrfmiddlewaretoken" value=|"X-CSRFToken": |nonce=)"[^"]*"', "", response.content.decode())


def all_keys(defendant):
    return [*SECTIONS, f"outcome-{defendant.uuid}"]


# --- the page ---------------------------------------------------------------------------------------------

def test_the_page_holds_no_field_of_a_closed_form_only_the_way_to_load_it(logged, case, defendant):
    response = logged.get(page(case))

    html = response.content.decode()
    assert response.status_code == 200
    for key in all_keys(defendant):
        anchor = SECTIONS[key][0] if key in SECTIONS else key
        assert f'name="{key}-' not in html, key
        assert f'hx-get="{fragment(case, key)}" hx-trigger="toggle once" hx-target="#{anchor}-body"' in html, key
        # without JavaScript: a plain link to the page with that form open
        assert f'href="{page(case)}?formulario={key}#{anchor}"' in html, key
    assert "<select" not in html and "<textarea" not in html and 'type="checkbox"' not in html
    assert " open" not in html.split('id="general"')[1].split("</section>")[0]
    for name in ("stage_form", "victim_form", "charge_form", "share_form", "transfer_form", "attachment_form"):
        assert name not in response.context, name
    assert response.context["defendant_rows"] == [(defendant, None)]


def test_a_reader_gets_no_section_form_at_all(client, prosecutor, police_officer, case, defendant):
    services.case_share(actor=prosecutor, case=case, agency=police_officer.agency, reason="Investigación")
    client.force_login(police_officer)

    html = client.get(page(case)).content.decode()

    assert 'class="section-form"' not in html and "formularios/" not in html and "formulario=" not in html


def test_the_number_of_queries_of_the_page_does_not_grow_with_the_defendants(logged, prosecutor, case, defendant):
    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert logged.get(page(case)).status_code == 200
        return len(ctx.captured_queries)

    queries()  # the first page a process renders reads the lists it keeps (sistra.core.choices)
    with_one = queries()
    for i in range(4):
        person = make_person(actor=prosecutor, first_names=f"Imputado{i}", last_name_paternal="Prueba")
        services.defendant_add(actor=prosecutor, case=case, person=person)

    # the access-log rows of the five names shown included: one INSERT for all of them
    assert queries() == with_one


# --- the fragments ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("key", list(SECTIONS))
def test_each_fragment_is_its_form_alone(logged, case, key):
    response = logged.get(fragment(case, key))

    html = response.content.decode()
    assert response.status_code == 200
    assert f'name="{SECTIONS[key][1]}"' in html
    assert html.lstrip().startswith(("<form", '<p class="muted">')) and "<details" not in html
    assert "<html" not in html and "<script" not in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert "no-store" in response["Cache-Control"]
    assert response.context["form"].prefix == key and not response.context["form"].is_bound


def test_the_fragments_carry_the_initial_values_of_the_page(logged, prosecutor, teammate, case):
    services.case_assign_prosecutor(actor=prosecutor, case=case, prosecutor=teammate)
    case.refresh_from_db()
    today = timezone.localdate()

    def initial(key):
        return logged.get(fragment(case, key)).context["form"].initial

    assert initial("stage") == {"date": today, "version": case.version}
    assert initial("event") == {"date": today}
    assert initial("transfer") == {"date": today}
    assert initial("assign") == {"prosecutor": teammate.uuid}
    assert initial("victim") == initial("defendant") == initial("party") == {"person": None}
    stage_html = logged.get(fragment(case, "stage")).content.decode()
    assert f'name="stage-version" value="{case.version}"' in stage_html
    assert f'value="{today.strftime("%d/%m/%Y")}"' in stage_html


def test_the_outcome_fragment_starts_from_the_defendants_outcome(logged, prosecutor, case, defendant):
    services.defendant_update(actor=prosecutor, defendant=defendant, outcome="convicted",
                              outcome_date=datetime.date(2025, 10, 15), sentence_years=Decimal("15"),
                              reparation_amount=Decimal("20000.50"))
    defendant.refresh_from_db()

    response = logged.get(fragment(case, f"outcome-{defendant.uuid}"))

    assert response.status_code == 200
    assert response.context["form"].prefix == f"outcome-{defendant.uuid}"
    assert response.context["form"].initial == {
        "outcome": "convicted", "outcome_date": datetime.date(2025, 10, 15), "sentence_years": Decimal("15"),
        "reparation_amount": Decimal("20000.50")}
    html = response.content.decode()
    assert reverse("cases:set_outcome", args=[case.uuid, defendant.uuid]) in html
    assert "15/10/2025" in html


def test_a_pending_defendants_outcome_date_starts_today(logged, case, defendant):
    form = logged.get(fragment(case, f"outcome-{defendant.uuid}")).context["form"]

    assert form.initial["outcome"] == "pending" and form.initial["outcome_date"] == timezone.localdate()


def test_the_share_form_offers_every_agency_but_the_owner(logged, case, police_unit):
    form = logged.get(fragment(case, "share")).context["form"]

    agencies = set(form.fields["agency"].queryset)
    assert police_unit in agencies and case.owner_agency not in agencies


def test_the_charge_fragment_names_the_defendants_and_puts_the_reads_on_record(logged, prosecutor, case,
                                                                                 defendant):
    AccessLog.objects.all().delete()

    html = logged.get(fragment(case, "charge")).content.decode()

    assert "Pedro Ramos" in html
    logs = AccessLog.objects.filter(actor=prosecutor)
    assert [(log.object_uuid, log.person_uuid) for log in logs] == [(case.uuid, defendant.person.uuid)]
    log = logs.get()
    assert (log.purpose, log.kind, log.detail) == (AccessLog.Purpose.CASE_WORK, AccessLog.Kind.IDENTITY_VIEWED,
                                                   case.number)
    assert log.fields == sorted(["first_names", "last_name_paternal", "last_name_maternal"])


def test_a_fragment_that_names_nobody_writes_no_access_log(logged, prosecutor, case, defendant):
    AccessLog.objects.all().delete()

    for key in ("stage", "victim", f"outcome-{defendant.uuid}"):
        assert logged.get(fragment(case, key)).status_code == 200

    assert not AccessLog.objects.exists()


def test_a_fragment_only_answers_get(logged, case):
    assert logged.post(fragment(case, "stage")).status_code == 405


# --- who gets 404 -----------------------------------------------------------------------------------------

def test_a_reader_of_the_case_gets_404_for_every_form(client, prosecutor, police_officer, case, defendant):
    services.case_share(actor=prosecutor, case=case, agency=police_officer.agency, reason="Investigación")
    client.force_login(police_officer)
    assert client.get(page(case)).status_code == 200

    for key in all_keys(defendant):
        assert client.get(fragment(case, key)).status_code == 404, key


def test_a_working_share_writes_but_neither_transfers_nor_shares(client, prosecutor, police_officer, case,
                                                                  defendant):
    services.case_share(actor=prosecutor, case=case, agency=police_officer.agency, reason="Apoyo",
                        level=CaseShare.Level.WRITE)
    client.force_login(police_officer)

    for key in [*WRITE_KEYS, f"outcome-{defendant.uuid}"]:
        assert client.get(fragment(case, key)).status_code == 200, key
    for key in ("share", "transfer", "assign"):
        assert client.get(fragment(case, key)).status_code == 404, key


def test_a_colleague_in_the_owning_fiscalia_may_share_and_transfer(client, teammate, case):
    client.force_login(teammate)
    assert client.get(fragment(case, "share")).status_code == 200
    assert client.get(fragment(case, "transfer")).status_code == 200


def test_an_outsider_gets_the_answer_of_a_case_that_does_not_exist(client, outsider, analyst, case, defendant):
    missing = type("Missing", (), {"uuid": uuid.uuid4()})
    for user in (outsider, analyst):
        client.force_login(user)
        for key in all_keys(defendant):
            seen, unknown = client.get(fragment(case, key)), client.get(fragment(missing, key))
            assert seen.status_code == unknown.status_code == 404, (user, key)
            # the same page but for the address it names (the language switch links back to it)
            assert without_tokens(seen).replace(str(case.uuid), "") == \
                without_tokens(unknown).replace(str(missing.uuid), "")


@pytest.mark.parametrize("key", ["nada", "outcome", "outcome-", "outcome-123", "stage-x", "victim-person",
                                 "STAGE", f"outcome-{uuid.UUID(int=0)}"])
def test_an_unknown_form_or_defendant_is_404(logged, case, defendant, key):
    assert logged.get(fragment(case, key)).status_code == 404


def test_the_outcome_form_of_another_cases_defendant_is_404(logged, prosecutor, case, defendant):
    other = make_case(actor=prosecutor, number="2026-01601")

    assert logged.get(fragment(other, f"outcome-{defendant.uuid}")).status_code == 404


# --- without JavaScript, and the forms shown again --------------------------------------------------------

def test_formulario_opens_that_form_on_the_page(logged, case):
    response = logged.get(page(case), {"formulario": "victim"})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="add-victim" open' in html and 'name="victim-person_q"' in html
    assert response.context["victim_form"].initial == {"person": None}
    # the others stay closed and empty
    assert 'name="stage-stage"' not in html and 'hx-get="' + fragment(case, "stage") + '"' in html
    assert 'hx-get="' + fragment(case, "victim") + '"' not in html


@pytest.mark.parametrize("key", list(SECTIONS))
def test_formulario_opens_every_form_the_user_may_use(logged, case, key):
    html = logged.get(page(case), {"formulario": key}).content.decode()

    anchor, field = SECTIONS[key]
    assert f'id="{anchor}" open' in html and f'name="{field}"' in html


def test_formulario_opens_a_defendants_outcome(logged, case, defendant):
    response = logged.get(page(case), {"formulario": f"outcome-{defendant.uuid}"})

    html = response.content.decode()
    assert f'id="outcome-{defendant.uuid}" open' in html and f'name="outcome-{defendant.uuid}-outcome"' in html
    assert dict(response.context["defendant_rows"])[defendant].initial["outcome"] == "pending"


@pytest.mark.parametrize("key", ["share", "transfer", "nada", f"outcome-{uuid.UUID(int=0)}"])
def test_formulario_ignores_a_form_the_user_may_not_use(client, prosecutor, police_officer, case, key):
    services.case_share(actor=prosecutor, case=case, agency=police_officer.agency, reason="Apoyo",
                        level=CaseShare.Level.WRITE)
    client.force_login(police_officer)

    response = client.get(page(case), {"formulario": key})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="share-agency"' not in html and 'name="transfer-to_fiscalia"' not in html
    assert " open" not in html.split('id="general"')[1]


def test_a_person_registered_from_the_case_opens_the_three_person_forms(logged, prosecutor, case):
    person = make_person(actor=prosecutor, first_names="Nueva", last_name_paternal="Persona")

    response = logged.get(page(case), {"persona": str(person.uuid)})

    html = response.content.decode()
    for key, anchor in (("victim", "add-victim"), ("defendant", "add-defendant"), ("party", "add-party")):
        assert response.context[f"{key}_form"].initial == {"person": person.uuid}
        assert f'id="{anchor}" open' in html
        assert f'name="{key}-person" id="id_{key}-person_0" value="{person.uuid}"' in html
    assert 'name="stage-stage"' not in html


def test_a_refused_submission_comes_back_inline_open_and_the_rest_stay_closed(logged, case):
    response = logged.post(reverse("cases:add_event", args=[case.uuid]), {
        "event-kind": "hearing", "event-date": (timezone.localdate() + datetime.timedelta(days=2)).strftime(
            "%d/%m/%Y"), "event-title": "Audiencia"})

    html = response.content.decode()
    assert response.status_code == 422
    assert 'id="add-event" open' in html and 'value="Audiencia"' in html
    assert "no puede ser una fecha futura" in html
    assert 'name="victim-person_q"' not in html and 'hx-get="' + fragment(case, "victim") + '"' in html


def test_a_no_javascript_search_shows_the_form_inline_and_open(logged, prosecutor, case):
    make_person(actor=prosecutor, first_names="Rosa", last_name_paternal="Condori")

    response = logged.post(reverse("cases:add_victim", args=[case.uuid]), {
        "victim-person_q": "rosa condori", "action": "search", "victim-relation_to_trafficker": "unknown"})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="add-victim" open' in html and "Rosa Condori" in html
    assert 'name="stage-stage"' not in html
