import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from sistra.accounts.tokens import token_create
from sistra.audit.models import ChangeEvent
from sistra.core import url_guard
from sistra.core.testing import ubigeo
from sistra.people.models import IdentityDocument, Person
from sistra.people.testing import make_person

pytestmark = pytest.mark.django_db

IDENTITY_FIELDS = {"first_names", "last_name_paternal", "last_name_maternal", "aliases", "documents",
                   "date_of_birth", "estimated_age", "notes"}
PSEUDONYMOUS_FIELDS = {"uuid", "code", "sex", "age_band", "region"}


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        _token, secret = token_create(actor=user, user=user, name="pruebas", second_factor_verified=True)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def new_person_payload(**extra) -> dict:
    payload = {
        "first_names": "Rosa Elena",
        "last_name_paternal": "Huamán",
        "last_name_maternal": "Condori",
        "sex": "female",
        "date_of_birth": "2008-03-14",
        "nationality": "PE",
        "ubigeo_origin": "080101",
        "documents": [{"kind": "dni", "number": "45678912"}],
        "aliases": ["Rosita"],
        "languages": ["que", "spa"],
        "notes": "Contactada por la línea 100.",
    }
    payload.update(extra)
    return payload


def test_anonymous_requests_are_refused_with_401():
    assert api().get("/api/v1/persons/").status_code == 401
    assert api().post("/api/v1/persons/", new_person_payload(), format="json").status_code == 401
    assert Person.objects.count() == 0


