"""Passkeys (WebAuthn): offered to every role on the security pages, required of administrators (TOTP is not
enough for them), and a passkey alone satisfies a role that sees identities. docs/decisions/0211-passkeys.md"""

import json
from unittest.mock import patch

import pytest
from allauth.mfa.models import Authenticator
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils.http import urlencode

from sistra.accounts.capabilities import Role
from sistra.accounts.mfa import (
    SESSION_FACTOR_KEY,
    SESSION_KEY,
    ensure_demo_totp,
    mfa_required,
    passkey_required,
    second_factor_required,
)
from sistra.core.testing import UserFactory

from .test_mfa import code_for, sign_in

require_mfa = override_settings(SISTRA_REQUIRE_MFA=True)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def recently_authenticated():
    """The password was confirmed a moment ago (allauth asks again before authenticators are removed)."""
    with patch(
        "allauth.account.internal.flows.reauthentication.did_recently_reauthenticate", return_value=True
    ):
        yield


@pytest.fixture
def agency_admin(prosecutor):
    return UserFactory(username="admin", agency=prosecutor.agency, role=Role.AGENCY_ADMIN)


def add_passkey(user, *, name="Laptop de la oficina") -> Authenticator:
    """A WebAuthn authenticator row as allauth stores one (its own tests fake them the same way): enough for
    the rules that only ask whether the user has one."""
    return Authenticator.objects.create(
        user=user,
        type=Authenticator.Type.WEBAUTHN,
        data={"name": name, "passwordless": True, "credential": {}},
    )


def mark_passed(client, user, factor: str) -> None:
    """The session passed `factor` at login, as the authenticator_used signal records it."""
    client.force_login(user)
    session = client.session
    session[SESSION_KEY] = str(user.pk)
    session[SESSION_FACTOR_KEY] = factor
    session.save()


@pytest.mark.parametrize(
    "role, passkey",
    [
        (Role.SYSTEM_ADMIN, True),
        (Role.AGENCY_ADMIN, True),
        (Role.PROSECUTOR, False),
        (Role.HEALTH_WORKER, False),
        (Role.NATIONAL_DATA_STEWARD, False),
        (Role.ANALYST, False),
        (Role.AUDITOR, False),
    ],
)
def test_a_passkey_is_required_exactly_of_administrators(db, role, passkey):
    user = UserFactory(role=role)
    assert passkey_required(user) is passkey
    assert second_factor_required(user) is (passkey or mfa_required(user))


def test_an_inactive_administrator_is_not_counted(db):
    assert passkey_required(UserFactory(role=Role.SYSTEM_ADMIN, is_active=False)) is False


@require_mfa
def test_an_administrator_without_a_passkey_is_sent_to_register_one(client, agency_admin):
    response = sign_in(client, "admin")
    assert response.status_code == 302
    for url in [reverse("useradmin:user_list"), reverse("home"), reverse("account_api_tokens")]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == reverse("mfa_add_webauthn")
    page = client.get(reverse("mfa_add_webauthn"), follow=True)
    assert page.status_code == 200
    html = page.content.decode()
    assert "registre una llave de acceso (passkey)" in html
    assert "no basta el código de una aplicación de autenticación" in html
    # the browser gets what it needs to create the credential, for this site and this user
    options = page.context["js_data"]["creation_options"]["publicKey"]
    assert options["rp"]["id"] == "testserver"
    assert 'id="mfa_webauthn_add"' in html
    # the setup pages, and signing out, stay open
    assert client.get(reverse("mfa_index")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302


@require_mfa
def test_the_api_and_htmx_are_refused_to_an_administrator_without_a_passkey(client, agency_admin):
    sign_in(client, "admin")
    response = client.get("/api/v1/cases/")
    assert response.status_code == 403
    assert "llave de acceso" in response.json()["detail"]
    htmx = client.get(reverse("useradmin:user_list"), headers={"HX-Request": "true"})
    assert htmx["HX-Redirect"] == reverse("mfa_add_webauthn")


@require_mfa
def test_an_administrator_who_passed_a_passkey_reaches_their_pages(client, agency_admin):
    add_passkey(agency_admin)
    mark_passed(client, agency_admin, Authenticator.Type.WEBAUTHN)
    assert client.get(reverse("useradmin:user_list")).status_code == 200
    # the home page sends an administrator to their list, not to a second factor
    assert client.get(reverse("home"))["Location"] == reverse("useradmin:user_list")
    assert client.get(reverse("mfa_index")).status_code == 200


@require_mfa
def test_totp_alone_does_not_satisfy_an_administrator(client, agency_admin):
    secret = ensure_demo_totp(agency_admin)
    response = sign_in(client, "admin")
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.post(reverse("mfa_authenticate"), {"code": code_for(secret)}).status_code == 302
    # signed in with password and code, but the role wants a passkey
    response = client.get(reverse("useradmin:user_list"))
    assert response["Location"] == reverse("mfa_add_webauthn")


@require_mfa
def test_an_administrator_with_a_passkey_whose_session_passed_only_totp_must_use_the_passkey(
    client, agency_admin
):
    ensure_demo_totp(agency_admin)
    add_passkey(agency_admin)
    mark_passed(client, agency_admin, Authenticator.Type.TOTP)
    response = client.get(reverse("useradmin:user_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate_webauthn"))
    # nor may they register another passkey on the strength of the code
    assert client.get(reverse("mfa_add_webauthn"))["Location"].startswith(
        reverse("mfa_reauthenticate_webauthn")
    )
    mark_passed(client, agency_admin, Authenticator.Type.RECOVERY_CODES)
    assert client.get(reverse("useradmin:user_list"))["Location"].startswith(
        reverse("mfa_reauthenticate_webauthn")
    )


@require_mfa
def test_a_session_that_never_passed_the_passkey_is_asked_for_it(client, agency_admin):
    add_passkey(agency_admin)
    client.force_login(agency_admin)
    users = reverse("useradmin:user_list")
    response = client.get(users)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('mfa_reauthenticate_webauthn')}?{urlencode({'next': users})}"
    assert client.get("/api/v1/cases/").status_code == 403


