"""The case list: filters, search, pagination, htmx partial, and only the cases the user may see."""

import datetime

import pytest
from django.urls import reverse

from sistra.cases import services
from sistra.cases.testing import make_case
from sistra.core.models import Term
from sistra.core.testing import ubigeo
from sistra.people.testing import make_person

pytestmark = pytest.mark.django_db

URL = reverse("cases:list")


def numbers(response) -> list[str]:
    return [case.number for case in response.context["page_obj"].object_list]


def test_it_lists_the_agencys_cases_and_not_another_agencys(client, prosecutor, outsider):
    make_case(actor=prosecutor, number="CUS-001")
    make_case(actor=outsider, number="LIM-001")
    client.force_login(prosecutor)

    response = client.get(URL)

    assert response.status_code == 200
    assert numbers(response) == ["CUS-001"]
    assert "LIM-001" not in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_it_requires_login(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_filters_by_year_stage_status_and_distrito_fiscal(client, prosecutor):
    today = datetime.date.today()
    old = make_case(actor=prosecutor, number="OLD-1", complaint_date=datetime.date(today.year - 2, 3, 1))
    new = make_case(actor=prosecutor, number="NEW-1")
    services.case_change_stage(actor=prosecutor, case=new, stage=new.current_stage.next_stages.get(
        code="diligencias_preliminares"), date=today)
    client.force_login(prosecutor)

    assert numbers(client.get(URL, {"year": today.year - 2})) == ["OLD-1"]
    assert numbers(client.get(URL, {"stage": "diligencias_preliminares"})) == ["NEW-1"]
    assert numbers(client.get(URL, {"status": "active", "distrito_fiscal": old.distrito_fiscal_id})) == [
        "NEW-1", "OLD-1"]
    services.case_change_stage(actor=prosecutor, case=old, stage=old.current_stage.next_stages.get(code="archivo"),
                               date=today)
    assert numbers(client.get(URL, {"status": "archived"})) == ["OLD-1"]


def test_it_filters_by_region_of_exploitation_form_and_minor_victim(client, prosecutor):
    mdd = make_case(actor=prosecutor, number="MDD-1")
    services.place_add(actor=prosecutor, case=mdd, kind="exploitation", ubigeo=ubigeo("170101"))
    child = make_person(actor=prosecutor, first_names="Rosa", date_of_birth=datetime.date.today().replace(
        year=datetime.date.today().year - 14))
    mining = Term.objects.get(vocabulary="exploitation", code="laboral_mineria")
    services.victim_add(actor=prosecutor, case=mdd, person=child, exploitation_forms=[mining])
    make_case(actor=prosecutor, number="OTHER-1")
    client.force_login(prosecutor)

    assert numbers(client.get(URL, {"region": "17"})) == ["MDD-1"]
    assert numbers(client.get(URL, {"exploitation": "laboral_mineria"})) == ["MDD-1"]
    assert numbers(client.get(URL, {"minor_victim": "1"})) == ["MDD-1"]
    assert numbers(client.get(URL, {"minor_victim": "0"})) == ["OTHER-1"]


def test_an_invalid_filter_value_is_ignored_not_an_error(client, prosecutor):
    make_case(actor=prosecutor, number="CUS-001")
    client.force_login(prosecutor)

    response = client.get(URL, {"stage": "no-existe", "year": "abc"})

    assert response.status_code == 200
    assert numbers(response) == ["CUS-001"]


def test_it_searches_by_case_number_and_by_a_persons_name_posted_not_in_the_url(client, prosecutor):
    case = make_case(actor=prosecutor, number="2026-00777")
    make_case(actor=prosecutor, number="2026-00888")
    person = make_person(actor=prosecutor, first_names="Juana", last_name_paternal="Huamán")
    services.victim_add(actor=prosecutor, case=case, person=person)
    client.force_login(prosecutor)

    assert numbers(client.post(URL, {"q": "00777"})) == ["2026-00777"]
    assert numbers(client.post(URL, {"q": "juana huaman"})) == ["2026-00777"]


def test_an_analyst_cannot_find_a_case_by_a_persons_name(client, prosecutor, analyst):
    case = make_case(actor=prosecutor, number="2026-00777")
    person = make_person(actor=prosecutor, first_names="Juana", last_name_paternal="Huamán")
    services.victim_add(actor=prosecutor, case=case, person=person)
    client.force_login(analyst)

    assert numbers(client.post(URL, {"q": "Juana"})) == []
    assert numbers(client.post(URL, {"q": "00777"})) == ["2026-00777"]


def test_it_paginates_25_per_page(client, prosecutor):
    for i in range(27):
        make_case(actor=prosecutor, number=f"PAG-{i:03d}")
    client.force_login(prosecutor)

    first = client.get(URL)
    second = client.get(URL, {"page": 2})

    assert len(first.context["page_obj"].object_list) == 25
    assert first.context["page_obj"].paginator.count == 27
    assert len(second.context["page_obj"].object_list) == 2
    assert 'href="?page=2"' in first.content.decode()


def test_a_long_list_is_counted_only_a_few_pages_ahead(client, prosecutor, monkeypatch):
    monkeypatch.setattr("sistra.core.pagination.PAGES_AHEAD", 0)
    for i in range(27):
        make_case(actor=prosecutor, number=f"PAG-{i:03d}")
    client.force_login(prosecutor)

    first = client.get(URL)
    second = client.get(URL, {"page": 2})

    # counted up to the page asked for: 25 of the 27 on the first page, all of them from the second
    assert first.context["page_obj"].paginator.count == 26
    assert "Más de 25 casos" in first.content.decode()
    assert "Página 1 de más de 1" in first.content.decode()
    assert 'href="?page=2"' in first.content.decode()
    assert second.context["page_obj"].paginator.count == 27
    assert "27 casos" in second.content.decode() and "Más de" not in second.content.decode()
    assert len(second.context["page_obj"].object_list) == 2


def test_pagination_links_keep_the_filters(client, prosecutor):
    for i in range(26):
        make_case(actor=prosecutor, number=f"PAG-{i:03d}")
    client.force_login(prosecutor)

    response = client.get(URL, {"status": "active"})

    assert 'href="?status=active&amp;page=2"' in response.content.decode()


def test_a_name_search_pages_by_posting_the_form_again(client, prosecutor):
    person = make_person(actor=prosecutor, first_names="Juana", last_name_paternal="Huamán")
    for i in range(26):
        case = make_case(actor=prosecutor, number=f"PAG-{i:03d}")
        services.victim_add(actor=prosecutor, case=case, person=person)
    client.force_login(prosecutor)

    response = client.post(URL, {"q": "Juana", "page": "2"})
    html = response.content.decode()

    assert len(response.context["page_obj"].object_list) == 1
    assert 'form="case-filters" name="page" value="1"' in html
    assert "q=" not in html and "Juana" not in response.get("HX-Push-Url", "")


def test_an_htmx_request_gets_only_the_results_and_a_url_without_the_search_text(client, prosecutor):
    make_case(actor=prosecutor, number="2026-00777")
    client.force_login(prosecutor)

    response = client.post(URL, {"q": "00777", "status": "active"}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert "<html" not in html
    assert 'id="case-table"' in html
    assert response["HX-Push-Url"] == f"{URL}?status=active"


def test_the_full_page_has_the_filter_form_with_htmx_attributes(client, prosecutor):
    client.force_login(prosecutor)

    html = client.get(URL).content.decode()

    assert 'id="case-filters"' in html
    assert f'hx-post="{URL}"' in html
    assert 'for="id_distrito_fiscal"' in html
