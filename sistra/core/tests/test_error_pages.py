"""The project's own error pages: Spanish by default, English on request, in the site's style, never Django's
technical pages, and the same 404 whether a record does not exist or may not be seen."""

import re
import uuid

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views import defaults


@pytest.fixture
def signed_in(client, prosecutor):
    client.force_login(prosecutor)
    return client


def test_an_unknown_address_gets_the_spanish_404_page_in_the_site_layout(signed_in):
    response = signed_in.get("/no-existe/")

    html = response.content.decode()
    assert response.status_code == 404
    assert '<html lang="es-pe">' in html
    assert "Página no encontrada" in html
    assert 'class="main-nav"' in html  # the site's navigation, not a bare page
    assert "Using the URLconf" not in html and "Traceback" not in html


def test_the_404_page_is_in_english_when_english_is_chosen(signed_in):
    signed_in.post(reverse("set_language"), {"language": "en"})

    html = signed_in.get("/no-existe/").content.decode()

    assert '<html lang="en">' in html
    assert "Page not found" in html


def test_a_case_of_another_agency_and_a_made_up_case_give_the_same_page(signed_in, outsider):
    from sistra.cases.testing import make_case

    other = make_case(actor=outsider, number="AJENO-1")
    made_up_uuid = uuid.uuid4()
    hidden = signed_in.get(reverse("cases:detail", args=[other.uuid]))
    made_up = signed_in.get(reverse("cases:detail", args=[made_up_uuid]))

    assert hidden.status_code == made_up.status_code == 404
    assert comparable(hidden, other.uuid) == comparable(made_up, made_up_uuid)
    assert str(other.uuid) not in hidden.content.decode()


def comparable(response, requested) -> str:
    # each render masks the CSRF token and draws a CSP nonce anew, and the language switch returns to the
    # address asked for; everything else must be identical
    html = response.content.decode().replace(str(requested), "UUID")
    return re.sub(r'(csrfmiddlewaretoken" value=|"X-CSRFToken": |nonce=)"[^"]+"', r"\1-", html)


def test_a_refused_action_gets_the_403_page(rf_user_request):
    from django.core.exceptions import PermissionDenied

    response = defaults.permission_denied(rf_user_request, PermissionDenied())

    assert response.status_code == 403
    assert "Acceso denegado" in response.content.decode()


@pytest.fixture
def rf_user_request(prosecutor):
    request = RequestFactory().get("/casos/")
    request.user = prosecutor
    request.csp_nonce = "n"
    return request


def test_the_500_page_needs_no_request_and_speaks_spanish():
    response = defaults.server_error(RequestFactory().get("/"))

    html = response.content.decode()
    assert response.status_code == 500
    assert "Error del servidor" in html
    assert "sistra.css" in html


def test_the_500_page_speaks_english_when_english_is_active():
    with translation.override("en"):
        html = defaults.server_error(RequestFactory().get("/")).content.decode()

    assert "Server error" in html


def test_the_400_page_is_the_projects():
    response = defaults.bad_request(RequestFactory().get("/"), Exception())

    assert response.status_code == 400
    assert "Solicitud no válida" in response.content.decode()


def test_a_form_sent_without_its_csrf_token_gets_the_spanish_csrf_page(db):
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("login"), {"login": "x", "password": "y"})

    html = response.content.decode()
    assert response.status_code == 403
    assert "El formulario caducó" in html
    assert "CSRF cookie not set" not in html  # Django's reason stays in the log
    assert '<html lang="es-pe">' in html


def test_the_demo_runs_with_debug_off_and_serves_static_files_through_whitenoise():
    from importlib import import_module

    demo = import_module("config.settings.demo")

    assert demo.DEBUG is False
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in demo.MIDDLEWARE
    assert set(demo.ALLOWED_HOSTS) >= {"127.0.0.1", "localhost"}
    assert settings.CSRF_FAILURE_VIEW == "sistra.core.views_errors.csrf_failure"