@require_mfa
def test_an_identity_role_with_a_passkey_and_no_totp_passes_the_mfa_requirement(client, prosecutor):
    add_passkey(prosecutor)
    mark_passed(client, prosecutor, Authenticator.Type.WEBAUTHN)
    assert client.get(reverse("cases:list")).status_code == 200


@require_mfa
def test_an_identity_role_with_only_a_passkey_confirms_with_it_not_with_a_code(client, prosecutor):
    add_passkey(prosecutor)
    client.force_login(prosecutor)
    response = client.get(reverse("cases:list"))
    assert response["Location"].startswith(reverse("mfa_reauthenticate_webauthn"))


@require_mfa
def test_an_identity_role_still_may_use_totp(client, prosecutor):
    ensure_demo_totp(prosecutor)
    mark_passed(client, prosecutor, Authenticator.Type.TOTP)
    assert client.get(reverse("cases:list")).status_code == 200


@require_mfa
def test_the_setup_pages_offer_passkeys(client, prosecutor):
    sign_in(client, "fiscal")
    totp_page = client.get(reverse("mfa_activate_totp")).content.decode()
    assert reverse("mfa_add_webauthn") in totp_page
    index = client.get(reverse("mfa_index")).content.decode()
    assert "Llaves de acceso (passkeys)" in index
    assert reverse("mfa_add_webauthn") in index
    add = client.get(reverse("mfa_add_webauthn"))
    assert add.status_code == 200
    html = add.content.decode()
    assert "Registrar una llave de acceso" in html
    assert "Usarla también para ingresar sin contraseña" in html


def test_the_login_page_offers_a_passkey(client, db):
    html = client.get(reverse("login")).content.decode()
    assert "Ingresar con una llave de acceso" in html
    assert reverse("mfa_login_webauthn") in html


@require_mfa
def test_an_administrator_cannot_remove_their_last_passkey(client, agency_admin, recently_authenticated):
    passkey = add_passkey(agency_admin)
    mark_passed(client, agency_admin, Authenticator.Type.WEBAUTHN)
    url = reverse("mfa_remove_webauthn", kwargs={"pk": passkey.pk})
    assert "registre otra antes de quitar esta" in client.get(url).content.decode()
    client.post(url)
    assert Authenticator.objects.filter(pk=passkey.pk).exists()

    second = add_passkey(agency_admin, name="Llave USB")
    assert client.post(reverse("mfa_remove_webauthn", kwargs={"pk": second.pk})).status_code == 302
    assert not Authenticator.objects.filter(pk=second.pk).exists()


@require_mfa
def test_a_prosecutor_cannot_remove_the_passkey_that_is_their_only_second_factor(
    client, prosecutor, recently_authenticated
):
    passkey = add_passkey(prosecutor)
    mark_passed(client, prosecutor, Authenticator.Type.WEBAUTHN)
    response = client.post(reverse("mfa_remove_webauthn", kwargs={"pk": passkey.pk}), follow=True)
    assert "no se puede desactivar" in response.content.decode()
    assert Authenticator.objects.filter(pk=passkey.pk).exists()


@require_mfa
def test_an_administrator_may_drop_totp_once_they_have_a_passkey(
    client, agency_admin, recently_authenticated
):
    ensure_demo_totp(agency_admin)
    add_passkey(agency_admin)
    mark_passed(client, agency_admin, Authenticator.Type.WEBAUTHN)
    assert client.post(reverse("mfa_deactivate_totp")).status_code == 302
    assert not Authenticator.objects.filter(user=agency_admin, type=Authenticator.Type.TOTP).exists()


