"""Guessing and enumerating identifiers.

- A made-up UUID, and the UUID of another agency's record, get the same answer: 404, with nothing in the
  page that tells them apart (no "exists but not yours").
- Sequential ids, names and malformed identifiers are not addresses of anything (404, never a server error).
- Identifiers of another agency's records smuggled in a form or a JSON body (a person to add to one's own
  case, a case to refer) are refused like unknown ones and change nothing.
- Lists and counts of the API say nothing about other agencies' records."""

import re

import pytest
from django.urls import reverse

from sistra.cases.testing import make_case

from .conftest import RECORD, ROLES, ROUTES, random_uuid, scope_agency, send

pytestmark = pytest.mark.django_db

RECORD_ROUTES = sorted(k for k, r in ROUTES.items() if r.kind == RECORD and "other" in r.scopes())
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
VOLATILE = [
    (UUID, "<uuid>"),
    (re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"'), "<csrf>"),
    # the 404 page is the site's page: the token htmx sends is masked anew on every render
    (re.compile(r'"X-CSRFToken": "[^"]+"'), "<csrf>"),
    (re.compile(r'nonce="[^"]+"'), "<nonce>"),
]


def _normalized(text: str) -> str:
    for pattern, replacement in VOLATILE:
        text = pattern.sub(replacement, text)
    return text


def _probing_roles(route):
    """The roles for which the question is real: those that would reach the record were it their agency's."""
    roles = [r for r in ROLES if (route.read and route.read(r, "own")) or route.write(r, "own")]
    return roles[:3] or ROLES[:1]


def _url(key, kwargs):
    return reverse(key.split("#")[0], kwargs=kwargs)


@pytest.mark.parametrize("key", RECORD_ROUTES)
def test_another_agencys_record_and_a_made_up_one_get_the_same_answer(world, key):
    route = ROUTES[key]
    agency = scope_agency(route.family, "other")
    kwargs = route.kwargs(world, "other")
    made_up = {k: (random_uuid() if "uuid" in k else v) for k, v in kwargs.items()}
    methods = (["get"] if route.read else []) + ([route.method] if route.method else [])
    for role in _probing_roles(route):
        if route.record_visible(role, "other"):
            continue  # analysts read every case nationally: not a hidden record for them
        client = world.client(role, agency)
        for method in methods:
            data = route.data(world, "other") if method != "get" and route.data else None
            real = send(client, method, _url(key, kwargs), data, json_body=route.api)
            fake = send(client, method, _url(key, made_up), data, json_body=route.api)
            assert real.status == fake.status, (key, role, method, real.status, fake.status)
            assert real.status in (403, 404, 405), (key, role, method, real.status)
            assert _normalized(real.text) == _normalized(fake.text), (key, role, method)
            assert real.changes == 0


@pytest.mark.parametrize("path", [
    "/casos/1/", "/casos/2/editar/", "/personas/1/", "/linea/contactos/1/", "/asistencia/casos/1/",
    "/asistencia/derivaciones/1/", "/api/v1/cases/1/", "/api/v1/persons/1/", "/api/v1/hotline/contacts/1/",
    "/api/v1/assistance/cases/1/", "/api/v1/assistance/referrals/1/", "/api/v1/assistance/providers/1/",
    "/personas/Zorobabel/", "/casos/SEC-2026-001/", "/api/v1/persons/" + "-" * 36 + "/",
    "/api/v1/cases/" + "0" * 36 + "/", "/api/v1/hotline/contacts/no-es-un-uuid/",
    "/api/v1/assistance/providers/no-es-un-uuid/", "/api/v1/agencies/" + "f" * 36 + "/",
    "/auditoria/personas/00000000-0000-0000-0000-000000000000/",
    "/estadisticas/datos-abiertos/00000000-0000-0000-0000-000000000000/",
])
def test_guessed_ids_names_and_malformed_identifiers_are_404(world, path):
    for role, agency in (("prosecutor", "fis_own"), ("hotline_operator", "hot_own"), ("caseworker", "mimp_own"),
                         ("analyst", "fis_own"), ("auditor", "fis_own")):
        from sistra.core import url_guard

        with url_guard.deliberate():  # a forged URL (a name in the path, on purpose): not one the UI produces
            out = send(world.client(role, agency), "get", path)
        assert out.status in (403, 404), (path, role, out.status, out.error)


def test_sequential_ids_never_appear_in_urls_of_a_page(world):
    """Links in the pages of a record use UUIDs (or codes), never the database's sequential ids."""
    client = world.client("prosecutor", "fis_own")
    for url in (reverse("cases:detail", args=[world.case.uuid]), reverse("cases:list"),
                reverse("people:detail", args=[world.victim_adult.uuid])):
        text = send(client, "get", url).text
        for href in re.findall(r'href="(/[^"]*)"', text):
            assert not re.search(r"/\d+/", href.replace(str(world.case.complaint_date.year), "")), href


def test_a_person_of_another_agency_cannot_be_added_to_ones_own_case(world):
    stranger = world.user("prosecutor", "fis_other")
    case = make_case(actor=stranger, number="AJENO-1")
    client = world.client("prosecutor", "fis_other")
    hidden = world.victim_adult
    page = send(client, "post", reverse("cases:add_victim", args=[case.uuid]),
                {"victim-person": str(hidden.uuid)})
    assert page.status == 422 and page.changes == 0
    api = send(client, "post", reverse("api-case-victims", kwargs={"uuid": case.uuid}),
               {"person": str(hidden.uuid)}, json_body=True)
    assert api.status == 400 and api.changes == 0
    # the refusal is the one an unknown person gets
    unknown = send(client, "post", reverse("api-case-victims", kwargs={"uuid": case.uuid}),
                   {"person": random_uuid()}, json_body=True)
    assert api.text == unknown.text


def test_a_case_of_another_agency_cannot_be_referred_nor_linked(world):
    client = world.client("caseworker", "ngo_other")
    out = send(client, "post", reverse("api-referral-list"), {
        "case": str(world.assistance_case.uuid), "to_agency": world.agencies["ngo_id"].code,
        "due_on": "2099-01-01", "services": ["health"]}, json_body=True)
    assert out.status == 404 and out.changes == 0
    # a hotline operator of another hotline cannot link its contact to a person it does not see
    from sistra.hotline import services as hotline

    operator = world.user("hotline_operator", "hot_other")
    contact = hotline.contact_create(actor=operator, started_at=world.contact.started_at,
                                     ended_at=world.contact.ended_at, category="information")
    out = send(world.client("hotline_operator", "hot_other"), "post",
               reverse("hotline:person_link", args=[contact.uuid]),
               {"action": "link", "person": str(world.victim_adult.uuid), "role": "caller"})
    assert out.status == 404 and out.changes == 0


def test_a_report_of_another_agency_cannot_be_acknowledged_or_turned_into_a_case(world):
    client = world.client("prosecutor", "fis_other")
    for name in ("hotline:report_acknowledge", "hotline:report_open_case", "hotline:report_link_case"):
        out = send(client, "post", reverse(name, args=[world.report.uuid]),
                   {"number": "SEC-2026-001", "reference": "X"})
        assert out.status == 404 and out.changes == 0


@pytest.mark.parametrize("name, role, agency", [
    ("api-case-list", "prosecutor", "fis_other"),
    ("api-person-list", "prosecutor", "fis_other"),
    ("api-assistance-case-list", "caseworker", "ngo_other"),
    ("api-referral-list", "caseworker", "ngo_other"),
])
def test_api_lists_count_nothing_of_other_agencies(world, name, role, agency):
    out = send(world.client(role, agency), "get", reverse(name))
    assert out.status == 200
    assert out.response.json()["count"] == 0


def test_a_pseudonymous_share_cannot_be_looked_up_by_name_in_the_api(world):
    client = world.client("caseworker", "ngo_noid")
    search = reverse("api-person-list") + "search/"  # by POST: a name never goes in a URL
    by_name = send(client, "post", search, {"q": "Mamanchu"}).response.json()
    assert by_name["count"] == 0
    by_code = send(client, "post", search, {"q": world.registry_person.code}).response.json()
    assert by_code["count"] == 1
    assert set(by_code["results"][0]) == {"uuid", "code", "sex", "age_band", "region"}
