"""Person registry pages: registering with duplicate detection, the person's page with its roles and history,
editing with optimistic locking, search, and the picker look-up."""

import datetime

import pytest
from django.urls import reverse

from sistra.audit.models import AccessLog
from sistra.cases import services as case_services
from sistra.cases.testing import make_case
from sistra.core import url_guard
from sistra.people import services
from sistra.people.models import Person
from sistra.people.services import DocumentInput
from sistra.people.testing import make_person, named

pytestmark = pytest.mark.django_db

CREATE = reverse("people:create")


def person_data(**extra):
    data = {
        "first_names": "Rosa", "last_name_paternal": "Condori", "last_name_maternal": "Huamán", "aliases": "",
        "sex": "female", "date_of_birth": "", "estimated_age": "", "nationality": "PE", "country_origin": "",
        "notes": "", "doc-TOTAL_FORMS": "2", "doc-INITIAL_FORMS": "0", "doc-MIN_NUM_FORMS": "0",
        "doc-MAX_NUM_FORMS": "6", "doc-0-kind": "", "doc-0-number": "", "doc-1-kind": "", "doc-1-number": "",
    }
    data.update(extra)
    return data


# --- create ---------------------------------------------------------------------------------------------------

def test_the_form_has_a_label_for_every_field(client, prosecutor):
    client.force_login(prosecutor)

    html = client.get(CREATE).content.decode()

    for name in ("first_names", "last_name_paternal", "last_name_maternal", "aliases", "sex", "date_of_birth",
                 "estimated_age", "nationality", "ubigeo_origin_q", "country_origin", "ubigeo_residence_q",
                 "doc-0-kind", "doc-0-number"):
        assert f'for="id_{name}"' in html, name


def test_it_registers_a_new_person_with_aliases_documents_and_places(client, prosecutor):
    client.force_login(prosecutor)

    response = client.post(CREATE, person_data(
        aliases="La Flaca, Rosita", date_of_birth="22/11/2004", languages=["que"], ubigeo_origin="080101",
        ubigeo_residence="170101", **{"doc-0-kind": "dni", "doc-0-number": "12345678"}))

    person = Person.objects.get(named("Rosa"))
    assert response.status_code == 302
    assert response["Location"] == reverse("people:detail", args=[person.uuid])
    assert person.date_of_birth == datetime.date(2004, 11, 22)
    assert sorted(a.alias for a in person.aliases.all()) == ["La Flaca", "Rosita"]
    assert [d.number for d in person.documents.all()] == ["12345678"]
    assert person.ubigeo_origin_id == "080101" and person.ubigeo_residence_id == "170101"
    assert [t.code for t in person.languages.all()] == ["que"]


def test_an_invalid_dni_check_digit_is_refused_and_nothing_is_saved(client, prosecutor):
    client.force_login(prosecutor)

    response = client.post(CREATE, person_data(**{"doc-0-kind": "dni", "doc-0-number": "12345678-0"}))

    assert response.status_code == 422
    assert "dígito de verificación no corresponde" in response.content.decode()
    assert not Person.objects.exists()


def test_likely_matches_are_shown_before_saving(client, prosecutor):
    existing = make_person(actor=prosecutor, first_names="Rosa", last_name_paternal="Huamán",
                           last_name_maternal="Condori")
    client.force_login(prosecutor)

    response = client.post(CREATE, person_data())

    html = response.content.decode()
    assert response.status_code == 200
    assert Person.objects.count() == 1
    assert "Posibles registros de la misma persona" in html
    assert "mismos nombres" in html
    assert "mismos apellidos" in html
    assert f'name="seen" value="{existing.uuid}"' in html
    assert "Crear de todos modos" in html


def test_create_anyway_saves_after_the_matches_were_seen(client, prosecutor):
    existing = make_person(actor=prosecutor, first_names="Rosa", last_name_paternal="Condori",
                           last_name_maternal="Huamán")
    client.force_login(prosecutor)

    response = client.post(CREATE, person_data(confirm="1", seen=[str(existing.uuid)]))

    assert response.status_code == 302
    assert Person.objects.filter(named("Rosa")).count() == 2


def test_create_anyway_shows_again_a_match_the_user_has_not_seen(client, prosecutor):
    make_person(actor=prosecutor, first_names="Rosa", last_name_paternal="Condori", last_name_maternal="Huamán")
    client.force_login(prosecutor)

    response = client.post(CREATE, person_data(confirm="1"))

    assert response.status_code == 200
    assert Person.objects.count() == 1


