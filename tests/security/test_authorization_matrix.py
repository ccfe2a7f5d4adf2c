"""The authorization matrix: every URL of the resolver × every role × own agency / other agency / shared.

For each request it proves that
- no identity marker reaches a user who may not see it (HTML, JSON, CSV, PDF text);
- a record the user's agency may not see answers 404 — or, for a refusal decided by the role alone before any
  record is looked up, the same 403/405 a made-up identifier gets — and never 200 with data;
- a write the user may not make changes nothing (no row in the change history, which every write of SISTRA
  records in its own transaction);
- nothing answers with a server error.

The world and the registry of URLs are in conftest.py; docs/security.md says how to add a URL."""

import pytest
from django.test import Client
from django.urls import resolve, reverse

from .conftest import (
    ACCOUNT,
    PAGE,
    PUBLIC,
    RECORD,
    ROLES,
    ROUTES,
    SHADOWED,
    VALID_PAYLOADS,
    markers_in,
    random_uuid,
    resolver_urls,
    scope_agency,
    send,
)

pytestmark = pytest.mark.django_db

MATRIX = sorted(k for k, r in ROUTES.items() if r.kind in (PAGE, RECORD))
PUBLIC_ROUTES = sorted(k for k, r in ROUTES.items() if r.kind == PUBLIC)
ACCOUNT_ROUTES = sorted(k for k, r in ROUTES.items() if r.kind == ACCOUNT)
REFUSED = {403, 404, 405}


# --- the registry covers the resolver ---------------------------------------------------------------------

def test_every_url_of_the_resolver_is_classified_in_the_registry():
    served = {u.key for u in resolver_urls()}
    unclassified = sorted(served - set(ROUTES))
    assert not unclassified, (
        "URLs without an entry in tests/security/conftest.py ROUTES (see docs/security.md): "
        + ", ".join(unclassified))


def test_the_registry_names_no_url_that_the_resolver_no_longer_has():
    served = {u.key for u in resolver_urls()}
    assert sorted(set(ROUTES) - served) == []


def test_the_walk_reaches_the_api_routers_and_every_app():
    routes = [u.route for u in resolver_urls()]
    for prefix in ("casos/", "personas/", "linea/", "asistencia/", "estadisticas/", "auditoria/", "cuenta/",
                   "api/v1/^cases/", "api/v1/^persons/", "api/v1/^hotline/contacts/", "api/v1/^assistance/",
                   "api/v1/estadisticas/"):
        assert any(r.startswith(prefix) for r in routes), prefix


def test_a_shadowed_pattern_is_unreachable():
    """SISTRA puts its own logout, e-mail and reset views in front of django-allauth's under the same paths;
    the allauth views behind them must never be the ones answering."""
    urls = resolver_urls()
    for shadowed in (u for u in urls if ROUTES[u.key].kind == SHADOWED):
        first = next(u for u in urls if u.name == shadowed.name and u.key != shadowed.key)
        route = ROUTES[first.key]
        path = "/" + reverse(first.name, kwargs=route.kwargs(None, "self") if route.kwargs else None).lstrip("/")
        assert resolve(path).func is first.callback
        assert resolve(path).func is not shadowed.callback


# django-allauth's passkey pages name the signed-in user's own authenticator by its id, and answer 404 for any
# other user's: an authenticator is no record of a victim, and its id says only how many keys were registered
ALLAUTH_OWN_IDS = {"mfa_edit_webauthn", "mfa_remove_webauthn", "mfa_remove_webauthn#2"}


def test_every_record_url_takes_an_identifier_and_no_name():
    """Public identifiers in URLs are UUIDs (or codes of reference data), never sequential ids or names."""
    for u in resolver_urls():
        for argument in u.arguments:
            if u.key in ALLAUTH_OWN_IDS and argument == "pk":
                continue
            assert argument not in {"pk", "id", "name_q", "first_names", "dni", "number"}, (u.key, argument)
        if ROUTES[u.key].kind == RECORD:
            assert any("uuid" in a for a in u.arguments), u.key


