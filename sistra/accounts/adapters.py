"""SISTRA's rules plugged into django-allauth (accounts and MFA) and django-axes."""

import base64

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from .decorators import authenticated_within
from .mfa import SECOND_FACTOR_TYPES, passkey_required, second_factor_required

_ENCRYPTED_PREFIX = "fernet:"


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "username_password_mismatch": _("Usuario o contraseña incorrectos. Vuelva a intentarlo."),
        "too_many_login_attempts": _("Demasiados intentos fallidos. Vuelva a intentarlo más tarde."),
    }

    def is_open_for_signup(self, request) -> bool:
        # accounts are created by administrators (`sistra createuser`), never by the public
        return False

    def pre_authenticate(self, request, **credentials) -> None:
        """Password guessing is django-axes' job (five failures per username and address, kept in the
        database, so it holds across processes and tells the lockout page). allauth's own failure counter is
        kept per process and per username from any address: it would lock the real user out from their office
        while a stranger guesses, and answer before axes with a vaguer message. Its limit of login requests
        per address ("login": 30/m/ip) and its counter of wrong MFA codes stay."""

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """A login in the last few minutes counts as re-authentication: a user sent to set up MFA right after
        signing in is not asked for the password a second time."""
        from allauth.core import context

        request = context.request
        if request is not None and authenticated_within(request, settings.ACCOUNT_REAUTHENTICATION_TIMEOUT):
            return False
        return super().is_reauthentication_required(app=app, **kwargs)


def _fernet() -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([
        Fernet(base64.urlsafe_b64encode(
            salted_hmac("sistra.accounts.adapters.mfa_secret", "fernet", secret=key, algorithm="sha256").digest()
        ))
        for key in keys
    ])


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": _(
            "Su rol exige la verificación en dos pasos: no se puede desactivar ni quitar el último método que "
            "su rol acepta (para administradores, la llave de acceso)."
        ),
        "incorrect_code": _("Código incorrecto."),
    }

    def get_totp_label(self, user) -> str:
        # the username, never an e-mail address or a name, goes into the authenticator app
        return user.get_username()

    def encrypt(self, text: str) -> str:
        """TOTP secrets and recovery-code seeds are stored encrypted with a key derived from SECRET_KEY, so a
        copy of the database alone does not yield second factors. Rotate SECRET_KEY through
        SECRET_KEY_FALLBACKS, or every authenticator stops working."""
        return _ENCRYPTED_PREFIX + _fernet().encrypt(text.encode()).decode("ascii")

    def decrypt(self, encrypted_text: str) -> str:
        if not encrypted_text.startswith(_ENCRYPTED_PREFIX):
            return encrypted_text
        try:
            return _fernet().decrypt(encrypted_text[len(_ENCRYPTED_PREFIX):].encode("ascii")).decode()
        except InvalidToken:
            raise ImproperlyConfigured(
                "A stored MFA secret cannot be decrypted: SECRET_KEY changed without SECRET_KEY_FALLBACKS."
            ) from None

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """A role that must use a second factor keeps one: an administrator their last passkey (a TOTP app
        does not count for them), the others their last TOTP app or passkey."""
        user = authenticator.user
        if authenticator.type not in SECOND_FACTOR_TYPES or not second_factor_required(user):
            return True
        remaining = (Authenticator.Type.WEBAUTHN,) if passkey_required(user) else SECOND_FACTOR_TYPES
        if authenticator.type not in remaining:
            # an administrator's TOTP app, while a passkey remains or not: it never was their required factor
            return True
        others = Authenticator.objects.filter(user_id=user.pk, type__in=remaining).exclude(pk=authenticator.pk)
        return others.exists()


def axes_username(request, credentials: dict | None = None) -> str:
    """The username django-axes counts failures for, whatever case or spaces were typed: login by username is
    case-insensitive, so "Fiscal " and "fiscal" share one counter."""
    username = (credentials or {}).get("username")
    if not username and request is not None:
        data = getattr(request, "POST", {})
        username = data.get("login") or data.get("username")
    return (username or "").strip().lower()
