"""Login and logout through django-allauth: the Spanish form at /login/, no sign-up nor reset by e-mail,
lockout after repeated failures (django-axes), and the password rules on the change form."""

import re

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from sistra.accounts.models import User

PASSWORD = "contraseña-de-prueba-segura"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def sign_in(client, username, password=PASSWORD, **extra):
    return client.post(reverse("login"), {"login": username, "password": password}, **extra)


def label_texts(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", text).strip() for text in re.findall(r"<label[^>]*>(.*?)</label>", html, re.S)]


@pytest.mark.parametrize("url", ["/login/", "/cuenta/login/"])
def test_the_login_form_is_labelled_usuario_and_contrasena(client, db, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert label_texts(html) == ["Usuario", "Contraseña"]
    assert 'name="login"' in html
    assert 'autocomplete="current-password"' in html
    assert "Iniciar sesión en SISTRA" in html


def test_the_login_page_runs_no_inline_script(client, db):
    html = client.get(reverse("login")).content.decode()
    for tag in re.findall(r"<script[^>]*>", html):
        # a JSON data block (the passkey button's settings) is never run by the browser
        assert ("src=" in tag and "nonce=" in tag) or 'type="application/json"' in tag


def test_the_login_url_names_stay_the_entry_points(db):
    assert reverse("login") == "/login/"
    assert reverse("logout") == "/logout/"
    assert reverse("account_login") == "/cuenta/login/"


def test_a_user_signs_in_with_username_and_password(client, prosecutor):
    response = sign_in(client, "fiscal")
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("cases:list")).status_code == 200


def test_the_username_is_not_case_sensitive(client, prosecutor):
    assert sign_in(client, "FISCAL")["Location"] == reverse("home")


def test_sign_in_returns_to_the_page_asked_for(client, prosecutor):
    target = reverse("people:list")
    response = client.post(f"{reverse('login')}?next={target}", {"login": "fiscal", "password": PASSWORD,
                                                                  "next": target})
    assert response["Location"] == target


def test_sign_in_never_redirects_to_another_site(client, prosecutor):
    response = client.post(reverse("login"), {"login": "fiscal", "password": PASSWORD,
                                              "next": "https://malicioso.example/"})
    assert response["Location"] == reverse("home")


def test_a_wrong_password_is_refused_in_spanish(client, prosecutor):
    response = sign_in(client, "fiscal", "no-es-la-contraseña")
    assert response.status_code == 200
    assert "Usuario o contraseña incorrectos" in response.content.decode()
    assert client.get(reverse("cases:list"))["Location"].startswith(reverse("login"))


def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password(client, prosecutor):
    unknown = sign_in(client, "nadie", "no-es-la-contraseña").content.decode()
    assert "Usuario o contraseña incorrectos" in unknown


def test_a_disabled_user_cannot_sign_in(client, prosecutor):
    prosecutor.is_active = False
    prosecutor.save()
    sign_in(client, "fiscal")
    assert client.get(reverse("cases:list"))["Location"].startswith(reverse("login"))


def test_five_failures_lock_the_account_and_then_the_right_password_is_refused(client, prosecutor):
    for _ in range(4):
        assert sign_in(client, "fiscal", "intento-equivocado").status_code == 200
    locked = sign_in(client, "fiscal", "intento-equivocado")
    assert locked.status_code == 429
    assert "bloqueado durante 15 minutos" in locked.content.decode()

    response = sign_in(client, "fiscal")
    assert response.status_code == 429
    assert "Acceso bloqueado temporalmente" in response.content.decode()
    assert client.get(reverse("cases:list"))["Location"].startswith(reverse("login"))


def test_the_lockout_counts_the_username_in_any_case(client, prosecutor):
    for username in ["fiscal", "FISCAL", "Fiscal ", "fIscal", "fiscaL"]:
        sign_in(client, username, "intento-equivocado")
    assert sign_in(client, "fiscal").status_code == 429
    assert AccessAttempt.objects.get().username == "fiscal"


def test_the_lockout_is_per_username_and_address(client, prosecutor, teammate):
    for _ in range(5):
        sign_in(client, "fiscal", "intento-equivocado")
    # the same user from another address, and another user from the same address, still get in
    assert sign_in(client, "colega").status_code == 302
    client.post(reverse("logout"))
    assert sign_in(client, "fiscal", REMOTE_ADDR="10.0.0.7").status_code == 302


def test_a_success_before_the_limit_resets_the_count(client, prosecutor):
    for _ in range(4):
        sign_in(client, "fiscal", "intento-equivocado")
    assert sign_in(client, "fiscal").status_code == 302
    client.post(reverse("logout"))
    for _ in range(4):
        sign_in(client, "fiscal", "intento-equivocado")
    assert sign_in(client, "fiscal").status_code == 302


def test_there_is_no_public_sign_up(client, db):
    page = client.get(reverse("account_signup"))
    assert "Registro cerrado" in page.content.decode()
    client.post(reverse("account_signup"), {"username": "intruso", "password1": "una-clave-larga-y-rara-7",
                                            "password2": "una-clave-larga-y-rara-7"})
    assert not User.objects.filter(username="intruso").exists()


def test_there_is_no_password_reset_by_email(client, prosecutor):
    prosecutor.email = "fiscal@example.pe"
    prosecutor.save()
    page = client.get(reverse("account_reset_password"))
    assert page.status_code == 200
    assert "administrador de su institución" in page.content.decode()
    client.post(reverse("account_reset_password"), {"email": "fiscal@example.pe"})
    assert mail.outbox == []


def test_the_email_page_leads_to_the_security_page(client, prosecutor):
    client.force_login(prosecutor)
    assert client.get(reverse("account_email"))["Location"] == reverse("mfa_index")


def test_logout_by_get_is_refused(client, prosecutor):
    client.force_login(prosecutor)
    assert client.get(reverse("logout")).status_code == 405
    assert client.get(reverse("account_logout")).status_code == 405
    assert client.get(reverse("cases:list")).status_code == 200


def test_logout_by_post_ends_the_session_and_clears_the_browser(client, prosecutor):
    client.force_login(prosecutor)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert response["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert client.get(reverse("cases:list"))["Location"].startswith(reverse("login"))


def test_the_page_header_signs_out_with_a_post_form(client, prosecutor):
    client.force_login(prosecutor)
    html = client.get(reverse("cases:list")).content.decode()
    assert re.search(r'<form method="post" action="/logout/"', html)


@pytest.mark.parametrize("new_password, message", [
    ("Corta-123", "al menos 12 caracteres"),
    ("password1234", "demasiado común"),
    ("184302957716", "completamente numérica"),
])
def test_the_password_change_form_refuses_weak_passwords(client, prosecutor, new_password, message):
    client.force_login(prosecutor)
    response = client.post(reverse("account_change_password"), {
        "oldpassword": PASSWORD, "password1": new_password, "password2": new_password,
    })
    assert response.status_code == 200
    assert message in response.content.decode()
    prosecutor.refresh_from_db()
    assert prosecutor.check_password(PASSWORD)


def test_the_password_change_form_accepts_a_long_uncommon_password(client, prosecutor):
    client.force_login(prosecutor)
    response = client.post(reverse("account_change_password"), {
        "oldpassword": PASSWORD, "password1": "llama-tejida-en-Pisac-2026", "password2": "llama-tejida-en-Pisac-2026",
    })
    assert response.status_code == 302
    prosecutor.refresh_from_db()
    assert prosecutor.check_password("llama-tejida-en-Pisac-2026")
    # the session that changed it stays signed in
    assert client.get(reverse("cases:list")).status_code == 200


def test_the_password_change_page_is_in_spanish(client, prosecutor):
    client.force_login(prosecutor)
    html = client.get(reverse("account_change_password")).content.decode()
    assert "Cambiar la contraseña" in html
    assert "Contraseña actual" in html