# --- the matrix -------------------------------------------------------------------------------------------

def _url(key, kwargs):
    name = key.split("#")[0]
    return reverse(name, kwargs=kwargs or None)


def _queries(route, world):
    return route.queries(world) if callable(route.queries) else route.queries


def _random_kwargs(kwargs):
    return {k: (random_uuid() if "uuid" in k else v) for k, v in kwargs.items()}


@pytest.mark.parametrize("key", MATRIX)
def test_authorization_matrix(world, key):
    route = ROUTES[key]
    failures: list[str] = []
    refusal_of_unknown: dict = {}
    allowed_writes = 0

    def unknown(role, agency, method, kwargs):
        """How the URL answers this role for a record that does not exist (a made-up UUID)."""
        cache_key = (str(role), agency, method)
        if cache_key not in refusal_of_unknown:
            url = _url(key, _random_kwargs(kwargs))
            data = route.data(world, "other") if (method != "get" and route.data) else None
            refusal_of_unknown[cache_key] = send(world.client(role, agency), method, url, data,
                                                 json_body=route.api).status
        return refusal_of_unknown[cache_key]

    for scope in route.scopes():
        agency = scope_agency(route.family, scope)
        kwargs = route.kwargs(world, scope) if route.kwargs else {}
        url = _url(key, kwargs)
        known = any(bug.scope == scope for bug in route.known_bugs)
        for role in ROLES:
            who = f"{role.value}@{agency} ({scope})"
            client = world.client(role, agency)
            # -- reading --
            if route.read is None:
                out = send(client, "get", url)
                if out.status not in REFUSED:
                    failures.append(f"GET {url} {who}: {out.status}, expected 405 (write-only URL)")
                _check_common(failures, "GET", url, who, out, role, agency, known_leak=known)
            else:
                may_read = route.read(role, scope)
                for query in _queries(route, world):
                    out = send(client, "get", url, query)
                    label = f"GET {url}{'?' + '&'.join(f'{k}={v}' for k, v in query.items()) if query else ''}"
                    _check_common(failures, label, url, who, out, role, agency, known_leak=known)
                    if may_read:
                        if out.status not in (200, 302):
                            failures.append(f"{label} {who}: {out.status}, expected 200/302 (may read)")
                    elif out.status not in REFUSED:
                        failures.append(f"{label} {who}: {out.status}, expected a refusal (may not read)")
                    elif (route.kind == RECORD and not route.record_visible(role, scope) and out.status != 404
                          and out.status != unknown(role, agency, "get", kwargs)):
                        failures.append(f"{label} {who}: {out.status}, but {unknown(role, agency, 'get', kwargs)} "
                                        "for a record that does not exist: the answer reveals the record")
            for expected_role, expected_scope, marker in route.expect_markers:
                if expected_role == role and expected_scope == scope and route.read is not None:
                    out = send(client, "get", url)
                    if out.status != 200 or not markers_in(out.text, marker):
                        failures.append(f"GET {url} {who}: the world is not seen where it should be "
                                        f"({out.status}, marker {marker} {'absent' if out.status == 200 else ''})")
            # -- writing --
            if route.method:
                data = route.data(world, scope) if route.data else {}
                out = send(client, route.method, url, data, json_body=route.api)
                label = f"{route.method.upper()} {url}"
                _check_common(failures, label, url, who, out, role, agency, known_leak=known)
                may_write = route.write(role, scope)
                allowed_writes += bool(may_write and out.changes)
                if not may_write and out.changes:
                    failures.append(f"{label} {who}: {out.changes} change(s) written without the right to")
                if route.kind == RECORD and not may_write and not route.record_visible(role, scope):
                    if out.status not in REFUSED:
                        failures.append(f"{label} {who}: {out.status}, expected 404 (record not visible)")
                    elif out.status != 404 and out.status != unknown(role, agency, route.method, kwargs):
                        failures.append(f"{label} {who}: {out.status}, but another answer for a record that "
                                        "does not exist")
    if key in VALID_PAYLOADS and not allowed_writes:
        failures.append(f"{key}: no allowed writer wrote with the registry's request body (not a valid payload)")
    assert not failures, f"{len(failures)} problem(s):\n" + "\n".join(failures)