def test_a_same_document_match_is_shown(client, prosecutor):
    make_person(actor=prosecutor, first_names="Otra", last_name_paternal="Persona",
                documents=[DocumentInput(kind="dni", number="12345678")])
    client.force_login(prosecutor)

    response = client.post(CREATE, person_data(**{"doc-0-kind": "dni", "doc-0-number": "12345678"}))

    assert "mismo documento de identidad" in response.content.decode()


def test_a_new_person_from_a_case_goes_back_to_the_case_with_the_person(client, prosecutor):
    case = make_case(actor=prosecutor)
    back = reverse("cases:detail", args=[case.uuid]) + "#victims"
    client.force_login(prosecutor)

    response = client.post(CREATE, person_data(next=back))

    person = Person.objects.get()
    assert response["Location"] == reverse("cases:detail", args=[case.uuid]) + f"?persona={person.uuid}#victims"


def test_an_outside_next_url_is_ignored(client, prosecutor):
    client.force_login(prosecutor)

    response = client.post(CREATE, person_data(next="https://evil.example/"))

    assert response["Location"] == reverse("people:detail", args=[Person.objects.get().uuid])


def test_a_role_that_cannot_register_persons_is_refused(client, analyst):
    client.force_login(analyst)

    assert client.get(CREATE).status_code == 403


# --- detail ---------------------------------------------------------------------------------------------------

