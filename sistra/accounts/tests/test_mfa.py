"""MFA: who must use it, the forced set-up, the TOTP step after the password, recovery codes, the demo's
known secrets and `sistra totp`."""

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from sistra.accounts.capabilities import Role
from sistra.accounts.mfa import current_totp_code, demo_totp_secret, ensure_demo_totp, mfa_required
from sistra.core.testing import UserFactory

PASSWORD = "contraseña-de-prueba-segura"
require_mfa = override_settings(SISTRA_REQUIRE_MFA=True)


@pytest.fixture(autouse=True)
def _fresh_cache():
    # allauth keeps rate limits and used TOTP codes in the cache, which outlives a test's transaction
    cache.clear()
    yield
    cache.clear()


def sign_in(client, username, password=PASSWORD):
    return client.post(reverse("login"), {"login": username, "password": password})


def code_for(secret: str, *, step: int = 0) -> str:
    """The code an authenticator app shows `step` periods from now (the server accepts one step either side)."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + step))


@pytest.mark.parametrize("role, required", [
    (Role.PROSECUTOR, True),
    (Role.POLICE, True),
    (Role.HOTLINE_OPERATOR, True),
    (Role.HOTLINE_SUPERVISOR, True),
    (Role.HEALTH_WORKER, True),
    (Role.CASEWORKER, True),
    (Role.ANALYST, False),
    (Role.AUDITOR, False),
    # the prevention officer sees the names of at-risk families and their children
    (Role.PREVENTION_OFFICER, True),
    (Role.DATA_STEWARD, True),
    (Role.NATIONAL_DATA_STEWARD, True),
    (Role.SYSTEM_ADMIN, False),
    (Role.AGENCY_ADMIN, False),
])
def test_mfa_is_required_exactly_of_roles_that_see_identities(db, role, required):
    assert mfa_required(UserFactory(role=role)) is required


def test_an_inactive_user_is_not_counted_as_needing_mfa(db):
    assert mfa_required(UserFactory(role=Role.PROSECUTOR, is_active=False)) is False


@require_mfa
def test_a_prosecutor_without_mfa_is_sent_to_set_it_up_and_every_page_is_blocked(client, prosecutor):
    response = sign_in(client, "fiscal")
    assert response.status_code == 302
    response = client.get(reverse("cases:list"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    assert client.get(reverse("people:list"))["Location"] == reverse("mfa_activate_totp")
    page = client.get(reverse("mfa_activate_totp"), follow=True)
    assert page.status_code == 200
    assert "configure la verificación en dos pasos" in page.content.decode()


@require_mfa
def test_the_session_api_is_refused_until_mfa_is_set_up(client, prosecutor):
    sign_in(client, "fiscal")
    response = client.get("/api/v1/cases/")
    assert response.status_code == 403
    assert "verificación en dos pasos" in response.json()["detail"]


@require_mfa
def test_an_htmx_request_is_told_to_go_to_the_setup_page(client, prosecutor):
    sign_in(client, "fiscal")
    response = client.get(reverse("cases:list"), headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == reverse("mfa_activate_totp")


@require_mfa
@pytest.mark.django_db(transaction=True)
def test_setting_up_totp_with_a_valid_code_opens_the_pages(client, prosecutor):
    """Transactional: allauth announces a new authenticator when its transaction commits, inside the request."""
    sign_in(client, "fiscal")
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'src="data:image/svg+xml;base64,' in html
    secret = client.session[SECRET_SESSION_KEY]

    wrong = client.post(reverse("mfa_activate_totp"), {"code": "12345"})
    assert wrong.status_code == 200
    assert "Código incorrecto" in wrong.content.decode()
    assert not Authenticator.objects.filter(user=prosecutor).exists()

    response = client.post(reverse("mfa_activate_totp"), {"code": code_for(secret)})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    assert set(Authenticator.objects.filter(user=prosecutor).values_list("type", flat=True)) == {
        Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES,
    }
    codes_page = client.get(reverse("mfa_view_recovery_codes"))
    unused = RecoveryCodes(Authenticator.objects.get(user=prosecutor, type="recovery_codes")).get_unused_codes()
    assert unused[0] in codes_page.content.decode()
    # shown once: a second look shows no codes
    assert unused[0] not in client.get(reverse("mfa_view_recovery_codes")).content.decode()

    assert client.get(reverse("cases:list")).status_code == 200


@require_mfa
def test_the_totp_secret_is_not_stored_in_the_clear(client, prosecutor):
    secret = ensure_demo_totp(prosecutor)
    stored = Authenticator.objects.get(user=prosecutor, type=Authenticator.Type.TOTP).data["secret"]
    assert secret not in stored
    assert stored.startswith("fernet:")


@require_mfa
def test_a_user_with_mfa_must_pass_the_totp_step_after_the_password(client, prosecutor):
    secret = ensure_demo_totp(prosecutor)
    response = sign_in(client, "fiscal")
    assert response["Location"] == reverse("mfa_authenticate")
    # the password alone signs no one in
    assert client.get(reverse("cases:list"))["Location"].startswith(reverse("login"))

    wrong = client.post(reverse("mfa_authenticate"), {"code": "12345"})
    assert "Código incorrecto" in wrong.content.decode()
    assert client.get(reverse("cases:list"))["Location"].startswith(reverse("login"))

    response = client.post(reverse("mfa_authenticate"), {"code": code_for(secret)})
    assert response.status_code == 302
    assert client.get(reverse("cases:list")).status_code == 200


@require_mfa
def test_a_totp_code_cannot_be_used_twice(client, prosecutor):
    secret = ensure_demo_totp(prosecutor)
    code = code_for(secret)
    sign_in(client, "fiscal")
    client.post(reverse("mfa_authenticate"), {"code": code})
    client.post(reverse("logout"))
    sign_in(client, "fiscal")
    replay = client.post(reverse("mfa_authenticate"), {"code": code})
    assert "Código incorrecto" in replay.content.decode()
    assert client.get(reverse("cases:list"))["Location"].startswith(reverse("login"))


@require_mfa
def test_a_recovery_code_signs_in_once(client, prosecutor):
    ensure_demo_totp(prosecutor)
    code = RecoveryCodes(Authenticator.objects.get(user=prosecutor, type="recovery_codes")).get_unused_codes()[0]
    sign_in(client, "fiscal")
    assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    assert client.get(reverse("cases:list")).status_code == 200

    client.post(reverse("logout"))
    sign_in(client, "fiscal")
    again = client.post(reverse("mfa_authenticate"), {"code": code})
    assert again.status_code == 200
    assert "Código incorrecto" in again.content.decode()
    assert client.get(reverse("cases:list"))["Location"].startswith(reverse("login"))


@require_mfa
def test_a_session_that_never_passed_mfa_must_confirm_a_code(client, prosecutor):
    """A session opened before the authenticator existed (or without the MFA step) is not trusted."""
    secret = ensure_demo_totp(prosecutor)
    client.force_login(prosecutor)
    response = client.get(reverse("cases:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    assert client.get("/api/v1/cases/").status_code == 403

    confirmed = client.post(f"{reverse('mfa_reauthenticate')}?next={reverse('cases:list')}",
                            {"code": code_for(secret), "next": reverse("cases:list")})
    assert confirmed.status_code == 302
    assert confirmed["Location"] == reverse("cases:list")
    assert client.get(reverse("cases:list")).status_code == 200


@require_mfa
def test_a_role_without_identity_access_is_not_asked_for_mfa(client, analyst):
    sign_in(client, "analista")
    assert client.get(reverse("cases:list")).status_code == 200


def test_with_enforcement_off_a_prosecutor_without_mfa_reaches_the_pages(client, prosecutor):
    client.force_login(prosecutor)
    assert client.get(reverse("cases:list")).status_code == 200


@require_mfa
def test_mfa_cannot_be_switched_off_by_a_role_that_needs_it(client, prosecutor):
    secret = ensure_demo_totp(prosecutor)
    sign_in(client, "fiscal")
    client.post(reverse("mfa_authenticate"), {"code": code_for(secret)})
    page = client.get(reverse("mfa_deactivate_totp"))
    assert "no se puede desactivar" in page.content.decode()
    client.post(reverse("mfa_deactivate_totp"))
    assert Authenticator.objects.filter(user=prosecutor, type=Authenticator.Type.TOTP).exists()


@require_mfa
def test_a_role_that_does_not_need_mfa_may_switch_it_off(client, analyst):
    secret = ensure_demo_totp(analyst)
    sign_in(client, "analista")
    client.post(reverse("mfa_authenticate"), {"code": code_for(secret)})
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=analyst, type=Authenticator.Type.TOTP).exists()


@require_mfa
def test_the_security_page_speaks_spanish(client, prosecutor):
    secret = ensure_demo_totp(prosecutor)
    sign_in(client, "fiscal")
    client.post(reverse("mfa_authenticate"), {"code": code_for(secret)})
    html = client.get(reverse("mfa_index")).content.decode()
    assert "Verificación en dos pasos" in html
    assert "Le quedan 10 códigos de recuperación de 10" in html


def test_ensure_demo_totp_uses_a_known_secret_and_runs_twice_harmlessly(db, prosecutor):
    secret = ensure_demo_totp(prosecutor)
    assert secret == demo_totp_secret(prosecutor)
    assert ensure_demo_totp(prosecutor) == secret
    assert Authenticator.objects.filter(user=prosecutor, type=Authenticator.Type.TOTP).count() == 1
    assert Authenticator.objects.filter(user=prosecutor, type=Authenticator.Type.RECOVERY_CODES).count() == 1
    assert current_totp_code(prosecutor) == code_for(secret)


def test_current_totp_code_is_none_without_an_authenticator(db, prosecutor):
    assert current_totp_code(prosecutor) is None


@override_settings(DEBUG=False, SISTRA_DEMO=True)
def test_the_totp_command_prints_the_current_code_on_a_demo(db, prosecutor, capsys):
    secret = ensure_demo_totp(prosecutor)
    call_command("totp", "fiscal")
    assert capsys.readouterr().out.strip() in {code_for(secret), code_for(secret, step=1)}


@override_settings(DEBUG=False, SISTRA_DEMO=False)
def test_the_totp_command_is_refused_outside_a_demo(db, prosecutor):
    ensure_demo_totp(prosecutor)
    with pytest.raises(CommandError, match="demostración"):
        call_command("totp", "fiscal")


@override_settings(DEBUG=True)
def test_the_totp_command_explains_a_user_without_an_authenticator(db, prosecutor):
    with pytest.raises(CommandError, match="no tiene configurada"):
        call_command("totp", "fiscal")
    with pytest.raises(CommandError, match="No existe"):
        call_command("totp", "nadie")


@require_mfa
def test_guessing_the_code_is_cut_off_after_five_wrong_codes(client, prosecutor):
    secret = ensure_demo_totp(prosecutor)
    sign_in(client, "fiscal")
    for guess in ["11111", "22222", "33333", "44444", "55555"]:  # never a valid 6-digit code
        client.post(reverse("mfa_authenticate"), {"code": guess})
    refused = client.post(reverse("mfa_authenticate"), {"code": code_for(secret)})
    assert "Demasiados intentos fallidos" in refused.content.decode()
    assert client.get(reverse("cases:list"))["Location"].startswith(reverse("login"))
