"""The API keeps the word of its OpenAPI schema (issue 15, part 7): control characters are refused with 400 in
every field, lookup codes included; invalid filter values are a 400 naming the parameter; the responses are
what the schema documents, errors included. tests/contract runs schemathesis over every operation."""

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from sistra.accounts.capabilities import Role
from sistra.accounts.models import Agency
from sistra.accounts.tokens import token_create
from sistra.cases.testing import make_case
from sistra.core.api_contract import has_control_characters
from sistra.core.models import Term
from sistra.core.testing import AgencyFactory, UserFactory
from sistra.people.testing import make_person
from sistra.stats.models import OpenDataRelease

pytestmark = pytest.mark.django_db

CONTROL = "Contiene caracteres de control no permitidos."


def api(user) -> APIClient:
    client = APIClient()
    _token, secret = token_create(actor=user, user=user, name="pruebas", second_factor_verified=True)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


@pytest.fixture
def caseworker(db):
    agency = AgencyFactory(code="mimp-prueba", name="MIMP prueba", kind=Agency.Kind.MIMP)
    return UserFactory(username="mimp", agency=agency, role=Role.CASEWORKER)


# --- control characters ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["\x00", "a\x07b", "\x1b[31m", "\x7f", "\x85", "\ud800"])
def test_control_characters_and_lone_surrogates_are_not_text(text):
    assert has_control_characters(text)


@pytest.mark.parametrize("text", ["María Ñañez", "línea 1\nlínea 2", "a\tb", "línea\r\n", "¤ ✓ 漢"])
def test_letters_tabs_and_line_breaks_are_text(text):
    assert not has_control_characters(text)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("nationality", "P\x00E"),
        ("languages", ["\x00"]),
        ("ubigeo_origin", "\x00170101"),
        ("country_origin", "PE\x00"),
        ("notes", "una nota\x07"),
        ("documents", [{"kind": "dni", "number": "1234\x005678"}]),
    ],
)
def test_a_control_character_in_any_person_field_is_a_400_naming_the_field(prosecutor, field, value):
    response = api(prosecutor).post("/api/v1/persons/", {"first_names": "Ana", field: value}, format="json")

    assert response.status_code == 400
    assert response.json() == {field: [CONTROL]}


@pytest.mark.parametrize("field", ["fiscalia", "distrito_fiscal", "number"])
def test_a_control_character_in_a_case_lookup_field_is_a_400(prosecutor, field):
    body = {"number": "1", "complaint_date": "2025-01-02", "source": "police", field: "fiscalia-cusco\x00"}

    response = api(prosecutor).post("/api/v1/cases/", body, format="json")

    assert response.status_code == 400
    assert response.json() == {field: [CONTROL]}


