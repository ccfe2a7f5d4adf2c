"""API tokens: several per user, each with a name, an expiry (at most a year) and revocation. Only the SHA-256
of a secret is stored; the secret is shown once, when it is created. The API reads `Authorization: Bearer
<secret>` (and `Token <secret>`, as clients of the former DRF tokens send it), so a token request runs under
the same user, capabilities and access functions as that user's pages."""

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from sistra.audit.services import record_change, snapshot

from .capabilities import Capability, Role, has_capability
from .mfa import mfa_required
from .models import API_TOKEN_MAX_DAYS, ApiToken, User, default_token_expiry

logger = logging.getLogger(__name__)

KEYWORDS = (b"bearer", b"token")
PREFIX_LENGTH = 8
# at most one write of last_used_at per token and minute, however many requests it makes
LAST_USED_RESOLUTION = timedelta(minutes=1)
MAX_ACTIVE_TOKENS = 10
_AUDIT_EXCLUDE = ("key_hash", "last_used_at")


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_secret() -> str:
    # 32 random bytes; URL-safe so it fits a header, a shell variable or a config file as it is
    return secrets.token_urlsafe(32)


# --------------------------------------------------------------------------------------------- selectors


def tokens_of(user) -> QuerySet[ApiToken]:
    """The user's own tokens, newest first: the only tokens their page lists or may revoke."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def own_token(user, token_uuid) -> ApiToken | None:
    return tokens_of(user).filter(uuid=token_uuid).first()


# ---------------------------------------------------------------------------------------------- services


def _may_manage_tokens_of(actor, user: User) -> bool:
    if actor is None:
        return True  # the command line (`sistra createuser --token`): the operator has the server
    if actor.pk == user.pk:
        return True
    if not has_capability(actor, Capability.USER_MANAGE):
        return False
    if actor.role == Role.SYSTEM_ADMIN:
        return True
    return actor.agency_id is not None and actor.agency_id == user.agency_id


@transaction.atomic
def token_create(
    *,
    actor,
    user: User,
    name: str,
    expires_at: datetime | None = None,
    second_factor_verified: bool = False,
    allow_without_mfa: bool = False,
) -> tuple[ApiToken, str]:
    """A new token for `user`; returns it with its secret, which is not stored and cannot be shown again.
    `expires_at` defaults to 90 days from now and may be at most a year away (by the calendar of Lima).

    A token of a role that sees identities is as good as a signed-in session that passed its second factor,
    so it is issued only right after a second-factor check (`second_factor_verified`, which the web view sets
    after allauth's MFA re-authentication), or — for service accounts created on the command line — with the
    explicit `allow_without_mfa`, which is written to the history and the log."""
    # only the user themself (or the command line) creates a token: a secret someone else chose for you is
    # one they also know. Administrators may revoke tokens, not create them.
    if actor is not None and actor.pk != user.pk:
        raise PermissionDenied(_("No puede crear tokens de API para otro usuario."))
    if not user.is_active:
        raise ValidationError(_("El usuario está inactivo: no puede tener tokens de API."))
    name = " ".join((name or "").split())
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [
            _("Indique un nombre que le permita reconocer el token (por ejemplo, «Central telefónica 0800»).")
        ]
    elif len(name) > 100:
        errors["name"] = [_("El nombre puede tener hasta 100 caracteres.")]
    now = timezone.now()
    expires_at = expires_at or default_token_expiry()
    if expires_at <= now:
        errors["expires_at"] = [_("La fecha de vencimiento debe ser futura.")]
    elif timezone.localdate(expires_at) > timezone.localdate(now) + timedelta(days=API_TOKEN_MAX_DAYS):
        errors["expires_at"] = [
            _("Un token puede durar como máximo %(days)s días.") % {"days": API_TOKEN_MAX_DAYS}
        ]
    if errors:
        raise ValidationError(errors)
    without_mfa = mfa_required(user) and not second_factor_verified
    if without_mfa and not allow_without_mfa:
        raise ValidationError(
            _(
                "El rol de este usuario ve datos de identidad: un token de API solo se crea justo después de "
                "confirmar la verificación en dos pasos."
            )
        )
    active = tokens_of(user).filter(revoked_at__isnull=True, expires_at__gt=now).count()
    if active >= MAX_ACTIVE_TOKENS:
        raise ValidationError(
            _("Ya tiene %(count)s tokens vigentes; revoque alguno que no use antes de crear otro.")
            % {"count": active}
        )
    secret = _new_secret()
    token = ApiToken.objects.create(
        user=user, name=name, key_prefix=secret[:PREFIX_LENGTH], key_hash=hash_secret(secret),
        expires_at=expires_at,
    )
    after = snapshot(token, exclude=_AUDIT_EXCLUDE)
    summary = _("Token de API creado")
    if without_mfa:
        after["without_second_factor"] = True
        summary = _("Token de API creado sin segundo factor (cuenta de servicio)")
        logger.warning("API token %s created without a second factor for user %s", token.uuid, user.pk)
    record_change(actor=actor, action="create", instance=token, root=user, after=after, summary=summary)
    return token, secret


@transaction.atomic
def token_revoke(*, actor, token: ApiToken) -> ApiToken:
    """Revoke a token at once: the next request that uses it is refused. Revoking it again changes nothing."""
    if not _may_manage_tokens_of(actor, token.user):
        raise PermissionDenied(_("No puede revocar los tokens de API de otro usuario."))
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    before = snapshot(token, exclude=_AUDIT_EXCLUDE)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record_change(
        actor=actor, action="update", instance=token, root=token.user, before=before,
        after=snapshot(token, exclude=_AUDIT_EXCLUDE), summary=_("Token de API revocado"),
    )
    return token


# ---------------------------------------------------------------------------------------- authentication


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <secret>` (or `Token <secret>`). The secret is looked up by its hash, so no
    stored secret is ever compared character by character. Refuses unknown, expired and revoked tokens and
    inactive users with 401."""

    www_authenticate_realm = "api"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(_("Cabecera Authorization no válida: use «Bearer <token>»."))
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed(_("Token no válido.")) from None
        return self.authenticate_credentials(secret)

    def authenticate_credentials(self, secret: str):
        token = (
            ApiToken.objects.select_related("user", "user__agency")
            .filter(key_hash=hash_secret(secret))
            .first()
        )
        if token is None:
            raise AuthenticationFailed(_("Token no válido."))
        now = timezone.now()
        if token.revoked_at is not None:
            raise AuthenticationFailed(_("El token fue revocado."))
        if token.expires_at <= now:
            raise AuthenticationFailed(_("El token venció; cree uno nuevo en su página de tokens de API."))
        if not token.user.is_active:
            raise AuthenticationFailed(_("Usuario inactivo."))
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            # bookkeeping, not a change of the record: no history row, and one UPDATE a minute at most
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return token.user, token

    def authenticate_header(self, request) -> str:
        return f'Bearer realm="{self.www_authenticate_realm}"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "sistra.accounts.tokens.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": _(
                "Token de API creado en /cuenta/tokens/: cabecera «Authorization: Bearer <token>»."
            ),
        }
