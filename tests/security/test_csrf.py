"""Cross-site request forgery: every URL that writes (from the registry, which the matrix keeps equal to the
resolver) refuses a request of a signed-in browser that carries no CSRF token, and changes nothing.

- Pages: Django's CsrfViewMiddleware (403). The attachment upload is csrf_exempt on the outside only so the
  size limit is in place before the body is read; csrf_protect guards the view inside.
- API with the session cookie: DRF's SessionAuthentication enforces CSRF too (403 "CSRF Failed").
- API with a token (Authorization header): no cookie is sent by a browser on its own, so DRF does not ask for
  a CSRF token — a forged cross-site request cannot carry the header.

And the positive control: the same request with the token is not refused, so the 403 above is the CSRF
check and nothing else."""

import pytest
from django.test import Client
from django.urls import reverse

from .conftest import PUBLIC, ROLES, ROUTES, days_ago, scope_agency, send

pytestmark = pytest.mark.django_db

WRITES = sorted(k for k, r in ROUTES.items() if r.method and r.kind != PUBLIC)
PUBLIC_WRITES = sorted(k for k, r in ROUTES.items() if r.method and r.kind == PUBLIC) + ["login"]


def _writer(route):
    """A (role, scope) allowed to write through the route, else one that may at least see it, else any: the
    CSRF check must come before anything else either way."""
    scopes = route.scopes()
    for rule in (route.write, route.read or (lambda r, s: False), lambda r, s: True):
        for scope in scopes:
            for role in ROLES:
                if rule(role, scope):
                    return role, scope
    raise AssertionError("no role")


def _csrf_client(world, role, agency):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user(role, agency))
    return client


def _token_of(client) -> str:
    client.get(reverse("account_change_password"))  # a page with forms (the sign-out one in the header)
    return client.cookies["csrftoken"].value


def _url(world, key, route, scope):
    return reverse(key.split("#")[0], kwargs=route.kwargs(world, scope) if route.kwargs else None)


@pytest.mark.parametrize("key", WRITES)
def test_a_write_without_the_csrf_token_is_refused_and_changes_nothing(world, key):
    route = ROUTES[key]
    role, scope = _writer(route)
    agency = scope_agency(route.family, scope) if route.family != "account" else "fis_own"
    client = _csrf_client(world, role, agency)
    url = _url(world, key, route, scope)
    data = route.data(world, scope) if route.data else {}
    out = send(client, route.method, url, data, json_body=route.api)
    assert out.status == 403, (url, role, scope, out.status)
    assert refused_for_csrf(out.text)
    assert out.changes == 0


def refused_for_csrf(text: str) -> bool:
    # the project's CSRF page (sistra.core.views_errors) marks itself; DRF answers "CSRF Failed". Every page
    # of the site names X-CSRFToken in its htmx headers, so the word alone proves nothing.
    return 'data-refusal="csrf"' in text or "CSRF Failed" in text


@pytest.mark.parametrize("key", WRITES)
def test_the_same_write_with_the_csrf_token_is_not_refused_for_csrf(world, key):
    route = ROUTES[key]
    role, scope = _writer(route)
    agency = scope_agency(route.family, scope) if route.family != "account" else "fis_own"
    client = _csrf_client(world, role, agency)
    token = _token_of(client)
    url = _url(world, key, route, scope)
    data = route.data(world, scope) if route.data else {}
    if not route.api:
        data = {**data, "csrfmiddlewaretoken": token}
    out = send(client, route.method, url, data, json_body=route.api, HTTP_X_CSRFTOKEN=token)
    assert out.status < 500, out.error
    assert not (out.status == 403 and refused_for_csrf(out.text)), (url, role, scope)


@pytest.mark.parametrize("key", PUBLIC_WRITES)
def test_public_forms_need_the_token_too(world, key):
    route = ROUTES[key]
    client = Client(enforce_csrf_checks=True)
    data = route.data(world, "public") if route.data else {"login": "prosecutor.fis_own",
                                                             "password": "contraseña-de-prueba-segura"}
    out = send(client, "post", reverse(key), data)
    assert out.status == 403
    assert "_auth_user_id" not in client.session


def test_the_api_with_a_token_needs_no_csrf_token_and_writes(world):
    """DRF checks CSRF only for SessionAuthentication: a request authenticated by its Authorization header
    cannot be forged from another site, and must work without a cookie or a CSRF token."""
    if world.api_secret is None:
        pytest.skip("API tokens not installed")
    client = Client(enforce_csrf_checks=True)
    url = reverse("api-case-events", kwargs={"uuid": world.case.uuid})
    out = send(client, "post", url, {"kind": "note", "date": days_ago(1).isoformat(), "title": "Nota por API"},
               json_body=True, HTTP_AUTHORIZATION=f"Bearer {world.api_secret}")
    assert out.status == 201, out.text
    assert out.changes == 1


def test_the_api_with_the_session_cookie_needs_the_csrf_token(world):
    client = _csrf_client(world, "prosecutor", "fis_own")
    url = reverse("api-case-events", kwargs={"uuid": world.case.uuid})
    body = {"kind": "note", "date": days_ago(1).isoformat(), "title": "Nota por API"}
    refused = send(client, "post", url, body, json_body=True)
    assert refused.status == 403 and "CSRF" in refused.text and refused.changes == 0
    token = _token_of(client)
    accepted = send(client, "post", url, body, json_body=True, HTTP_X_CSRFTOKEN=token)
    assert accepted.status == 201 and accepted.changes == 1


def test_a_disabled_users_token_and_session_stop_working_at_once(world):
    """sistra/accounts/tests/test_sessions.py proves the pages (every session ended when a user is disabled);
    here the API: the same user's session and token are refused as soon as the account is disabled."""
    from sistra.accounts.models import User

    user = User.objects.get(pk=world.user("prosecutor", "fis_own").pk)  # a copy: the world's stays active
    session_client = Client()
    session_client.force_login(user)
    url = reverse("api-case-detail", kwargs={"uuid": world.case.uuid})
    assert session_client.get(url).status_code == 200
    headers = {}
    if world.api_secret is not None:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {world.api_secret}"}
        assert Client().get(url, **headers).status_code == 200
    user.is_active = False
    user.save()
    assert session_client.get(url).status_code in (401, 403)
    if headers:
        assert Client().get(url, **headers).status_code in (401, 403)
    assert session_client.get(reverse("cases:detail", args=[world.case.uuid])).status_code == 302
