"""Who has seen this victim: every page and API endpoint of the resolver that shows a person's identity writes
exactly one access-log row for that person, in the transaction of the read.

The walk is the authorization matrix's (the same world, every URL of the registry × scope × role, every query
variant): a GET whose answer carries an identity marker of a person of the registry (a name or a DNI of the
world, tests/security/conftest.py MARKERS) must have written, during that request, exactly one AccessLog row
naming that person (`person_uuid`) — none is a silent read, two are a read logged twice. Persons outside the
registry (a hotline caller, a relative traced, an at-risk family, a trainee) are records of their own apps and
logged as such: their marker must be matched by exactly one row naming that record (`object_uuid`)."""

import pytest
from django.db import transaction
from django.urls import reverse

from sistra.audit.models import AccessLog

from .conftest import (
    MARKERS,
    PAGE,
    RECORD,
    ROLES,
    ROUTES,
    markers_in,
    response_text,
    scope_agency,
    strip_echo,
)

pytestmark = pytest.mark.django_db

READABLE = sorted(k for k, r in ROUTES.items() if r.kind in (PAGE, RECORD) and r.read is not None)


def _subjects(world) -> dict[str, tuple[str, object]]:
    """marker key -> (the AccessLog field naming it, the uuid it must hold)."""
    r = world.records
    contact_person = r["contact"].persons.order_by("id").first().person
    return {
        "victim_adult": ("person_uuid", r["victim_adult"].uuid),
        "victim_minor": ("person_uuid", r["victim_minor"].uuid),
        "defendant": ("person_uuid", r["defendant_person"].uuid),
        "registry_person": ("person_uuid", r["registry_person"].uuid),
        "contact_person": ("person_uuid", contact_person.uuid),
        "assisted_victim": ("person_uuid", r["assisted_victim"].uuid),
        "caller": ("object_uuid", r["contact"].uuid),
        "relative": ("object_uuid", r["family_contact"].uuid),
        "atrisk_family": ("object_uuid", r["atrisk"].uuid),
        "trainee": ("object_uuid", r["trainee"].uuid),
    }


def _read(client, url, query) -> tuple[int, str, list[AccessLog]]:
    """One GET, its text and the access-log rows it wrote; rolled back so the world stays as built."""
    with transaction.atomic():
        last = AccessLog.objects.order_by("-id").values_list("id", flat=True).first() or 0
        response = client.get(url, query or {})
        text = strip_echo(response_text(response), query)
        rows = list(AccessLog.objects.filter(id__gt=last))
        transaction.set_rollback(True)
    return response.status_code, text, rows


def _unlogged(text: str, rows: list[AccessLog], subjects: dict, label: str) -> list[str]:
    """The identities `text` shows that the request's access-log rows do not name exactly once."""
    problems = []
    for marker in MARKERS:
        if markers_in(text, marker.key):
            field, uuid = subjects[marker.key]
            logged = sum(1 for row in rows if getattr(row, field) == uuid)
            if logged != 1:
                problems.append(f"{label}: {marker.key} shown, {logged} access-log row(s) for it")
    return problems


def _addresses(world, key):
    """(scope, agency, URL) for each scope of the route, as the authorization matrix builds them."""
    route = ROUTES[key]
    for scope in route.scopes():
        kwargs = route.kwargs(world, scope) if route.kwargs else {}
        yield scope, scope_agency(route.family, scope), reverse(key.split("#")[0], kwargs=kwargs or None)


@pytest.mark.parametrize("key", READABLE)
def test_every_read_of_an_identity_is_logged_exactly_once(world, key):
    route = ROUTES[key]
    subjects = _subjects(world)
    failures: list[str] = []
    for scope, agency, url in _addresses(world, key):
        queries = route.queries(world) if callable(route.queries) else route.queries
        for role in ROLES:
            if not route.read(role, scope):
                continue
            client = world.client(role, agency)
            for query in queries:
                status, text, rows = _read(client, url, query)
                if status != 200:
                    continue
                failures += _unlogged(text, rows, subjects, f"GET {url} {query or ''} as {role.value}@{agency}")
    assert not failures, f"{len(failures)} read(s) not logged exactly once:\n" + "\n".join(failures)


SEARCHES = sorted(
    k for k, r in ROUTES.items() if r.kind in (PAGE, RECORD) and r.method == "post" and r.data is not None
)


def _post(client, url, data, api: bool) -> tuple[int, str, list[AccessLog], int]:
    """One POST, its text, the access-log rows and the number of changes it wrote; rolled back."""
    from sistra.audit.models import ChangeEvent

    with transaction.atomic():
        last = AccessLog.objects.order_by("-id").values_list("id", flat=True).first() or 0
        changes = ChangeEvent.objects.count()
        if api:
            response = client.post(url, data, content_type="application/json")
        else:
            response = client.post(url, data)
        text = strip_echo(response_text(response), data)
        rows = list(AccessLog.objects.filter(id__gt=last))
        changes = ChangeEvent.objects.count() - changes
        transaction.set_rollback(True)
    return response.status_code, text, rows, changes


@pytest.mark.parametrize("key", SEARCHES)
def test_every_search_that_shows_an_identity_logs_it_exactly_once(world, key):
    """Names and documents are searched by POST (no identity in a URL): a POST that changes nothing and answers
    with an identity (a search, a duplicate check, a picker's options) is a read like any other."""
    route = ROUTES[key]
    subjects = _subjects(world)
    failures: list[str] = []
    for scope, agency, url in _addresses(world, key):
        data = route.data(world, scope)
        for role in ROLES:
            status, text, rows, changes = _post(world.client(role, agency), url, data, route.api)
            if changes or status not in (200, 201):
                continue  # a write, or a refusal: not a read
            failures += _unlogged(text, rows, subjects, f"POST {url} as {role.value}@{agency}")
    assert not failures, f"{len(failures)} search(es) not logged exactly once:\n" + "\n".join(failures)
