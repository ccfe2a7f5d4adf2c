from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from sistra.accounts.models import ApiToken, User
from sistra.accounts.tokens import hash_secret
from sistra.audit.models import ChangeEvent

STRONG = "Ruta-de-Atencion-2026"


def run(*args, **kwargs) -> str:
    out = StringIO()
    call_command("createuser", *args, stdout=out, **kwargs)
    return out.getvalue()


def test_it_creates_a_user_with_role_agency_and_api_token(fiscalia):
    output = run(
        "rquispe", agency="fiscalia-cusco", role="prosecutor", password=STRONG, token=True, allow_without_mfa=True
    )

    user = User.objects.get(username="rquispe")
    assert user.agency == fiscalia
    assert user.role == "prosecutor"
    assert user.check_password(STRONG)
    token = ApiToken.objects.get(user=user)
    shown = [line.rsplit(": ", 1)[1] for line in output.splitlines() if "Token de la API" in line]
    assert len(shown) == 1
    assert token.key_hash == hash_secret(shown[0]) and shown[0].startswith(token.key_prefix)
    assert token.status == ApiToken.Status.ACTIVE
    assert "Fiscal" in output
    assert STRONG not in output  # a password given by the operator is not echoed


def test_without_password_it_generates_a_strong_one_and_prints_it_once(fiscalia):
    output = run("lflores", "--agency", "fiscalia-cusco", "--role", "analyst")

    user = User.objects.get(username="lflores")
    shown = [line.rsplit(": ", 1)[1] for line in output.splitlines() if "Contraseña generada" in line]
    assert len(shown) == 1
    assert len(shown[0]) >= 12
    assert user.check_password(shown[0])
    assert not ApiToken.objects.filter(user=user).exists()


def test_history_records_the_creation_without_the_password(fiscalia):
    run("mcondori", agency="fiscalia-cusco", role="police", password=STRONG)

    event = ChangeEvent.objects.get(model="accounts.user")
    assert event.after["username"] == "mcondori"
    assert event.after["role"] == "police"
    assert "password" not in event.after
    assert STRONG not in str(event.after)


def test_it_refuses_an_existing_user(prosecutor):
    with pytest.raises(CommandError, match="Ya existe un usuario «Fiscal»"):
        run("Fiscal", agency="fiscalia-cusco", role="prosecutor", password=STRONG)
    assert User.objects.filter(username__iexact="fiscal").count() == 1


def test_it_refuses_an_unknown_agency(db):
    with pytest.raises(CommandError, match="No existe una institución con el código «no-existe»"):
        run("nuevo", agency="no-existe", role="prosecutor", password=STRONG)
    assert not User.objects.filter(username="nuevo").exists()


def test_it_refuses_an_unknown_role_and_lists_the_valid_ones(fiscalia):
    with pytest.raises(CommandError) as exc:
        run("nuevo", agency="fiscalia-cusco", role="jefe", password=STRONG)

    message = str(exc.value)
    assert "El rol «jefe» no es válido" in message
    for role in ("system_admin", "prosecutor", "hotline_operator", "analyst", "auditor"):
        assert role in message
    assert not User.objects.filter(username="nuevo").exists()


@pytest.mark.parametrize("password", ["Corta-123", "password1234", "123456789012345"])
def test_it_refuses_a_weak_password(fiscalia, password):
    with pytest.raises(CommandError, match="La contraseña no es aceptable"):
        run("nuevo", agency="fiscalia-cusco", role="prosecutor", password=password)
    assert not User.objects.filter(username="nuevo").exists()
    assert not ChangeEvent.objects.exists()


def test_the_printed_api_token_works_and_its_creation_is_in_the_history(fiscalia):
    output = run(
        "ivr", agency="fiscalia-cusco", role="hotline_operator", password=STRONG, token=True, allow_without_mfa=True
    )
    secret = next(line.rsplit(": ", 1)[1] for line in output.splitlines() if "Token de la API" in line)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")

    assert client.get("/api/v1/stages/").status_code == 200
    user = User.objects.get(username="ivr")
    event = ChangeEvent.objects.get(model="accounts.apitoken")
    assert event.root_uuid == user.uuid and event.actor is None
    assert secret not in str(event.after)


def test_a_token_for_an_identity_role_is_refused_without_allow_without_mfa(fiscalia):
    with pytest.raises(CommandError) as exc:
        run("rquispe", agency="fiscalia-cusco", role="prosecutor", password=STRONG, token=True)

    assert "--allow-without-mfa" in str(exc.value)
    assert not User.objects.filter(username="rquispe").exists()
    assert not ApiToken.objects.exists()


def test_a_token_created_with_allow_without_mfa_is_logged_as_such(fiscalia):
    run("svc", agency="fiscalia-cusco", role="prosecutor", password=STRONG, token=True, allow_without_mfa=True)

    event = ChangeEvent.objects.get(model="accounts.apitoken")
    assert event.after["without_second_factor"] is True