def _check_common(failures, label, url, who, out, role, agency, *, known_leak: bool = False):
    from .conftest import marker_leaks

    if out.status >= 500:
        failures.append(f"{label} {who}: server error {out.status} {out.error}")
    leaks = marker_leaks(out.text, str(role), agency)
    if leaks and not known_leak:
        failures.append(f"{label} {who}: identity shown to a user who may not see it: {sorted(set(leaks))}")


# --- public and account pages -----------------------------------------------------------------------------

@pytest.mark.parametrize("key", PUBLIC_ROUTES)
def test_public_pages_answer_without_sign_in_and_show_no_record(world, key):
    route = ROUTES[key]
    url = _url(key, route.kwargs(world, "public") if route.kwargs else {})
    anonymous = Client()
    out = send(anonymous, "get", url)
    assert out.status < 500, out.error
    assert not [s for s in ("Zorobabel", "Quispecahuana", "Filomenita", "Eleuteriana") if s in out.text]
    if route.method:
        out = send(anonymous, route.method, url, route.data(world, "public"))
        assert out.status < 500, out.error
        assert out.changes == 0


@pytest.mark.parametrize("key", ACCOUNT_ROUTES)
def test_account_pages_show_only_the_users_own_account(world, key):
    """Every role on its own account pages: no server error, nobody else's data. A fresh client each time,
    because signing out ends the session the shared clients use."""
    route = ROUTES[key]
    url = _url(key, route.kwargs(world, "self") if route.kwargs else {})
    failures = []
    for role in ROLES:
        client = Client()
        client.force_login(world.user(role, "fis_own"))
        for method in (["get"] if route.read else []) + ([route.method] if route.method else []):
            out = send(client, method, url, route.data(world, "self") if method != "get" and route.data else None)
            _check_common(failures, method.upper(), url, role.value, out, role, "fis_own")
            if out.changes:
                failures.append(f"{method.upper()} {url} {role.value}: {out.changes} change(s)")
    # anonymous visitors are sent to sign in (or, for sign-out, just let go)
    out = send(Client(), "get", url)
    assert out.status in (302, 405), (url, out.status)
    assert not failures, "\n".join(failures)


def test_the_markers_are_real_the_owner_sees_every_name(world):
    """The absence of a marker proves something only if it shows where it is allowed."""
    from .conftest import MARKERS

    pages = {
        ("prosecutor", "fis_own"): [reverse("cases:detail", args=[world.case.uuid]),
                                    reverse("cases:detail", args=[world.case_minor.uuid]),
                                    reverse("people:detail", args=[world.registry_person.uuid])],
        ("hotline_operator", "hot_own"): [reverse("hotline:contact_detail", args=[world.contact.uuid])],
        ("caseworker", "mimp_own"): [reverse("assistance:case_detail", args=[world.assistance_case.uuid])],
        ("prevention_officer", "ngo_id"): [reverse("prevention:family_detail", args=[world.atrisk.uuid]),
                                           reverse("prevention:event_detail", args=[world.training.uuid])],
    }
    seen = ""
    for (role, agency), urls in pages.items():
        for url in urls:
            out = send(world.client(role, agency), "get", url)
            assert out.status == 200, url
            seen += out.text
    for marker in MARKERS:
        assert markers_in(seen, marker.key), marker.key


