"""Injection through every filter and search parameter: SQL metacharacters, a statement to drop a table, LIKE
wildcards, a NUL byte, a very long string, unusual Unicode. For each one: no server error, no record that a
search for nonsense would not return, and every table still there with its rows afterwards. (The ORM binds
every value as a parameter; these tests keep it so for the raw SQL of statistics and future code.)"""

import re

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from .conftest import send

pytestmark = pytest.mark.django_db

# SQL and LIKE metacharacters: must find no more than a search for nonsense
SQL_PAYLOADS = [
    "' OR '1'='1",
    "1; DROP TABLE cases_case;--",
    "%' --",
    "--",
    "1 UNION SELECT username, password FROM accounts_user--",
    "%",
    "_",
]
# values a form may reject and ignore (a filter left out): must find no more than the parameter left empty
OTHER_PAYLOADS = [
    "\x00",
    "Ñandú 漢字 🧨 \u202e\u0301",
    "x" * 5000,
]
PAYLOADS = SQL_PAYLOADS + OTHER_PAYLOADS
# payloads this test once found mishandled, now fixed and checked like every other
KNOWN: set = set()
# API filters once passed to the ORM as they came (a NUL byte was a server error on PostgreSQL); now refused by
# sistra.core.middleware.RejectNulBytesMiddleware.
NUL_IN_API_FILTERS = [
    ("api-person-list", "q", "sistra/people/api.py:232"),
    ("api-ubigeo-list", "level", "sistra/core/api.py:180"),
    ("api-ubigeo-list", "parent", "sistra/core/api.py:182"),
    ("api-penal-article-list", "article", "sistra/core/api.py:220"),
    ("api-term-list", "vocabulary", "sistra/core/api.py:240"),
    ("api-agency-list", "kind", "sistra/accounts/api.py:30"),
    ("api-agency-list", "distrito_fiscal", "sistra/accounts/api.py:32"),
    ("api-provider-list", "region", "sistra/assistance/api.py:297 → selectors.provider_directory"),
    ("api-provider-list", "service", "sistra/assistance/api.py:297 → selectors.provider_directory"),
]
ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
NONSENSE = "zzqqxx-no-existe"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TABLES = ["cases_case", "people_person", "people_identitydocument", "hotline_contact", "assistance_assistancecase",
          "assistance_referral", "accounts_user", "audit_changeevent"]

