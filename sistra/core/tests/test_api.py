import pytest
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from sistra.accounts.models import Agency
from sistra.accounts.tokens import token_create
from sistra.core.models import Ubigeo

pytestmark = pytest.mark.django_db


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        _token, secret = token_create(actor=user, user=user, name="pruebas", second_factor_verified=True)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.mark.parametrize("url", [
    "/api/v1/ubigeo/", "/api/v1/countries/", "/api/v1/distritos-fiscales/", "/api/v1/penal-articles/",
    "/api/v1/terms/", "/api/v1/stages/", "/api/v1/agencies/",
])
def test_reference_lists_refuse_anonymous_requests_with_401(url):
    response = api().get(url)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_wrong_token_is_refused(prosecutor):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    assert client.get("/api/v1/stages/").status_code == 401


def test_a_session_user_reads_reference_lists_too(prosecutor):
    client = APIClient()
    client.force_login(prosecutor)
    assert client.get("/api/v1/countries/PE/").json()["name"] == "Perú"


def test_ubigeo_filters_by_level_parent_and_name_ignoring_accents(prosecutor):
    client = api(prosecutor)
    departments = client.get("/api/v1/ubigeo/", {"level": "departamento"}).json()
    assert departments["count"] == 25
    cusco = next(d for d in departments["results"] if d["code"] == "080000")
    assert cusco["name"].upper() == "CUSCO"
    assert cusco["parent"] is None
    provinces = client.get("/api/v1/ubigeo/", {"parent": "080000"}).json()
    assert provinces["count"] == 13
    assert {p["level"] for p in provinces["results"]} == {"provincia"}
    found = client.get("/api/v1/ubigeo/", {"q": "Apurímac", "level": "departamento"}).json()["results"]
    assert [u["code"] for u in found] == ["030000"]
    by_code = client.get("/api/v1/ubigeo/", {"q": "1701"}).json()["results"]
    assert {u["code"] for u in by_code} >= {"170100", "170101"}
    district = client.get("/api/v1/ubigeo/170101/").json()
    assert district["level"] == "distrito"
    assert district["parent"] == "170100"
    assert district["full_name"].upper() == "TAMBOPATA, TAMBOPATA, MADRE DE DIOS"


def test_penal_articles_list_only_the_versions_in_force_on_a_date(prosecutor):
    client = api(prosecutor)
    codes = {a["code"] for a in client.get("/api/v1/penal-articles/", {"in_force_on": "2022-05-01"}).json()["results"]}
    assert "CP-129-A-L31146" in codes
    assert "CP-153-L30251" not in codes
    older = client.get("/api/v1/penal-articles/", {"in_force_on": "2015-01-10", "article": "153"}).json()
    assert [a["code"] for a in older["results"]] == ["CP-153-L30251"]
    detail = client.get("/api/v1/penal-articles/CP-153-L28950/").json()
    assert detail["valid_from"] == "2007-01-17"
    assert detail["valid_to"] == "2014-10-21"
    assert detail["title"] == "Trata de personas"


def test_penal_articles_refuse_a_malformed_date_in_spanish(prosecutor):
    response = api(prosecutor).get("/api/v1/penal-articles/", {"in_force_on": "01/05/2022"})
    assert response.status_code == 400
    assert response.json() == {"in_force_on": ["Fecha no válida: use el formato AAAA-MM-DD."]}


def test_terms_filter_by_vocabulary_and_are_addressed_by_vocabulary_and_code(prosecutor):
    client = api(prosecutor)
    terms = client.get("/api/v1/terms/", {"vocabulary": "control"}).json()
    assert terms["count"] > 0
    assert {t["vocabulary"] for t in terms["results"]} == {"control"}
    # "other" exists in several vocabularies: the vocabulary is part of the address
    other = client.get("/api/v1/terms/recruitment/other/").json()
    assert other["vocabulary"] == "recruitment"
    assert client.get("/api/v1/terms/recruitment/debt_bondage/").status_code == 404