def test_the_person_page_lists_every_role_the_person_holds(client, prosecutor):
    person = make_person(actor=prosecutor)
    victim_case = make_case(actor=prosecutor, number="V-1")
    defendant_case = make_case(actor=prosecutor, number="D-1")
    witness_case = make_case(actor=prosecutor, number="W-1")
    case_services.victim_add(actor=prosecutor, case=victim_case, person=person)
    case_services.defendant_add(actor=prosecutor, case=defendant_case, person=person)
    case_services.party_add(actor=prosecutor, case=witness_case, person=person, role="witness")
    client.force_login(prosecutor)

    response = client.get(reverse("people:detail", args=[person.uuid]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert {(r.role, r.case.number) for r in response.context["roles"]} == {
        ("Víctima", "V-1"), ("Imputado", "D-1"), ("Testigo", "W-1")}
    assert "María Quispe Mamani" in html
    assert 'id="history"' in html and "Registro de persona" in html
    assert AccessLog.objects.filter(actor=prosecutor, person_uuid=person.uuid).count() == 1


def test_another_agency_gets_404_for_a_person(client, prosecutor, outsider):
    person = make_person(actor=prosecutor)
    client.force_login(outsider)

    assert client.get(reverse("people:detail", args=[person.uuid])).status_code == 404
    assert client.get(reverse("people:edit", args=[person.uuid])).status_code == 404


def test_a_person_of_a_shared_case_is_visible_to_the_shared_agency(client, prosecutor, police_officer):
    person = make_person(actor=prosecutor)
    case = make_case(actor=prosecutor)
    case_services.victim_add(actor=prosecutor, case=case, person=person)
    case_services.case_share(actor=prosecutor, case=case, agency=police_officer.agency, reason="Apoyo")
    client.force_login(police_officer)

    response = client.get(reverse("people:detail", args=[person.uuid]))

    assert response.status_code == 200
    assert [r.case.number for r in response.context["roles"]] == [case.number]
    assert 'id="edit-person"' not in response.content.decode()


# --- edit -----------------------------------------------------------------------------------------------------

def edit_data(person, **extra):
    data = person_data(first_names=person.first_names, last_name_paternal=person.last_name_paternal,
                       last_name_maternal=person.last_name_maternal, version=person.version)
    data.update(extra)
    return data


def test_it_edits_a_person(client, prosecutor):
    person = make_person(actor=prosecutor)
    client.force_login(prosecutor)

    response = client.post(reverse("people:edit", args=[person.uuid]), edit_data(person, aliases="Mary"))

    person.refresh_from_db()
    assert response.status_code == 302
    assert [a.alias for a in person.aliases.all()] == ["Mary"]
    assert person.version == 2


def test_an_edit_over_a_stale_version_is_refused(client, prosecutor, teammate):
    person = make_person(actor=prosecutor)
    client.force_login(prosecutor)
    data = edit_data(person, first_names="Mía")
    services.person_update(actor=teammate, person=person, expected_version=person.version, notes="cambio")

    response = client.post(reverse("people:edit", args=[person.uuid]), data)

    person.refresh_from_db()
    assert response.status_code == 422
    assert "Otra persona modificó este registro" in response.content.decode()
    assert person.first_names == "María"


def test_the_edit_form_is_filled_with_the_current_data(client, prosecutor):
    person = make_person(actor=prosecutor, documents=[DocumentInput(kind="dni", number="12345678")],
                         aliases=["Mary"], date_of_birth=datetime.date(1990, 2, 3))
    client.force_login(prosecutor)

    response = client.get(reverse("people:edit", args=[person.uuid]))

    html = response.content.decode()
    assert 'value="03/02/1990"' in html and 'value="12345678"' in html and 'value="Mary"' in html


# --- search and picker ----------------------------------------------------------------------------------------

def test_the_search_is_posted_and_finds_names_ignoring_accents(client, prosecutor, outsider):
    make_person(actor=prosecutor, first_names="José", last_name_paternal="Ñahui")
    make_person(actor=outsider, first_names="José", last_name_paternal="Ñahui")
    client.force_login(prosecutor)

    response = client.post(reverse("people:list"), {"q": "jose nahui"})

    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == 1


@pytest.mark.parametrize("sort_all_up_to", [300, 4])
def test_search_results_come_by_surname_and_name_a_page_at_a_time(client, prosecutor, monkeypatch, sort_all_up_to):
    from sistra.people import selectors, views

    monkeypatch.setattr(selectors, "SORT_ALL_UP_TO", sort_all_up_to)
    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    surnames = ["Quispe Zúñiga", "Quispe Apaza", "Quispe Mamani", "Quispe Ccori", "Quispe Bravo"]
    registered = [make_person(actor=prosecutor, first_names="Rosa", last_name_paternal=paternal,
                              last_name_maternal=maternal,
                              documents=[DocumentInput(kind="dni", number=f"4712003{n}")])
                  for n, (paternal, maternal) in enumerate(s.split() for s in surnames)]
    client.force_login(prosecutor)

    pages = [client.post(reverse("people:list"), {"q": "rosa quispe", "page": n}).context["page_obj"]
             for n in (1, 2)]
    shown = [[p.last_name_maternal for p in page.object_list] for page in pages]
    assert all(page.paginator.count == 5 and page.paginator.num_pages == 2 for page in pages)
    if sort_all_up_to >= 5:  # few: sorted by name as a whole
        assert shown == [["Apaza", "Bravo", "Ccori"], ["Mamani", "Zúñiga"]]
    else:  # many: registration order, each page sorted by name
        assert shown == [["Apaza", "Mamani", "Zúñiga"], ["Bravo", "Ccori"]]
    # each page's documents were read with it
    assert all(p.documents.all()[0].number for page in pages for p in page.object_list)
    assert {p.pk for page in pages for p in page.object_list} == {p.pk for p in registered}


def test_an_analyst_can_only_search_by_code(client, analyst):
    person = make_person(actor=analyst)  # a person of the analyst's own agency, so visible to them
    client.force_login(analyst)

    by_name = client.post(reverse("people:list"), {"q": "María"})
    by_code = client.post(reverse("people:list"), {"q": person.code.lower()})

    assert by_name.context["page_obj"].paginator.count == 0
    assert by_code.context["page_obj"].paginator.count == 1
    assert "María" not in by_code.content.decode()


def test_the_search_finds_a_person_by_code_and_by_dni_for_an_identity_role(client, prosecutor, outsider):
    wanted = make_person(actor=prosecutor, first_names="Rosa", last_name_paternal="Condori",
                         documents=[DocumentInput(kind="dni", number="47120033")])
    make_person(actor=outsider, first_names="Eva", last_name_paternal="Mamani",
                documents=[DocumentInput(kind="dni", number="47120034")])
    client.force_login(prosecutor)

    for text in (wanted.code, "47120033"):
        response = client.post(reverse("people:list"), {"q": text})
        assert [p.pk for p in response.context["page_obj"].object_list] == [wanted.pk], text
    # another agency's person is not found by its DNI
    assert client.post(reverse("people:list"), {"q": "47120034"}).context["page_obj"].paginator.count == 0


def test_the_search_page_refuses_a_search_in_the_url(client, prosecutor):
    make_person(actor=prosecutor, first_names="Rosa", last_name_paternal="Condori")
    client.force_login(prosecutor)

    with url_guard.deliberate():  # the name in the URL is the point of this test
        response = client.get(reverse("people:list"), {"q": "condori"})

    assert response.context["page_obj"] is None


def test_the_picker_lookup_lists_matching_persons_as_radio_options(client, prosecutor, outsider):
    mine = make_person(actor=prosecutor, first_names="Rosa", last_name_paternal="Condori")
    make_person(actor=outsider, first_names="Rosa", last_name_paternal="Condori")
    client.force_login(prosecutor)

    response = client.post(reverse("people:lookup"), {"field": "victim-person", "victim-person_q": "rosa"})

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('type="radio"') == 1
    assert f'value="{mine.uuid}"' in html and "Rosa Condori" in html
    assert client.get(reverse("people:lookup")).status_code == 405
