"""Sessions: idle and absolute timeouts, a disabled user signed out everywhere, re-authentication before
sensitive actions, and no caching of signed-in pages."""

import time

import pytest
from allauth.core.exceptions import ReauthenticationRequired
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.urls import include, path, reverse

from config.urls import urlpatterns as project_urlpatterns
from sistra.accounts.decorators import authenticated_within, require_recent_auth
from sistra.accounts.middleware import LAST_ACTIVITY_KEY, LOGIN_AT_KEY
from sistra.accounts.signals import end_user_sessions

PASSWORD = "contraseña-de-prueba-segura"


@require_recent_auth(max_age=300)
def _export(request):
    return HttpResponse("exportado")


@require_recent_auth
def _export_default(request):
    return HttpResponse("exportado")


# This module doubles as a URLconf: the project's URLs plus a view guarded by require_recent_auth.
urlpatterns = [
    path("prueba/exportar/", _export, name="test-export"),
    path("", include(project_urlpatterns)),
]
with_export_view = override_settings(ROOT_URLCONF=__name__)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _age_session(client, **seconds_ago):
    session = client.session
    now = time.time()
    for key, ago in seconds_ago.items():
        session[key] = now - ago
    session.save()


def test_a_session_idle_for_more_than_the_timeout_is_ended(client, prosecutor):
    client.force_login(prosecutor)
    assert client.get(reverse("cases:list")).status_code == 200
    _age_session(client, **{LAST_ACTIVITY_KEY: 15 * 60 + 5})
    response = client.get(reverse("cases:list"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={reverse('cases:list')}"
    assert "_auth_user_id" not in client.session
    login_page = client.get(response["Location"])
    assert "Su sesión se cerró por inactividad" in login_page.content.decode()


def test_a_session_used_within_the_timeout_stays_open(client, prosecutor):
    client.force_login(prosecutor)
    _age_session(client, **{LAST_ACTIVITY_KEY: 14 * 60})
    assert client.get(reverse("cases:list")).status_code == 200
    # the request counted as activity
    assert time.time() - client.session[LAST_ACTIVITY_KEY] < 5


@override_settings(SISTRA_IDLE_TIMEOUT_SECONDS=60)
def test_the_idle_timeout_is_configurable(client, prosecutor):
    client.force_login(prosecutor)
    _age_session(client, **{LAST_ACTIVITY_KEY: 61})
    assert client.get(reverse("cases:list")).status_code == 302


def test_a_session_is_ended_after_its_absolute_lifetime_even_when_active(client, prosecutor):
    client.force_login(prosecutor)
    _age_session(client, **{LOGIN_AT_KEY: 10 * 60 * 60 + 1, LAST_ACTIVITY_KEY: 10})
    response = client.get(reverse("cases:list"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert "duración máxima" in client.get(response["Location"]).content.decode()


def test_login_starts_the_session_clock(client, prosecutor):
    client.post(reverse("login"), {"login": "fiscal", "password": PASSWORD})
    assert time.time() - client.session[LOGIN_AT_KEY] < 5
    assert time.time() - client.session[LAST_ACTIVITY_KEY] < 5


def test_the_session_cookie_ends_with_the_browser(client, prosecutor):
    response = client.post(reverse("login"), {"login": "fiscal", "password": PASSWORD})
    cookie = response.cookies["sessionid"]
    assert cookie["max-age"] == ""
    assert cookie["expires"] == ""
    assert cookie["httponly"]


def test_disabling_a_user_ends_all_their_sessions_at_once(client, prosecutor, teammate):
    from django.test import Client

    laptop, phone, colleague = client, Client(), Client()
    laptop.force_login(prosecutor)
    phone.force_login(prosecutor)
    colleague.force_login(teammate)
    assert Session.objects.count() == 3

    prosecutor.is_active = False
    prosecutor.save()

    assert Session.objects.count() == 1
    assert laptop.get(reverse("cases:list")).status_code == 302
    assert phone.get(reverse("cases:list")).status_code == 302
    assert colleague.get(reverse("cases:list")).status_code == 200


def test_saving_an_active_user_leaves_their_sessions_alone(client, prosecutor):
    client.force_login(prosecutor)
    prosecutor.first_name = "Rosa"
    prosecutor.save()
    prosecutor.save(update_fields=["first_name"])
    assert client.get(reverse("cases:list")).status_code == 200


def test_end_user_sessions_counts_what_it_ended(client, prosecutor):
    client.force_login(prosecutor)
    assert end_user_sessions(prosecutor) == 1
    assert end_user_sessions(prosecutor) == 0


@with_export_view
def test_an_export_asks_for_the_password_again_when_the_login_is_not_recent(client, prosecutor):
    client.force_login(prosecutor)  # a session with no authentication on record
    response = client.get("/prueba/exportar/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_reauthenticate')}?next=%2Fprueba%2Fexportar%2F"

    page = client.get(response["Location"])
    assert "Confirme su identidad" in page.content.decode()
    wrong = client.post(response["Location"], {"password": "no-es-la-contraseña"})
    assert wrong.status_code == 200
    assert client.get("/prueba/exportar/").status_code == 302

    confirmed = client.post(response["Location"], {"password": PASSWORD})
    assert confirmed.status_code == 302
    assert confirmed["Location"] == "/prueba/exportar/"
    assert client.get("/prueba/exportar/").content == b"exportado"


@with_export_view
def test_an_export_right_after_login_needs_no_second_password(client, prosecutor):
    client.post(reverse("login"), {"login": "fiscal", "password": PASSWORD})
    assert client.get("/prueba/exportar/").content == b"exportado"


@with_export_view
def test_an_export_asks_again_once_the_authentication_is_older_than_max_age(client, prosecutor):
    client.post(reverse("login"), {"login": "fiscal", "password": PASSWORD})
    session = client.session
    records = session["account_authentication_methods"]
    for record in records:
        record["at"] -= 301
    session["account_authentication_methods"] = records
    session.save()
    assert client.get("/prueba/exportar/")["Location"].startswith(reverse("account_reauthenticate"))


@with_export_view
def test_an_anonymous_visitor_of_an_export_is_sent_to_login(client, db):
    response = client.get("/prueba/exportar/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_require_recent_auth_raises_allauths_reauthentication_signal(prosecutor):
    request = RequestFactory().get("/exportar/")
    request.user = prosecutor
    request.session = {}
    with pytest.raises(ReauthenticationRequired):
        _export_default(request)
    assert authenticated_within(request, 300) is False


def test_every_response_to_a_signed_in_user_is_not_stored(client, prosecutor):
    client.force_login(prosecutor)
    response = client.get(reverse("cases:list"))
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]


def test_the_sign_out_response_is_not_stored_either(client, prosecutor):
    client.force_login(prosecutor)
    assert "no-store" in client.post(reverse("logout"))["Cache-Control"]
