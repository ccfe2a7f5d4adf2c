"""The section forms of the case page: each POST either saves through its service and redirects to its
section, or shows the service's Spanish message on the right field and saves nothing."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from sistra.cases import services
from sistra.cases.models import CaseDefendant, CaseEvent, CaseParty, CasePlace, CaseShare, CaseVictim, Charge
from sistra.cases.testing import make_case
from sistra.people.testing import make_person

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


def day(d: datetime.date) -> str:
    return d.strftime("%d/%m/%Y")


@pytest.fixture
def case(prosecutor):
    return make_case(actor=prosecutor, number="2026-00900", complaint_date=TODAY - datetime.timedelta(days=60),
                     facts_date_from=datetime.date(2025, 1, 10))


@pytest.fixture
def person(prosecutor):
    return make_person(actor=prosecutor, first_names="Rosa", last_name_paternal="Condori",
                       date_of_birth=datetime.date(2010, 5, 5))


@pytest.fixture
def logged(client, prosecutor):
    client.force_login(prosecutor)
    return client


def url(name, case, *args):
    return reverse(f"cases:{name}", args=[case.uuid, *args])


def section(case, anchor):
    return reverse("cases:detail", args=[case.uuid]) + f"#{anchor}"


def errors(response, form_key):
    return response.context[form_key].errors


# --- stage ----------------------------------------------------------------------------------------------------

def test_it_changes_the_stage(logged, case):
    response = logged.post(url("change_stage", case), {
        "stage-stage": "diligencias_preliminares", "stage-date": day(TODAY), "stage-version": case.version})

    case.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == section(case, "stage")
    assert case.current_stage_id == "diligencias_preliminares"
    assert CaseEvent.objects.filter(case=case, kind="stage_change", stage_to_id="diligencias_preliminares").exists()


def test_a_stage_the_ncpp_does_not_allow_is_refused_on_the_form(logged, case):
    # this test used to expect "needs a reason"; Denuncia → Juicio oral is now refused with or without one
    response = logged.post(url("change_stage", case), {
        "stage-stage": "juicio_oral", "stage-date": day(TODAY), "stage-reason": "Proceso inmediato",
        "stage-version": case.version})

    case.refresh_from_db()
    assert response.status_code == 422
    assert errors(response, "stage_form")["stage"][0].startswith("El NCPP no prevé pasar de Denuncia a Juicio oral")
    assert case.current_stage_id == "denuncia"
    assert 'id="change-stage" open' in response.content.decode()


def test_a_case_received_at_trial_goes_through_the_exception_on_the_form(logged, case):
    response = logged.post(url("change_stage", case), {
        "stage-stage": "juicio_oral", "stage-date": day(TODAY), "stage-exception": "received",
        "stage-reason": "Expediente recibido del juzgado", "stage-version": case.version})

    assert response.status_code == 302
    event = CaseEvent.objects.get(case=case, stage_to_id="juicio_oral")
    assert (event.exception, event.reason) == ("received", "Expediente recibido del juzgado")
    page = logged.get(section(case, "stage")).content.decode()
    assert "Excepción: Caso recibido en una etapa posterior" in page


def test_the_stage_list_offers_the_next_stages_first_and_the_rest_as_exceptions(logged, case):
    form = logged.get(url("section_form", case, "stage")).context["form"]
    groups = dict(form.fields["stage"].widget.choices[1:])
    assert [code for code, _label in groups["Etapas siguientes"]] == ["diligencias_preliminares", "archivo"]
    assert "juicio_oral" in [code for code, _label in groups["Solo como excepción"]]


# --- transfer and prosecutor ----------------------------------------------------------------------------------


def test_a_transfer_from_the_case_page_hands_the_case_over(logged, case, other_fiscalia):
    response = logged.post(url("transfer", case), {
        "transfer-to_fiscalia": other_fiscalia.code, "transfer-date": day(TODAY),
        "transfer-reason": "Los hechos ocurrieron en Lima"})

    assert (response.status_code, response["Location"]) == (302, reverse("cases:list"))
    case.refresh_from_db()
    assert case.fiscalia == other_fiscalia
    assert logged.get(reverse("cases:detail", args=[case.uuid])).status_code == 404


def test_a_transfer_without_a_reason_is_shown_again_with_the_message(logged, case, other_fiscalia):
    response = logged.post(url("transfer", case), {
        "transfer-to_fiscalia": other_fiscalia.code, "transfer-date": day(TODAY), "transfer-reason": ""})
    assert response.status_code == 422
    assert "reason" in errors(response, "transfer_form")
    case.refresh_from_db()
    assert case.fiscalia != other_fiscalia


def test_another_fiscalia_gets_404_and_a_working_share_gets_403_on_transfer(client, case, outsider, prosecutor,
                                                                           police_officer, other_fiscalia):
    data = {"transfer-to_fiscalia": other_fiscalia.code, "transfer-date": day(TODAY), "transfer-reason": "x"}
    client.force_login(outsider)
    assert client.post(url("transfer", case), data).status_code == 404
    services.case_share(actor=prosecutor, case=case, agency=police_officer.agency, level="write", reason="Apoyo")
    client.force_login(police_officer)
    assert client.post(url("transfer", case), data).status_code == 403
    case.refresh_from_db()
    assert case.fiscalia == prosecutor.agency


def test_the_fiscalia_names_the_prosecutor_in_charge(logged, case, teammate):
    response = logged.post(url("assign_prosecutor", case), {"assign-prosecutor": str(teammate.uuid)})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.prosecutor == teammate


def test_a_stage_change_over_a_stale_page_is_refused(logged, case, prosecutor):
    stale_version = case.version
    services.case_add_event(actor=prosecutor, case=case, kind="note", date=TODAY, title="Nota")

    response = logged.post(url("change_stage", case), {
        "stage-stage": "diligencias_preliminares", "stage-date": day(TODAY), "stage-version": stale_version})

    case.refresh_from_db()
    assert response.status_code == 422
    assert "Otra persona modificó este registro" in response.content.decode()
    assert case.current_stage_id == "denuncia"


# --- events ---------------------------------------------------------------------------------------------------

def test_it_adds_an_event_to_the_timeline(logged, case):
    response = logged.post(url("add_event", case), {
        "event-kind": "hearing", "event-date": day(TODAY), "event-title": "Audiencia", "event-description": ""})

    assert response.status_code == 302 and response["Location"] == section(case, "timeline")
    assert CaseEvent.objects.filter(case=case, kind="hearing", title="Audiencia").exists()


def test_an_event_in_the_future_is_refused(logged, case):
    response = logged.post(url("add_event", case), {
        "event-kind": "hearing", "event-date": day(TODAY + datetime.timedelta(days=2)), "event-title": "Audiencia"})

    assert response.status_code == 422
    assert "no puede ser una fecha futura" in errors(response, "event_form")["date"][0]
    assert not CaseEvent.objects.filter(case=case, kind="hearing").exists()


# --- charges --------------------------------------------------------------------------------------------------

def test_it_adds_a_charge_with_the_article_in_force(logged, case):
    response = logged.post(url("add_charge", case), {
        "charge-article": "CP-129-A-L31146", "charge-offence_date": "10/01/2025"})

    assert response.status_code == 302 and response["Location"] == section(case, "charges")
    assert Charge.objects.get(case=case).article.code == "CP-129-A-L31146"


def test_an_article_not_in_force_on_the_offence_date_is_refused_on_the_article(logged, case):
    response = logged.post(url("add_charge", case), {
        "charge-article": "CP-153-L28950", "charge-offence_date": "10/01/2025"})

    assert response.status_code == 422
    assert "no estaba vigente el 10/01/2025" in errors(response, "charge_form")["article"][0]
    assert not Charge.objects.exists()


def test_the_article_select_shows_law_and_validity(logged, case):
    html = logged.get(url("section_form", case, "charge")).content.decode()

    assert "Art. 153 (Ley 28950) — Trata de personas · vigente del 17/01/2007 al 21/10/2014" in html


# --- victims --------------------------------------------------------------------------------------------------

def test_it_adds_a_victim_with_forms_of_exploitation(logged, case, person):
    response = logged.post(url("add_victim", case), {
        "victim-person": str(person.uuid), "victim-exploitation_forms": ["laboral_mineria", "explotacion_sexual"],
        "victim-control_methods": ["debt_bondage"], "victim-relation_to_trafficker": "employer",
    })

    victim = CaseVictim.objects.get(case=case)
    case.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == section(case, "victims")
    assert victim.person == person and victim.is_minor and case.has_minor_victim
    assert sorted(t.code for t in victim.exploitation_forms.all()) == ["explotacion_sexual", "laboral_mineria"]


def test_a_victim_needs_a_person(logged, case):
    response = logged.post(url("add_victim", case), {"victim-relation_to_trafficker": "unknown"})

    assert response.status_code == 422
    assert "Elija una persona" in errors(response, "victim_form")["person"][0]
    assert not CaseVictim.objects.exists()


def test_the_same_victim_twice_is_refused(logged, case, person, prosecutor):
    services.victim_add(actor=prosecutor, case=case, person=person)

    response = logged.post(url("add_victim", case), {
        "victim-person": str(person.uuid), "victim-relation_to_trafficker": "unknown"})

    assert response.status_code == 422
    assert "ya figura como víctima" in errors(response, "victim_form")["person"][0]
    assert CaseVictim.objects.count() == 1


def test_a_person_of_another_agency_cannot_be_picked(logged, case, outsider):
    stranger = make_person(actor=outsider, first_names="Ajena")

    response = logged.post(url("add_victim", case), {
        "victim-person": str(stranger.uuid), "victim-relation_to_trafficker": "unknown"})

    assert response.status_code == 422
    assert "no está a su alcance" in errors(response, "victim_form")["person"][0]


def test_the_search_button_without_javascript_lists_persons_and_saves_nothing(logged, case, person):
    response = logged.post(url("add_victim", case), {
        "victim-person_q": "rosa condori", "action": "search", "victim-relation_to_trafficker": "unknown"})

    html = response.content.decode()
    assert response.status_code == 200
    assert f'name="victim-person" id="id_victim-person_0" value="{person.uuid}"' in html
    assert "Rosa Condori" in html
    assert "Elija una persona" not in html
    assert not CaseVictim.objects.exists()


# --- defendants and outcomes ----------------------------------------------------------------------------------

def test_it_adds_a_defendant(logged, case, prosecutor):
    accused = make_person(actor=prosecutor, first_names="Pedro", last_name_paternal="Ramos")

    response = logged.post(url("add_defendant", case), {
        "defendant-person": str(accused.uuid), "defendant-status": "detained", "defendant-role": ""})

    assert response.status_code == 302 and response["Location"] == section(case, "defendants")
    assert CaseDefendant.objects.get(case=case).status == "detained"


def test_a_victim_cannot_be_a_defendant_in_the_same_case(logged, case, person, prosecutor):
    services.victim_add(actor=prosecutor, case=case, person=person)

    response = logged.post(url("add_defendant", case), {
        "defendant-person": str(person.uuid), "defendant-status": "investigated"})

    assert response.status_code == 422
    assert "figura como víctima" in errors(response, "defendant_form")["person"][0]
    assert not CaseDefendant.objects.exists()


@pytest.fixture
def defendant(case, prosecutor):
    accused = make_person(actor=prosecutor, first_names="Pedro", last_name_paternal="Ramos")
    return services.defendant_add(actor=prosecutor, case=case, person=accused)


def outcome_data(defendant, **values):
    return {f"outcome-{defendant.uuid}-{k}": v for k, v in values.items()}


def test_it_records_a_conviction_with_sentence_and_reparation(logged, case, defendant):
    response = logged.post(url("set_outcome", case, defendant.uuid), outcome_data(
        defendant, outcome="convicted", outcome_date=day(TODAY), sentence_years="15", reparation_amount="20000.50"))

    defendant.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == section(case, f"defendant-{defendant.uuid}")
    assert defendant.outcome == "convicted" and defendant.status == "sentenced"
    assert defendant.sentence_years == Decimal("15") and defendant.reparation_amount == Decimal("20000.50")


def test_a_conviction_without_a_sentence_is_refused_on_the_sentence(logged, case, defendant):
    response = logged.post(url("set_outcome", case, defendant.uuid), outcome_data(
        defendant, outcome="convicted", outcome_date=day(TODAY), sentence_years=""))

    defendant.refresh_from_db()
    form = dict(response.context["defendant_rows"])[defendant]
    assert response.status_code == 422
    assert "Indique la pena impuesta" in form.errors["sentence_years"][0]
    assert defendant.outcome == "pending"
    assert f'id="outcome-{defendant.uuid}" open' in response.content.decode()


def test_an_unknown_defendant_is_404(logged, case):
    response = logged.post(url("set_outcome", case, "00000000-0000-0000-0000-000000000000"), {})

    assert response.status_code == 404


# --- other parties --------------------------------------------------------------------------------------------

def test_it_adds_a_witness(logged, case, person):
    response = logged.post(url("add_party", case), {"party-person": str(person.uuid), "party-role": "witness"})

    assert response.status_code == 302 and response["Location"] == section(case, "parties")
    assert CaseParty.objects.get(case=case).role == "witness"


def test_the_same_party_twice_with_the_same_role_is_refused(logged, case, person, prosecutor):
    services.party_add(actor=prosecutor, case=case, person=person, role="witness")

    response = logged.post(url("add_party", case), {"party-person": str(person.uuid), "party-role": "witness"})

    assert response.status_code == 422
    assert "ya figura en el caso con ese rol" in errors(response, "party_form")["person"][0]


# --- places ---------------------------------------------------------------------------------------------------

def test_it_adds_a_place_in_peru_by_ubigeo(logged, case):
    response = logged.post(url("add_place", case), {"place-kind": "exploitation", "place-ubigeo": "170101",
                                                    "place-description": "Campamento minero"})

    place = CasePlace.objects.get(case=case)
    assert response.status_code == 302 and response["Location"] == section(case, "places")
    assert place.ubigeo_id == "170101" and place.departamento_code == "17"


def test_it_adds_a_place_abroad_by_country(logged, case):
    response = logged.post(url("add_place", case), {"place-kind": "transit", "place-country": "AR"})

    assert response.status_code == 302
    assert CasePlace.objects.get(case=case).country_id == "AR"


def test_a_place_with_both_ubigeo_and_country_is_refused(logged, case):
    response = logged.post(url("add_place", case), {"place-kind": "transit", "place-ubigeo": "170101",
                                                    "place-country": "AR"})

    assert response.status_code == 422
    assert "no ambos" in errors(response, "place_form")["ubigeo"][0]
    assert not CasePlace.objects.exists()


def test_the_ubigeo_search_without_javascript_offers_options(logged, case):
    response = logged.post(url("add_place", case), {"place-kind": "exploitation", "place-ubigeo_q": "tambopata",
                                                    "action": "search"})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="place-ubigeo"' in html and 'value="170101"' in html
    assert not CasePlace.objects.exists()


def test_the_ubigeo_lookup_finds_places_ignoring_accents_and_case(logged):
    response = logged.get(reverse("cases:ubigeo_lookup"), {"field": "place-ubigeo", "place-ubigeo_q": "ÁNCASH"})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="place-ubigeo"' in html and 'value="020000"' in html
    assert logged.get(reverse("cases:ubigeo_lookup"), {"field": "<script>", "q": "x"}).status_code == 400


def test_the_ubigeo_lookup_finds_a_district_with_its_province_and_department(logged):
    html = logged.get(reverse("cases:ubigeo_lookup"), {"field": "ubigeo", "q": "tambopata madre"}).content.decode()

    assert 'value="170101"' in html and 'value="170100"' in html


# --- sharing --------------------------------------------------------------------------------------------------

def test_the_owner_shares_the_case_with_the_police(logged, case, police_unit):
    response = logged.post(url("share", case), {"share-agency": police_unit.code, "share-level": "write",
                                                "share-reason": "Investigación conjunta",
                                                "share-expires_on": day(TODAY + datetime.timedelta(days=30))})

    share = CaseShare.objects.get(case=case)
    assert response.status_code == 302 and response["Location"] == section(case, "shares")
    assert share.agency == police_unit and share.level == "write"
    assert share.expires_at.date() >= TODAY + datetime.timedelta(days=29)


def test_a_share_that_expires_in_the_past_is_refused_on_the_expiry(logged, case, police_unit):
    response = logged.post(url("share", case), {"share-agency": police_unit.code, "share-level": "read",
                                                "share-reason": "Investigación",
                                                "share-expires_on": day(TODAY - datetime.timedelta(days=1))})

    assert response.status_code == 422
    assert "debe ser futura" in errors(response, "share_form")["expires_on"][0]
    assert not CaseShare.objects.exists()


def test_a_role_without_the_share_capability_cannot_share(client, case, prosecutor, police_officer, other_fiscalia):
    services.case_share(actor=prosecutor, case=case, agency=police_officer.agency, reason="Apoyo", level="write")
    client.force_login(police_officer)

    response = client.post(url("share", case), {"share-agency": other_fiscalia.code, "share-level": "read",
                                                "share-reason": "x"})

    assert response.status_code == 403
    assert CaseShare.objects.count() == 1


def test_the_owner_revokes_a_share(logged, case, prosecutor, police_unit):
    services.case_share(actor=prosecutor, case=case, agency=police_unit, reason="Apoyo")

    response = logged.post(url("revoke_share", case, police_unit.uuid))

    assert response.status_code == 302 and response["Location"] == section(case, "shares")
    assert CaseShare.objects.get(case=case).revoked_at is not None


def test_revoking_an_agency_without_a_share_is_404(logged, case, police_unit):
    assert logged.post(url("revoke_share", case, police_unit.uuid)).status_code == 404


# --- denied paths ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["change_stage", "add_event", "add_charge", "add_victim", "add_defendant",
                                  "add_party", "add_place", "share"])
def test_another_agency_gets_404_and_nothing_changes(client, outsider, case, name):
    client.force_login(outsider)
    version = case.version

    response = client.post(url(name, case), {})

    case.refresh_from_db()
    assert response.status_code == 404
    assert case.version == version


def test_a_read_only_share_cannot_write(client, case, prosecutor, police_officer):
    services.case_share(actor=prosecutor, case=case, agency=police_officer.agency, reason="Lectura")
    client.force_login(police_officer)

    response = client.post(url("add_event", case), {"event-kind": "note", "event-date": day(TODAY),
                                                    "event-title": "Nota"})

    assert response.status_code == 404
    assert not CaseEvent.objects.filter(kind="note").exists()


def test_a_write_share_can_add_an_event(client, case, prosecutor, police_officer):
    services.case_share(actor=prosecutor, case=case, agency=police_officer.agency, reason="Apoyo", level="write")
    client.force_login(police_officer)

    response = client.post(url("add_event", case), {"event-kind": "diligence", "event-date": day(TODAY),
                                                    "event-title": "Allanamiento"})

    assert response.status_code == 302
    assert CaseEvent.objects.filter(kind="diligence", created_by=police_officer).exists()


def test_forms_only_accept_post(logged, case):
    assert logged.get(url("add_event", case)).status_code == 405