def test_a_control_character_in_the_agency_of_a_share_is_a_400(prosecutor):
    case = make_case(actor=prosecutor)

    response = api(prosecutor).post(
        f"/api/v1/cases/{case.uuid}/shares/", {"agency": "\x00", "reason": "x"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"agency": [CONTROL]}


def test_a_control_character_in_the_receiving_agency_of_a_referral_is_a_400(caseworker):
    body = {"case": "00000000-0000-0000-0000-000000000000", "to_agency": "mimp\x00", "services": ["health"]}

    response = api(caseworker).post("/api/v1/assistance/referrals/", body, format="json")

    assert response.status_code == 400
    assert response.json() == {"to_agency": [CONTROL]}


def test_a_control_character_in_a_key_is_a_400_too(prosecutor):
    response = api(prosecutor).post("/api/v1/persons/", {"first_names\x00": "Ana"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [CONTROL]}


def test_a_control_character_in_a_form_encoded_body_is_a_400(prosecutor):
    response = api(prosecutor).post("/api/v1/persons/match/", {"first_names": "Ana\x01"})

    assert response.status_code == 400
    assert response.json()["first_names"] == [CONTROL]


@pytest.mark.parametrize("value", ["\x00", "\x01", "abc\x1f"])
def test_a_control_character_in_a_query_parameter_is_a_json_400(prosecutor, value):
    response = api(prosecutor).get("/api/v1/ubigeo/", {"q": value})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


def test_a_tab_or_line_break_in_a_text_field_is_kept(prosecutor):
    response = api(prosecutor).post(
        "/api/v1/persons/", {"first_names": "Ana", "notes": "línea 1\nlínea\t2"}, format="json"
    )

    assert response.status_code == 201, response.json()
    assert response.json()["notes"] == "línea 1\nlínea\t2"


# --- invalid filter values --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "param", "value"),
    [
        ("/api/v1/agencies/", "kind", "AAA"),
        ("/api/v1/agencies/", "kind", ""),
        ("/api/v1/ubigeo/", "level", "¤"),
        ("/api/v1/terms/", "vocabulary", "colores"),
        ("/api/v1/penal-articles/", "is_trafficking", "1.0000000000000002"),
        ("/api/v1/penal-articles/", "is_trafficking", ""),
        ("/api/v1/penal-articles/", "in_force_on", "2024-02-30"),
        ("/api/v1/cases/", "year", "dos mil"),
        ("/api/v1/cases/", "minor_victim", "quizá"),
        ("/api/v1/cases/", "status", "AAA"),
    ],
)
def test_an_invalid_filter_value_is_a_400_naming_the_parameter(prosecutor, url, param, value):
    response = api(prosecutor).get(url, {param: value})

    assert response.status_code == 400
    assert list(response.json()) == [param]


@pytest.mark.parametrize(
    ("url", "param", "value"),
    [
        ("/api/v1/estadisticas/indicadores/", "anio", "1.19e-07"),
        ("/api/v1/estadisticas/indicadores/", "anio", "AAA"),
        ("/api/v1/estadisticas/cifras/", "desde", "1.5"),
        ("/api/v1/estadisticas/cifras/", "departamento", "¤"),
    ],
)
def test_an_invalid_statistics_filter_is_a_400(analyst, url, param, value):
    response = api(analyst).get(url, {param: value})

    assert response.status_code == 400
    assert param in response.json()


def test_the_referral_box_must_be_one_of_the_three(caseworker):
    response = api(caseworker).get("/api/v1/assistance/referrals/", {"box": "papelera"})

    assert response.status_code == 400
    assert list(response.json()) == ["box"]


@pytest.mark.parametrize(
    ("url", "params", "code"),
    [
        ("/api/v1/agencies/", {"kind": "fiscalia"}, "fiscalia-cusco"),
        ("/api/v1/agencies/", {"distrito_fiscal": ""}, "fiscalia-cusco"),
        ("/api/v1/ubigeo/", {"level": "departamento", "parent": ""}, "080000"),
        ("/api/v1/penal-articles/", {"is_trafficking": "true", "article": "153"}, None),
    ],
)
def test_valid_filters_still_filter(prosecutor, url, params, code):
    response = api(prosecutor).get(url, params)

    assert response.status_code == 200
    results = response.json()["results"]
    assert results
    if code:
        assert code in {row["code"] for row in results}
    if "is_trafficking" in params:
        assert all(row["is_trafficking"] for row in results)


# --- responses are what the schema says ------------------------------------------------------------------


def test_a_term_without_a_parent_has_null_and_the_schema_says_it_may(prosecutor, schema):
    term = Term.objects.filter(parent__isnull=True).first()

    response = api(prosecutor).get(f"/api/v1/terms/{term.vocabulary}/{term.code}/")

    assert response.json()["parent"] is None
    assert schema["components"]["schemas"]["Term"]["properties"]["parent"]["nullable"] is True


def test_matching_with_an_empty_body_is_an_empty_list_as_the_schema_says(prosecutor, schema):
    make_person(actor=prosecutor)

    response = api(prosecutor).post("/api/v1/persons/match/", {}, format="json")

    assert response.status_code == 200
    assert response.json() == []
    promised = schema["paths"]["/api/v1/persons/match/"]["post"]["responses"]["200"]
    assert promised["content"]["application/json"]["schema"]["type"] == "array"


def test_the_open_data_list_is_a_list_of_releases_as_the_schema_says(analyst, schema):
    release = OpenDataRelease.objects.create(
        created_by=analyst, year_from=2020, year_to=2024, epsilon=1.0, epsilon_per_table=0.5, threshold=10
    )

    response = api(analyst).get("/api/v1/estadisticas/datos-abiertos/")

    assert response.status_code == 200
    body = response.json()
    assert [row["uuid"] for row in body] == [str(release.uuid)]
    assert body[0]["years"] == [2020, 2024]
    promised = schema["paths"]["/api/v1/estadisticas/datos-abiertos/"]["get"]["responses"]["200"]
    item = promised["content"]["application/json"]["schema"]
    assert item["type"] == "array"
    component = schema["components"]["schemas"][item["items"]["$ref"].rsplit("/", 1)[1]]
    assert set(component["properties"]) == set(body[0])


def test_the_indicators_year_is_optional_in_the_schema_as_in_the_server(schema):
    parameters = schema["paths"]["/api/v1/estadisticas/indicadores/"]["get"]["parameters"]
    anio = next(p for p in parameters if p["name"] == "anio")
    assert not anio.get("required", False)


@pytest.mark.parametrize("path", ["/api/v1/persons/{uuid}/", "/api/v1/cases/{uuid}/"])
def test_version_is_required_on_patch_in_the_schema(schema, path):
    ref = schema["paths"][path]["patch"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert "version" in schema["components"]["schemas"][ref.rsplit("/", 1)[1]]["required"]


def test_a_patch_without_version_is_refused_as_the_schema_says(prosecutor):
    person = make_person(actor=prosecutor)

    response = api(prosecutor).patch(f"/api/v1/persons/{person.uuid}/", {"notes": "x"}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["version"]


def test_every_operation_documents_its_error_answers(schema):
    operations = [
        (method, path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    ]
    assert len(operations) > 40
    for method, path, operation in operations:
        codes = set(operation["responses"])
        assert {"400", "401", "403", "404", "405"} <= codes, (method, path)
        if method in {"post", "patch", "put", "delete"}:
            assert {"409", "415"} <= codes, (method, path)


@pytest.mark.parametrize(
    "url", ["/api/v1/cases/no-es-un-uuid/", "/api/v1/persons/123/", "/api/v1/no-existe/", "/api/v2/"]
)
def test_an_address_no_route_matches_is_a_json_404_under_the_api(prosecutor, url):
    response = api(prosecutor).get(url)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "No encontrado."}


def test_a_page_no_route_matches_is_still_the_html_404(client, prosecutor):
    client.force_login(prosecutor)

    response = client.get("/casos/no-existe/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("page", ["", "abc", "0", "99"])
def test_a_page_that_is_not_a_page_number_is_refused(prosecutor, page):
    response = api(prosecutor).get("/api/v1/countries/", {"page": page})

    assert response.status_code == 404
    assert "detail" in response.json()


def test_a_number_where_the_schema_says_text_is_refused(prosecutor):
    response = api(prosecutor).post("/api/v1/persons/match/", {"last_name_maternal": 0}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["last_name_maternal"]


def test_a_form_encoded_duplicate_check_cannot_drop_its_documents_or_blank_its_fields(prosecutor):
    # found by schemathesis: `documents=number&documents=kind&exclude=` answered 200 with the documents dropped
    response = api(prosecutor).post(
        "/api/v1/persons/match/", "documents=number&documents=kind&exclude=&date_of_birth=",
        content_type="application/x-www-form-urlencoded")

    assert response.status_code == 400
    assert set(response.json()) == {"documents", "exclude", "date_of_birth"}


def test_an_empty_uuid_filter_is_a_400_like_any_value_that_is_not_one(caseworker):
    # found by schemathesis: ?case= answered 200 with every return of the agency
    response = api(caseworker).get("/api/v1/assistance/returns/", {"case": ""})

    assert response.status_code == 400
    assert "case" in response.json()