def test_stages_give_their_next_stages_and_deadlines(prosecutor):
    stage = api(prosecutor).get("/api/v1/stages/investigacion_preparatoria/").json()
    assert stage["deadline_days"] == 120
    assert (stage["deadline_months_complex"], stage["deadline_months_organized"]) == (8, 36)
    # juicio_oral: proceso inmediato (art. 447.1 NCPP)
    assert set(stage["next_stages"]) == {"etapa_intermedia", "terminacion_anticipada", "juicio_oral"}
    assert stage["name"] == "Investigación preparatoria"


def test_distritos_fiscales_are_read_by_code(prosecutor):
    body = api(prosecutor).get("/api/v1/distritos-fiscales/cusco/").json()
    assert body == {"code": "cusco", "name": "Cusco", "departamento": "080000"}


def test_reference_lists_cannot_be_written(prosecutor):
    response = api(prosecutor).post("/api/v1/stages/", {"code": "nueva"}, format="json")
    assert response.status_code == 405


def test_agencies_are_listed_and_read_by_uuid_without_internal_ids(prosecutor, other_fiscalia, police_unit):
    client = api(prosecutor)
    listed = client.get("/api/v1/agencies/", {"kind": Agency.Kind.POLICE}).json()["results"]
    assert [a["code"] for a in listed] == ["pnp-dirintrap"]
    detail = client.get(f"/api/v1/agencies/{other_fiscalia.uuid}/").json()
    assert set(detail) == {"uuid", "code", "name", "kind", "distrito_fiscal"}
    assert detail["code"] == "fiscalia-lima"
    assert client.get(f"/api/v1/agencies/{other_fiscalia.pk}/").status_code == 404


def test_schema_endpoint_returns_a_valid_openapi_document(prosecutor):
    response = api(prosecutor).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    assert "/api/v1/cases/{uuid}/stage/" in schema["paths"]
    assert "/api/v1/persons/match/" in schema["paths"]


def test_schema_generates_without_warnings():
    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    warnings = dict(GENERATOR_STATS._warn_cache)
    errors = dict(GENERATOR_STATS._error_cache)
    GENERATOR_STATS.reset()
    assert not errors
    # enum names that collide (kind, status, level) are named in SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]
    assert not warnings


def test_swagger_ui_is_served_to_signed_in_users(prosecutor):
    client = APIClient()
    client.force_login(prosecutor)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert b"swagger-ui" in response.content


def test_a_page_number_past_any_list_is_not_found_not_a_server_error(prosecutor, client):
    # found by schemathesis: the count's LIMIT, (page + 40) × size, overflowed SQLite's and PostgreSQL's integers
    api_client = api(prosecutor)
    for page in ("476182483272312960", str(10**30)):
        assert api_client.get("/api/v1/stages/", {"page": page}).status_code == 404
    client.force_login(prosecutor)
    assert client.get("/casos/", {"page": str(10**30)}).status_code == 200  # the web list: its last page


def test_a_long_list_is_counted_only_some_pages_ahead(prosecutor, monkeypatch):
    # at the design scale counting a fiscalía's 100,000 cases cost 60 ms on every page of /api/v1/cases/
    monkeypatch.setattr("sistra.core.pagination.PAGES_AHEAD", 1)
    client = api(prosecutor)
    districts = client.get("/api/v1/ubigeo/", {"level": "distrito"})
    assert districts.status_code == 200
    first = districts.json()
    size = len(first["results"])
    assert size > 0 and first["count"] == 2 * size + 1 and first["count_exact"] is False
    assert first["next"] and first["previous"] is None
    # a page far ahead counts as far, and the end of the list is known exactly
    total = Ubigeo.objects.filter(level="distrito").count()
    last = -(-total // size)
    end = client.get("/api/v1/ubigeo/", {"level": "distrito", "page": last}).json()
    assert end["count"] == total and end["count_exact"] is True and end["next"] is None
    short = client.get("/api/v1/ubigeo/", {"level": "departamento"}).json()
    assert short["count"] == 25 and short["count_exact"] is True