# (url name, kwargs, method, (role, agency), parameters, fixed data, API?)
TARGETS = [
    ("cases:list", None, "get", ("prosecutor", "fis_own"),
     ["year", "distrito_fiscal", "region", "stage", "status", "exploitation", "minor_victim", "page"], {}, False),
    ("cases:list", None, "post", ("prosecutor", "fis_own"), ["q", "page"], {}, False),
    ("cases:list", None, "post", ("police", "pol_shared"), ["q"], {}, False),
    ("people:list", None, "post", ("prosecutor", "fis_own"), ["q", "page"], {}, False),
    ("people:list", None, "post", ("analyst", "fis_own"), ["q"], {}, False),
    ("people:lookup", None, "post", ("prosecutor", "fis_own"), ["victim-person_q", "field"],
     {"field": "victim-person"}, False),
    ("cases:ubigeo_lookup", None, "get", ("prosecutor", "fis_own"), ["q", "field"], {"field": "place-ubigeo"}, False),
    ("hotline:home", None, "get", ("hotline_operator", "hot_own"), ["sustantivos", "page"], {}, False),
    ("hotline:caller_lookup", None, "post", ("hotline_operator", "hot_own"), ["caller_phone"], {}, False),
    ("hotline:inbox", None, "get", ("police", "pol_shared"), ["pendientes", "page"], {}, False),
    ("hotline:supervisor", None, "get", ("hotline_supervisor", "hot_own"),
     ["date_from", "date_to", "hide_non_substantive"], {}, False),
    ("hotline:handover", None, "get", ("hotline_supervisor", "hot_own"), ["since"], {}, False),
    ("assistance:case_list", None, "get", ("caseworker", "mimp_own"), ["status", "page"], {}, False),
    ("assistance:catalogue", None, "get", ("caseworker", "mimp_own"), ["region", "service", "page"], {}, False),
    ("audit:log", None, "get", ("auditor", "fis_own"),
     ["kind", "person", "record", "user", "agency", "date_from", "date_to", "purpose", "page"], {}, False),
    ("stats:dashboard", None, "get", ("analyst", "fis_own"),
     ["desde", "hasta", "departamento", "distrito_fiscal", "fiscalia", "explotacion"], {}, False),
    ("stats:map", None, "get", ("analyst", "fis_own"), ["medida", "nivel", "departamento"], {}, False),
    ("stats:indicators", None, "get", ("analyst", "fis_own"), ["anio", "formato", "desde"], {}, False),
    ("stats:report_latest", None, "get", ("analyst", "fis_own"), ["anio"], {}, False),
    ("api-person-list", None, "get", ("prosecutor", "fis_own"), ["q", "page"], {}, True),
    ("api-person-list", None, "get", ("caseworker", "ngo_noid"), ["q"], {}, True),
    ("api-case-list", None, "get", ("prosecutor", "fis_own"),
     ["q", "year", "distrito_fiscal", "region", "stage", "status", "exploitation", "minor_victim", "page"], {}, True),
    ("api-ubigeo-list", None, "get", ("prosecutor", "fis_own"), ["level", "parent", "q"], {}, True),
    ("api-penal-article-list", None, "get", ("prosecutor", "fis_own"), ["in_force_on", "article", "is_trafficking"],
     {}, True),
    ("api-term-list", None, "get", ("prosecutor", "fis_own"), ["vocabulary"], {}, True),
    ("api-agency-list", None, "get", ("prosecutor", "fis_own"), ["kind", "distrito_fiscal"], {}, True),
    ("api-referral-list", None, "get", ("caseworker", "mimp_own"), ["box", "page"], {}, True),
    ("api-assistance-case-list", None, "get", ("caseworker", "mimp_own"), ["page"], {}, True),
    ("api-provider-list", None, "get", ("caseworker", "mimp_own"), ["region", "service"], {}, True),
    ("api-stats-figures", None, "get", ("analyst", "fis_own"),
     ["figuras", "desde", "hasta", "departamento", "distrito_fiscal", "fiscalia", "explotacion"], {}, True),
    ("api-stats-indicators", None, "get", ("analyst", "fis_own"), ["anio"], {}, True),
    ("api-person-match", None, "post", ("prosecutor", "fis_own"), ["first_names", "last_name_paternal"], {}, True),
]


def _records(text: str, world_uuids: set[str]) -> set[str]:
    return set(UUID.findall(text)) & world_uuids


def _world_uuids(world) -> set[str]:
    found = set()
    for value in world.records.values():
        if hasattr(value, "uuid"):
            found.add(str(value.uuid))
    for person in ("victim_adult", "victim_minor", "registry_person", "assisted_victim", "defendant_person"):
        found.add(str(getattr(world, person).uuid))
    from sistra.people.models import Person

    found.update(str(u) for u in Person.objects.values_list("uuid", flat=True))
    return found


def _row_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in TABLES:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 — fixed names
            counts[table] = cursor.fetchone()[0]
    return counts


@pytest.mark.parametrize("target", TARGETS, ids=[f"{t[0]}-{t[2]}-{t[3][0]}" for t in TARGETS])
def test_injection_strings_in_every_parameter_change_nothing_and_find_nothing_more(world, target):
    name, kwargs, method, (role, agency), parameters, fixed, api = target
    url = reverse(name, kwargs=kwargs)
    client = world.client(role, agency)
    known = _world_uuids(world)
    before = _row_counts()
    problems = []
    for parameter in parameters:
        nonsense = send(client, method, url, {**fixed, parameter: NONSENSE}, json_body=api and method != "get")
        empty = send(client, method, url, {**fixed, parameter: ""}, json_body=api and method != "get")
        for payload in PAYLOADS:
            if (name, parameter, payload) in KNOWN:
                continue
            allowed = _records(nonsense.text, known)
            if payload in OTHER_PAYLOADS:
                allowed |= _records(empty.text, known)
            out = send(client, method, url, {**fixed, parameter: payload}, json_body=api and method != "get",
                       keep=True)
            if out.status >= 500:
                problems.append(f"{method.upper()} {url} {parameter}={payload[:30]!r}: {out.status} {out.error}")
                continue
            extra = _records(out.text, known) - allowed
            if extra:
                problems.append(f"{method.upper()} {url} {parameter}={payload[:30]!r}: {len(extra)} record(s) "
                                "that a search for nonsense does not return")
            if out.changes:
                problems.append(f"{method.upper()} {url} {parameter}={payload[:30]!r}: wrote {out.changes}")
    assert _row_counts() == before
    assert not problems, "\n".join(problems)