# --- leaks the matrix found (now fixed: names are searched only among persons whose identity the user may see) -
#
# The registry person is shared WITHOUT identity with ngo_noid and hot_own: there she is the pseudonym
# P-… only. A name typed into a search must neither show her names and documents nor find her at all (finding
# her by name says who is behind the pseudonym) — as the API already does (sistra/people/api.py, get_queryset:
# names are searched only among identity_condition).

def _identity_viewers(capability="person_view"):
    from .conftest import can

    return [r for r in ROLES if can(r, capability) and can(r, "person_view_identity")]


def _assert_pseudonym_kept(world, out):
    assert out.status < 500, out.error
    assert not markers_in(out.text, "registry_person"), "names/documents of a pseudonymous share shown"
    assert world.registry_person.code not in out.text, "a name search found the person behind a pseudonym"


def test_a_name_search_never_shows_a_pseudonymous_share_by_name(world):
    for role in _identity_viewers():
        _assert_pseudonym_kept(world, send(world.client(role, "ngo_noid"), "post", reverse("people:list"),
                                           {"q": "Mamanchu"}))


def test_the_person_picker_never_shows_a_pseudonymous_share_by_name(world):
    for role in _identity_viewers():
        _assert_pseudonym_kept(world, send(world.client(role, "ngo_noid"), "post", reverse("people:lookup"),
                                           {"field": "victim-person", "victim-person_q": "Mamanchu"}))


def test_the_duplicate_check_never_names_a_pseudonymous_share(world):
    data = {"first_names": "Eustaquiana", "last_name_paternal": "Mamanchura", "last_name_maternal": "Pumacayocc",
            "sex": "female", "doc-TOTAL_FORMS": "0", "doc-INITIAL_FORMS": "0"}
    from .conftest import can

    for role in [r for r in _identity_viewers("person_create") if can(r, "person_create")]:
        out = send(world.client(role, "ngo_noid"), "post", reverse("people:create"), data)
        assert out.status < 500, out.error
        assert not markers_in(out.text.replace('value="Eustaquiana"', "").replace('value="Mamanchura"', "")
                              .replace('value="Pumacayocc"', ""), "registry_person")


def test_the_hotline_person_search_never_names_a_pseudonymous_share(world):
    url = reverse("hotline:person_link", args=[world.contact.uuid])
    for role in ("hotline_operator", "hotline_supervisor"):
        _assert_pseudonym_kept(world, send(world.client(role, "hot_own"), "post", url,
                                           {"action": "search", "text": "Mamanchu"}))


# --- exports ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["accesos", "cambios"])
def test_the_auditors_export_holds_pseudonyms_only(world, kind):
    """The audit export leaves SISTRA (an AES zip): the change history in it is masked like the screen, so no
    name, alias or document of anyone is in it, though the history of the world is full of them."""
    import io

    import pyzipper

    from .conftest import MARKERS

    client = Client()
    response = client.post(reverse("login"), {"login": "auditor.fis_own", "password": "contraseña-de-prueba-segura"})
    assert response.status_code == 302  # a real sign-in: exports ask for a recent one
    # some reads of identities, so the access log has rows about the marked persons
    send(world.client("prosecutor", "fis_own"), "get", reverse("cases:detail", args=[world.case.uuid]), keep=True)
    ready = client.post(reverse("audit:export"), {"kind": kind, "export_purpose": "Revisión periódica"})
    assert ready.status_code == 200, ready.status_code
    download = client.get(ready.context["download_url"])
    assert download.status_code == 200
    with pyzipper.AESZipFile(io.BytesIO(download.content)) as archive:
        archive.setpassword(ready.context["password"].encode())
        content = "\n".join(archive.read(name).decode("utf-8-sig") for name in archive.namelist())
    assert content.count("\n") >= 2  # a header and rows: the export is not empty
    lowered = content.lower()
    for marker in MARKERS:
        assert not [s for s in marker.strings if s.lower() in lowered], marker.key