class SoftwarePasskey:
    """A passkey in memory: answers allauth's WebAuthn ceremonies as a browser with a platform authenticator
    would (P-256 key, "none" attestation, user present and verified), for the origin https://testserver."""

    origin = "https://testserver"

    def __init__(self):
        from cryptography.hazmat.primitives.asymmetric import ec

        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = b"sistra-test-" + bytes(range(8))
        self.user_handle = b""
        self.counter = 0

    @staticmethod
    def _b64(data: bytes) -> str:
        from fido2.utils import websafe_encode

        return websafe_encode(data)

    @staticmethod
    def _raw(value) -> bytes:
        """The options carry bytes as websafe base64 text, as the browser receives them."""
        from fido2.utils import websafe_decode

        return websafe_decode(value) if isinstance(value, str) else bytes(value)

    def _auth_data(self, rp_id: str, *, attested: bool):
        from fido2.cose import ES256
        from fido2.utils import sha256
        from fido2.webauthn import AttestedCredentialData, AuthenticatorData

        self.counter += 1
        flags = AuthenticatorData.FLAG.UP | AuthenticatorData.FLAG.UV
        credential_data = None
        if attested:
            flags |= AuthenticatorData.FLAG.AT
            credential_data = AttestedCredentialData.create(
                b"\0" * 16,
                self.credential_id,
                ES256.from_cryptography_key(self.key.public_key()),
            )
        return AuthenticatorData.create(sha256(rp_id.encode()), flags, self.counter, credential_data or b"")

    def create(self, options) -> dict:
        from fido2.webauthn import AttestationObject, CollectedClientData

        options = options["publicKey"]
        self.user_handle = self._raw(options["user"]["id"])
        client_data = CollectedClientData.create(
            type="webauthn.create",
            challenge=self._raw(options["challenge"]),
            origin=self.origin,
        )
        attestation = AttestationObject.create(
            "none", self._auth_data(options["rp"]["id"], attested=True), {}
        )
        return {
            "id": self._b64(self.credential_id),
            "rawId": self._b64(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": self._b64(bytes(client_data)),
                "attestationObject": self._b64(bytes(attestation)),
            },
            "clientExtensionResults": {"credProps": {"rk": True}},
        }

    def get(self, options) -> dict:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from fido2.webauthn import CollectedClientData

        options = options["publicKey"]
        client_data = CollectedClientData.create(
            type="webauthn.get",
            challenge=self._raw(options["challenge"]),
            origin=self.origin,
        )
        auth_data = self._auth_data(options.get("rpId") or "testserver", attested=False)
        signature = self.key.sign(bytes(auth_data) + client_data.hash, ec.ECDSA(hashes.SHA256()))
        return {
            "id": self._b64(self.credential_id),
            "rawId": self._b64(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": self._b64(bytes(client_data)),
                "authenticatorData": self._b64(bytes(auth_data)),
                "signature": self._b64(signature),
                "userHandle": self._b64(self.user_handle),
            },
            "clientExtensionResults": {},
        }


@require_mfa
@pytest.mark.django_db(transaction=True)
def test_an_administrator_registers_a_passkey_and_then_signs_in_with_it_alone(client, agency_admin):
    """The real ceremonies (signatures checked by fido2), with a passkey in memory instead of a browser.
    Transactional: allauth announces a new authenticator when its transaction commits, inside the request."""
    passkey = SoftwarePasskey()
    sign_in(client, "admin")
    page = client.get(reverse("mfa_add_webauthn"))
    credential = passkey.create(page.context["js_data"]["creation_options"])
    response = client.post(
        reverse("mfa_add_webauthn"),
        {
            "name": "Laptop de la oficina",
            "passwordless": "on",
            "credential": json.dumps(credential),
        },
    )
    assert response.status_code == 302, response.context and response.context["form"].errors
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    stored = Authenticator.objects.get(user=agency_admin, type=Authenticator.Type.WEBAUTHN)
    assert stored.wrap().name == "Laptop de la oficina"
    assert stored.wrap().is_passwordless is True
    # registering it in this session counts as passing it
    assert client.get(reverse("useradmin:user_list")).status_code == 200

    client.post(reverse("logout"))
    options = client.get(
        reverse("mfa_login_webauthn"),
        headers={"X-Requested-With": "XMLHttpRequest", "Accept": "application/json"},
    ).json()
    signed_in = client.post(
        reverse("mfa_login_webauthn"), {"credential": json.dumps(passkey.get(options["request_options"]))}
    )
    assert signed_in.status_code == 302
    assert client.get(reverse("useradmin:user_list")).status_code == 200


@require_mfa
@pytest.mark.django_db(transaction=True)
def test_a_passkey_answers_the_second_step_after_the_password(client, agency_admin):
    passkey = SoftwarePasskey()
    sign_in(client, "admin")
    page = client.get(reverse("mfa_add_webauthn"))
    client.post(
        reverse("mfa_add_webauthn"),
        {
            "name": "Llave USB",
            "credential": json.dumps(passkey.create(page.context["js_data"]["creation_options"])),
        },
    )
    client.post(reverse("logout"))

    assert sign_in(client, "admin")["Location"] == reverse("mfa_authenticate")
    stage = client.get(reverse("mfa_authenticate"))
    assert 'id="mfa_webauthn_authenticate"' in stage.content.decode()
    answer = passkey.get(stage.context["js_data"]["request_options"])
    assert client.post(reverse("mfa_authenticate"), {"credential": json.dumps(answer)}).status_code == 302
    assert client.get(reverse("useradmin:user_list")).status_code == 200
