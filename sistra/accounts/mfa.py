"""Who must pass a second factor (and who a passkey), whether this session did, and the demo's TOTP
authenticators.

The second factor itself (TOTP, passkeys, recovery codes, the login step that asks for them) is
django-allauth's MFA app; this module only holds SISTRA's rules around it (docs/decisions/0211-passkeys.md)."""

import base64
import time

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.db import transaction
from django.utils.crypto import salted_hmac

from .capabilities import Capability, has_capability

# A role holding any of these sees who the victims are: its users must use a second factor.
MFA_CAPABILITIES = frozenset({
    Capability.PERSON_VIEW_IDENTITY,
    Capability.CASE_VIEW_IDENTITY,
    Capability.ASSISTANCE_VIEW,
    Capability.FAMILY_VIEW_IDENTITY,
})
# A role holding any of these makes accounts and grants roles, so it can give itself every other role: its
# users must use a passkey (WebAuthn). A TOTP code can be typed into a look-alike page and replayed at once; a
# passkey answers only the site it was made for.
PASSKEY_CAPABILITIES = frozenset({Capability.USER_MANAGE})
# Authenticators that prove possession of a device; recovery codes only stand in for them.
SECOND_FACTOR_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)
SESSION_KEY = "sistra_mfa_user"
# the type of the authenticator the session passed ("totp", "webauthn", "recovery_codes")
SESSION_FACTOR_KEY = "sistra_mfa_factor"


def mfa_required(user) -> bool:
    """Whether the user's role sees identities (and so must use TOTP or a passkey). Administrators are the
    other users who must use a second factor: see `passkey_required` and `second_factor_required`."""
    return any(has_capability(user, capability) for capability in MFA_CAPABILITIES)


def passkey_required(user) -> bool:
    """Whether the user's role administers accounts, so their second factor must be a passkey."""
    return any(has_capability(user, capability) for capability in PASSKEY_CAPABILITIES)


def second_factor_required(user) -> bool:
    return mfa_required(user) or passkey_required(user)


def mfa_enforced_for(user) -> bool:
    return bool(getattr(settings, "SISTRA_REQUIRE_MFA", True)) and second_factor_required(user)


def has_second_factor(user) -> bool:
    return Authenticator.objects.filter(user_id=user.pk, type__in=SECOND_FACTOR_TYPES).exists()


def has_passkey(user) -> bool:
    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.WEBAUTHN).exists()


def has_totp(user) -> bool:
    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()


def has_required_factor(user) -> bool:
    """Whether the user has the kind of authenticator their role demands: a passkey for administrators, a
    passkey or TOTP for the others."""
    return has_passkey(user) if passkey_required(user) else has_second_factor(user)


def mark_session_verified(request, user, authenticator_type: str = "") -> None:
    """This session has seen `user` pass a second factor of `authenticator_type` (at login, on
    re-authentication or when the authenticator was set up with a valid code or a passkey ceremony)."""
    request.session[SESSION_KEY] = str(user.pk)
    request.session[SESSION_FACTOR_KEY] = str(authenticator_type)


def session_verified(request, user) -> bool:
    """Whether this session passed the second factor the user's role demands: for an administrator, only a
    passkey counts (a TOTP code or a recovery code does not)."""
    if request.session.get(SESSION_KEY) != str(user.pk):
        return False
    if passkey_required(user):
        return request.session.get(SESSION_FACTOR_KEY) == Authenticator.Type.WEBAUTHN
    return True


def demo_totp_secret(user) -> str:
    """A stable secret per demo user (derived from SECRET_KEY), so an authenticator app set up once keeps
    working after the demo data is loaded again."""
    digest = salted_hmac("sistra.accounts.mfa.demo_totp", user.username, algorithm="sha256").digest()
    return base64.b32encode(digest[:20]).decode("ascii")


@transaction.atomic
def ensure_demo_totp(user) -> str:
    """Give a demo user a TOTP authenticator with a known secret (and recovery codes), unless they have
    one; returns the secret in force. `sistra totp USERNAME` prints its current code."""
    existing = Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).first()
    if existing is not None:
        return decrypt(existing.data["secret"])
    secret = demo_totp_secret(user)
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    return secret


def current_totp_code(user, *, at: float | None = None) -> str | None:
    """The code the user's authenticator app shows now, or None when the user has no TOTP authenticator."""
    authenticator = Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).first()
    if authenticator is None:
        return None
    from allauth.mfa import app_settings

    secret = decrypt(authenticator.data["secret"])
    counter = int(time.time() if at is None else at) // app_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))


def second_factor_within(request, max_age: int) -> bool:
    """Whether this session passed a second factor (at login or on MFA re-authentication) in the last
    `max_age` seconds — allauth records each authentication with its method."""
    from allauth.account.authentication import get_authentication_records

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    records = get_authentication_records(request, user)
    latest = max((r.get("at", 0) for r in records if r.get("method") == "mfa"), default=0)
    return time.time() - latest < max_age