def test_the_tables_are_intact_after_a_drop_table_search(world):
    client = world.client("prosecutor", "fis_own")
    for url, data in ((reverse("cases:list"), {"q": "x'; DROP TABLE cases_case; --"}),
                      (reverse("people:list"), {"q": "x'); DROP TABLE people_person; --"})):
        assert send(client, "post", url, data, keep=True).status == 200
    counts = _row_counts()
    assert counts["cases_case"] >= 2 and counts["people_person"] >= 6


@pytest.mark.parametrize("text", ["--", "\x00"])
def test_a_search_of_punctuation_or_a_nul_byte_finds_nobody(world, text):
    client = world.client("prosecutor", "fis_own")
    picker = send(client, "post", reverse("people:lookup"), {"field": "victim-person", "victim-person_q": text})
    listing = send(client, "post", reverse("people:list"), {"q": text})
    api = send(client, "get", reverse("api-person-list"), {"q": text})
    assert max(picker.status, listing.status, api.status) < 500, (picker.error, listing.error, api.error)
    known = _world_uuids(world)
    assert _records(picker.text, known) == set()
    assert _records(listing.text, known) == set()
    # a NUL byte is refused before the view (400); other text finds nobody
    assert api.status == 400 or api.response.json()["count"] == 0


@pytest.mark.parametrize("name, parameter", [(n, p) for n, p, _w in NUL_IN_API_FILTERS])
def test_a_nul_byte_in_an_api_filter_is_not_a_server_error(world, name, parameter):
    role, agency = ("caseworker", "mimp_own") if "provider" in name else ("prosecutor", "fis_own")
    out = send(world.client(role, agency), "get", reverse(name), {parameter: "\x00"})
    assert out.status < 500, out.error


NUL_IN_PATHS = ["/api/v1/hotline/contacts/%00/", "/api/v1/assistance/providers/%00/", "/api/v1/agencies/%00/",
                "/api/v1/persons/%00/", "/auditoria/exportaciones/%00/", "/estadisticas/tabla/%00.csv",
                "/estadisticas/datos-abiertos/00000000-0000-0000-0000-000000000000/%00"]
# reference lists looked up by code with a pattern that lets anything but "/" through
NUL_IN_REFERENCE_PATHS = ["/api/v1/ubigeo/%00/", "/api/v1/countries/%00/", "/api/v1/distritos-fiscales/%00/",
                          "/api/v1/penal-articles/%00/", "/api/v1/stages/%00/", "/api/v1/terms/exploitation/%00/",
                          "/api/v1/assistance/services/%00/"]


@pytest.mark.parametrize("path", NUL_IN_PATHS)
def test_a_nul_byte_in_a_path_identifier_is_a_404(world, path):
    _assert_no_server_error(world, path)


@pytest.mark.parametrize("path", NUL_IN_REFERENCE_PATHS)
def test_a_nul_byte_in_a_reference_code_is_a_404(world, path):
    _assert_no_server_error(world, path)


def _assert_no_server_error(world, path):
    from .conftest import ROLES

    for role in ROLES:
        agency = "mimp_own" if role == "caseworker" else "hot_own" if role.startswith("hotline") else "fis_own"
        out = send(world.client(role, agency), "get", path)
        assert out.status in (400, 403, 404), (path, role, out.status, out.error)