def test_a_prosecutor_registers_a_person_with_documents_aliases_and_languages(prosecutor):
    response = api(prosecutor).post("/api/v1/persons/", new_person_payload(), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    person = Person.objects.get(uuid=body["uuid"])
    assert person.owner_agency == prosecutor.agency
    assert body["code"] == person.code
    assert body["first_names"] == "Rosa Elena"
    assert body["documents"] == [{"kind": "dni", "number": "45678912", "country": None}]
    assert body["aliases"] == ["Rosita"]
    assert sorted(body["languages"]) == ["que", "spa"]
    assert body["region"]["code"] == "080000"
    assert body["age_band"] in {"12-17", "18-24"}
    assert body["version"] == 1
    assert "id" not in body
    assert ChangeEvent.objects.filter(root_uuid=person.uuid, action="create").count() == 1


def test_an_invalid_dni_is_refused_in_spanish_and_nothing_is_saved(prosecutor):
    payload = new_person_payload(documents=[{"kind": "dni", "number": "4567"}])

    response = api(prosecutor).post("/api/v1/persons/", payload, format="json")

    assert response.status_code == 400
    assert "El DNI «4567» no es válido" in response.json()["documents"][0]
    assert Person.objects.count() == 0
    assert IdentityDocument.objects.count() == 0


def test_a_future_birth_date_and_missing_names_are_refused_per_field(prosecutor):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    payload = new_person_payload(first_names="", date_of_birth=tomorrow.isoformat())

    response = api(prosecutor).post("/api/v1/persons/", payload, format="json")

    assert response.status_code == 400
    errors = response.json()
    assert errors["first_names"] == ["Indique los nombres de la persona."]
    assert "no puede ser una fecha futura" in errors["date_of_birth"][0]
    assert Person.objects.count() == 0


def test_unknown_reference_codes_are_refused_with_a_message_naming_them(prosecutor):
    payload = new_person_payload(languages=["klingon"], nationality="XX")

    response = api(prosecutor).post("/api/v1/persons/", payload, format="json")

    assert response.status_code == 400
    errors = response.json()
    assert errors["nationality"] == ["No existe un país con el código «XX»."]
    assert "klingon" in str(errors["languages"])
    assert Person.objects.count() == 0


def test_a_duplicate_dni_is_refused(prosecutor):
    make_person(actor=prosecutor, documents=[_dni("45678912")])

    response = api(prosecutor).post("/api/v1/persons/", new_person_payload(), format="json")

    assert response.status_code == 400
    assert "Ya existe una persona registrada con el documento DNI 45678912" in response.json()["documents"][0]
    assert Person.objects.count() == 1


def _dni(number):
    from sistra.people.services import DocumentInput

    return DocumentInput(kind="dni", number=number)


def test_the_list_searches_names_ignoring_accents_and_surname_order(prosecutor):
    wanted = make_person(actor=prosecutor, first_names="José", last_name_paternal="Pérez",
                         last_name_maternal="Ñahui")
    make_person(actor=prosecutor, first_names="Ana", last_name_paternal="Torres", last_name_maternal="Ríos")

    results = api(prosecutor).post("/api/v1/persons/search/", {"q": "nahui jose"}, format="json").json()["results"]

    assert [p["uuid"] for p in results] == [str(wanted.uuid)]


def test_the_list_shows_only_the_persons_the_agency_may_see(prosecutor, outsider):
    mine = make_person(actor=prosecutor)
    make_person(actor=outsider, first_names="Otra")

    results = api(prosecutor).get("/api/v1/persons/").json()["results"]

    assert [p["uuid"] for p in results] == [str(mine.uuid)]


def test_an_update_with_the_current_version_saves_and_bumps_it(prosecutor):
    person = make_person(actor=prosecutor)

    response = api(prosecutor).patch(f"/api/v1/persons/{person.uuid}/",
                                     {"version": 1, "last_name_maternal": "Apaza", "aliases": ["Mary"]},
                                     format="json")

    assert response.status_code == 200, response.json()
    person.refresh_from_db()
    assert person.last_name_maternal == "Apaza"
    assert person.first_names == "María"  # fields left out keep their value
    assert list(person.aliases.values_list("alias", flat=True)) == ["Mary"]
    assert response.json()["version"] == 2


def test_an_update_from_a_stale_version_is_a_409_and_overwrites_nothing(prosecutor, teammate):
    person = make_person(actor=prosecutor)
    assert api(teammate).patch(f"/api/v1/persons/{person.uuid}/", {"version": 1, "notes": "primero"},
                               format="json").status_code == 200

    response = api(prosecutor).patch(f"/api/v1/persons/{person.uuid}/", {"version": 1, "notes": "segundo"},
                                     format="json")

    assert response.status_code == 409
    assert "Otra persona modificó este registro" in response.json()["detail"]
    person.refresh_from_db()
    assert person.notes == "primero"


def test_an_update_without_a_version_is_refused(prosecutor):
    person = make_person(actor=prosecutor)

    response = api(prosecutor).patch(f"/api/v1/persons/{person.uuid}/", {"notes": "x"}, format="json")

    assert response.status_code == 400
    assert "version" in response.json()


def test_an_outsider_gets_404_on_the_person_and_its_update(prosecutor, outsider):
    person = make_person(actor=prosecutor)
    client = api(outsider)

    assert client.get(f"/api/v1/persons/{person.uuid}/").status_code == 404
    assert client.patch(f"/api/v1/persons/{person.uuid}/", {"version": 1, "notes": "x"},
                        format="json").status_code == 404
    person.refresh_from_db()
    assert person.notes == ""


def test_match_finds_the_same_person_by_document_or_names(prosecutor):
    existing = make_person(actor=prosecutor, first_names="Rosa Elena", last_name_paternal="Huamán",
                           last_name_maternal="Condori", documents=[_dni("45678912")])
    client = api(prosecutor)

    by_document = client.post("/api/v1/persons/match/",
                              {"documents": [{"kind": "dni", "number": "45678912"}]}, format="json")
    by_names = client.post("/api/v1/persons/match/", {"first_names": "rosa", "last_name_paternal": "Condori",
                                                      "last_name_maternal": "HUAMAN"}, format="json")

    assert by_document.status_code == 200
    assert by_document.json()[0]["person"]["uuid"] == str(existing.uuid)
    assert "mismo documento de identidad" in by_document.json()[0]["reasons"]
    assert by_names.json()[0]["person"]["uuid"] == str(existing.uuid)
    assert by_names.json()[0]["score"] > 0


def test_match_ignores_persons_of_other_agencies(prosecutor, outsider):
    make_person(actor=outsider, documents=[_dni("45678912")])

    response = api(prosecutor).post("/api/v1/persons/match/",
                                    {"documents": [{"kind": "dni", "number": "45678912"}]}, format="json")

    assert response.json() == []


@pytest.fixture
def analyst_person(prosecutor, analyst):
    thirty_years_ago = timezone.localdate() - datetime.timedelta(days=30 * 365 + 10)
    return make_person(actor=prosecutor, owner_agency=analyst.agency, sex="female", date_of_birth=thirty_years_ago,
                       ubigeo_origin=ubigeo("170101"), documents=[_dni("45678912")], aliases=["La Flaca"],
                       notes="dato sensible")


def test_an_analyst_gets_no_identity_fields_at_all(analyst, analyst_person):
    client = api(analyst)

    listed = client.get("/api/v1/persons/").json()["results"]
    detail = client.get(f"/api/v1/persons/{analyst_person.uuid}/").json()

    for body in (listed[0], detail):
        assert set(body) == PSEUDONYMOUS_FIELDS
        assert not IDENTITY_FIELDS & set(body)
        assert body["code"] == analyst_person.code
        assert body["age_band"] == "25-34"
        assert body["region"]["code"] == "170000"
        assert body["sex"] == "female"
    assert "Quispe" not in str(detail) and "45678912" not in str(detail)


def test_an_analyst_cannot_find_a_person_by_name(analyst, analyst_person):
    client = api(analyst)

    by_name = client.post("/api/v1/persons/search/", {"q": "Quispe"}, format="json").json()["results"]
    by_code = client.post("/api/v1/persons/search/", {"q": analyst_person.code}, format="json").json()["results"]

    assert by_name == []
    assert [p["uuid"] for p in by_code] == [str(analyst_person.uuid)]


def test_an_analyst_may_neither_register_nor_match_persons(analyst, analyst_person):
    client = api(analyst)

    created = client.post("/api/v1/persons/", new_person_payload(), format="json")
    matched = client.post("/api/v1/persons/match/", {"first_names": "María", "last_name_paternal": "Quispe"},
                          format="json")

    assert created.status_code == 403
    assert matched.status_code == 403
    assert Person.objects.count() == 1


def test_the_list_does_not_grow_queries_with_the_number_of_persons(prosecutor):
    from sistra.core.models import Country, Term

    def person(n):
        make_person(actor=prosecutor, first_names=f"Persona {n}", ubigeo_origin=ubigeo("170101"),
                    aliases=[f"alias {n}"], languages=Term.objects.filter(vocabulary="language")[:2],
                    documents=[_passport(f"X{n}")])

    def _passport(number):
        from sistra.people.services import DocumentInput

        return DocumentInput(kind="passport", number=number, country=Country.objects.get(code="BO"))

    client = api(prosecutor)
    client.get("/api/v1/stages/")  # a token's first use records it (one UPDATE); measure the requests after
    person(1)
    with CaptureQueriesContext(connection) as one:
        client.get("/api/v1/persons/")
    for n in range(2, 6):
        person(n)
    with CaptureQueriesContext(connection) as five:
        body = client.get("/api/v1/persons/").json()

    assert body["count"] == 5
    assert body["results"][0]["documents"][0]["country"] == "BO"
    assert len(five.captured_queries) == len(one.captured_queries)


@pytest.fixture
def pseudonymous_share(prosecutor, outsider):
    """A person of the Cusco fiscalía shared with the Lima one without identity (as a referral without the
    victim's consent would be)."""
    from sistra.people.sharing import person_share

    person = make_person(actor=prosecutor, documents=[_dni("45678912")], ubigeo_origin=ubigeo("080101"))
    person_share(actor=prosecutor, person=person, agency=outsider.agency, reason="Derivación",
                 include_identity=False)
    return person


def test_a_person_shared_without_identity_is_seen_only_by_its_pseudonym(outsider, pseudonymous_share):
    client = api(outsider)

    detail = client.get(f"/api/v1/persons/{pseudonymous_share.uuid}/").json()
    listed = client.get("/api/v1/persons/").json()["results"]

    assert set(detail) == PSEUDONYMOUS_FIELDS
    assert detail["region"]["code"] == "080000"
    assert [set(p) for p in listed] == [PSEUDONYMOUS_FIELDS]


def test_a_person_shared_without_identity_is_not_found_by_name_nor_matched(outsider, pseudonymous_share):
    client = api(outsider)

    by_name = client.post("/api/v1/persons/search/", {"q": "Quispe Mamani"}, format="json").json()["results"]
    by_code = client.post("/api/v1/persons/search/", {"q": pseudonymous_share.code}, format="json").json()[
        "results"]
    matched = client.post("/api/v1/persons/match/", {"documents": [{"kind": "dni", "number": "45678912"}]},
                          format="json").json()

    assert by_name == []
    assert [p["uuid"] for p in by_code] == [str(pseudonymous_share.uuid)]
    assert matched == []


def test_a_search_in_the_url_is_refused_and_names_no_one(prosecutor):
    make_person(actor=prosecutor, first_names="José", last_name_paternal="Pérez", last_name_maternal="Ñahui")

    with url_guard.deliberate():  # the name in the URL is the point of this test
        response = api(prosecutor).get("/api/v1/persons/", {"q": "nahui jose"})

    assert response.status_code == 400
    assert "POST /api/v1/persons/search/" in response.json()["q"][0]
    assert "Pérez" not in response.content.decode()


def test_the_search_finds_a_person_by_pseudonym_code_and_by_dni_for_identity_roles(prosecutor):
    wanted = make_person(actor=prosecutor, first_names="Rosa", last_name_paternal="Condori",
                         documents=[_dni("47120033")])
    make_person(actor=prosecutor, first_names="Ana", last_name_paternal="Torres", documents=[_dni("47120034")])
    client = api(prosecutor)

    for text in (wanted.code, wanted.code.lower(), "47120033", " 4712-0033 "):
        body = client.post("/api/v1/persons/search/", {"q": text}, format="json").json()
        assert [p["uuid"] for p in body["results"]] == [str(wanted.uuid)], text
        assert body["count"] == 1 and body["page"] == 1 and body["pages"] == 1


def test_the_search_by_dni_finds_nobody_for_a_role_without_identities(analyst, analyst_person):
    body = api(analyst).post("/api/v1/persons/search/", {"q": "45678912"}, format="json").json()
    assert body["results"] == [] and body["count"] == 0


def test_search_pages_are_asked_in_the_body_and_no_link_repeats_the_name(prosecutor, monkeypatch):
    from rest_framework.pagination import PageNumberPagination

    for first_names in ("Rosa", "Ana", "Eva"):
        make_person(actor=prosecutor, first_names=first_names, last_name_paternal="Condori")
    client = api(prosecutor)
    monkeypatch.setattr(PageNumberPagination, "page_size", 2)
    first = client.post("/api/v1/persons/search/", {"q": "condori"}, format="json").json()
    second = client.post("/api/v1/persons/search/", {"q": "condori", "page": 2}, format="json").json()

    assert (first["count"], first["pages"], len(first["results"])) == (3, 2, 2)
    assert len(second["results"]) == 1
    assert "condori" not in str({k: v for k, v in first.items() if k != "results"}).lower()


def test_search_results_come_by_surname_and_name_with_what_the_serializer_reads_of_the_page_alone(
        prosecutor, monkeypatch):
    from rest_framework.pagination import PageNumberPagination

    from sistra.people import selectors

    monkeypatch.setattr(PageNumberPagination, "page_size", 2)
    client = api(prosecutor)

    def search(page=1):
        with CaptureQueriesContext(connection) as queries:
            body = client.post("/api/v1/persons/search/", {"q": "condori", "page": page}, format="json").json()
        names = [(p["last_name_paternal"], p["first_names"], [d["number"] for d in p["documents"]], p["aliases"])
                 for p in body["results"]]
        return body["count"], names, len(queries.captured_queries)

    for first_names, paternal, number in (("Rosa", "Quispe", "41000001"), ("Ana", "Apaza", "41000002"),
                                          ("Eva", "Mamani", "41000003")):
        make_person(actor=prosecutor, first_names=first_names, last_name_paternal=paternal,
                    last_name_maternal="Condori", documents=[_dni(number)], aliases=[f"La {first_names}"])
    search()  # the first request of a process reads the lists it keeps (sistra.core.choices) and the token's use
    count, first, statements = search()
    assert count == 3
    assert first == [("Apaza", "Ana", ["41000002"], ["La Ana"]), ("Mamani", "Eva", ["41000003"], ["La Eva"])]
    assert search(page=2)[1] == [("Quispe", "Rosa", ["41000001"], ["La Rosa"])]
    for i in range(4):
        make_person(actor=prosecutor, first_names=f"Zoila{i}", last_name_paternal="Zapata",
                    last_name_maternal="Condori", documents=[_dni(f"4200000{i}")], aliases=[f"Zoi{i}"])
    # more persons found, the same statements; the documents are read for the page's two persons alone
    with CaptureQueriesContext(connection) as queries:
        assert search()[1:] == (first, statements)
    documents = [q["sql"] for q in queries.captured_queries if 'FROM "people_identitydocument"' in q["sql"]]
    assert len(documents) == 1
    assert len(re.search(r'"person_id" IN \(([^)]*)\)', documents[0]).group(1).split(",")) == 2
    # past SORT_ALL_UP_TO, in registration order with each page sorted by name
    monkeypatch.setattr(selectors, "SORT_ALL_UP_TO", 3)
    count, names, _statements = search()
    assert count == 7 and [n[:2] for n in names] == [("Apaza", "Ana"), ("Quispe", "Rosa")]
