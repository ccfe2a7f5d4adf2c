"""The base layout: navigation with the user's agency and role, logout and language switch as
POST forms, and the Content-Security-Policy the pages are written for."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_navigation_shows_the_user_agency_role_and_a_logout_form(client, prosecutor):
    client.force_login(prosecutor)

    html = client.get(reverse("cases:list")).content.decode()

    assert f'href="{reverse("cases:list")}" aria-current="page"' in html
    assert f'href="{reverse("people:list")}"' in html and 'href="/api/docs/"' in html
    assert "FISTRAP Cusco" in html and "Fiscal" in html
    assert f'<form method="post" action="{reverse("logout")}"' in html
    assert f'action="{reverse("set_language")}"' in html
    assert 'name="language" value="en"' in html and 'name="language" value="es-pe"' in html


def test_the_language_switch_changes_the_interface_language(client, prosecutor):
    client.force_login(prosecutor)

    client.post(reverse("set_language"), {"language": "en", "next": reverse("cases:list")})
    html = client.get(reverse("cases:list")).content.decode()

    assert '<html lang="en">' in html


def test_logout_is_a_post(client, prosecutor):
    client.force_login(prosecutor)

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert client.get(reverse("cases:list")).status_code == 302


def test_pages_load_scripts_only_from_the_site_with_the_nonce(client, prosecutor):
    client.force_login(prosecutor)

    response = client.get(reverse("cases:list"))

    html = response.content.decode()
    nonce = response.context["csp_nonce"]
    assert f'<script src="/static/vendor/htmx/htmx.min.js" nonce="{nonce}" defer></script>' in html
    assert f'<script src="/static/js/sistra.js" nonce="{nonce}" defer></script>' in html
    assert "<script>" not in html and " style=" not in html
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and f"'nonce-{nonce}'" in policy
