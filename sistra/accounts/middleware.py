"""Session rules for pages that carry victims' personal data: timeouts, MFA before anything else, no caching."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from .mfa import has_required_factor, has_totp, mfa_enforced_for, passkey_required, session_verified

LAST_ACTIVITY_KEY = "sistra_last_activity"
LOGIN_AT_KEY = "sistra_login_at"


class SessionTimeoutMiddleware:
    """Ends a session after SISTRA_IDLE_TIMEOUT_SECONDS without a request, and in any case
    SISTRA_SESSION_MAX_AGE after login. The user is then anonymous, so LoginRequiredMiddleware sends them to
    the login page with `next`, and API calls are refused."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            self._check(request)
        return self.get_response(request)

    def _check(self, request) -> None:
        session = request.session
        now = time.time()
        idle_timeout = settings.SISTRA_IDLE_TIMEOUT_SECONDS
        login_at = session.get(LOGIN_AT_KEY)
        last_activity = session.get(LAST_ACTIVITY_KEY)
        if login_at is None:
            # a session opened before this rule, or by code that skipped the login signal
            session[LOGIN_AT_KEY] = login_at = now
        if last_activity is None:
            last_activity = now
        if now - login_at > settings.SISTRA_SESSION_MAX_AGE:
            self._end(request, _("Su sesión alcanzó su duración máxima. Vuelva a iniciar sesión."))
        elif now - last_activity > idle_timeout:
            self._end(request, _("Su sesión se cerró por inactividad. Vuelva a iniciar sesión."))
        elif LAST_ACTIVITY_KEY not in session or now - last_activity >= min(60, idle_timeout / 10):
            # written at most once a minute, not on every request: each write is a database update
            session[LAST_ACTIVITY_KEY] = now

    @staticmethod
    def _end(request, message) -> None:
        logout(request)
        messages.warning(request, message)


# What a user who must use MFA may still open before the session passed it.
_SETUP_URL_NAMES = frozenset({
    "mfa_index", "mfa_activate_totp", "mfa_add_webauthn", "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes", "mfa_download_recovery_codes", "account_reauthenticate",
})
_ALWAYS_OPEN_URL_NAMES = frozenset({
    "logout", "account_logout", "set_language", "healthz", "mfa_reauthenticate", "mfa_reauthenticate_webauthn",
})


class RequireMFAMiddleware:
    """A user whose role sees identities or administers accounts, signed in, with SISTRA_REQUIRE_MFA on,
    reaches nothing (pages nor the session-authenticated API) until they have the authenticator their role
    demands and this session passed it. Without one they are sent to set it up: an administrator to register
    a passkey (TOTP is not enough for them), the others to set up TOTP (or, from there, a passkey). With one
    (a session older than it, or an administrator's session that passed only a TOTP or recovery code) they
    are sent to confirm it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not mfa_enforced_for(user):
            return None
        if session_verified(request, user):
            return None
        url_name = request.resolver_match.url_name if request.resolver_match else None
        if url_name in _ALWAYS_OPEN_URL_NAMES:
            return None
        administrator = passkey_required(user)
        if has_required_factor(user):
            if administrator or not has_totp(user):
                target = reverse("mfa_reauthenticate_webauthn")
                message = _("Confirme su identidad con su llave de acceso para continuar.")
            else:
                target = reverse("mfa_reauthenticate")
                message = _(
                    "Confirme su identidad con el código de su aplicación de autenticación para continuar."
                )
            if request.method == "GET":
                target = f"{target}?{urlencode({'next': request.get_full_path()})}"
        else:
            if url_name in _SETUP_URL_NAMES:
                return None
            if administrator:
                target = reverse("mfa_add_webauthn")
                message = _(
                    "Su rol administra usuarios y permisos: registre una llave de acceso (passkey) para "
                    "continuar. Para este rol no basta el código de una aplicación de autenticación."
                )
            else:
                target = reverse("mfa_activate_totp")
                message = _(
                    "Su rol permite ver datos de identidad de víctimas: configure la verificación en dos pasos "
                    "para continuar."
                )
        return self._refuse(request, view_func, target, message)

    @staticmethod
    def _refuse(request, view_func, target: str, message):
        is_api = hasattr(view_func, "cls") or request.path_info.startswith("/api/")
        if is_api:
            return JsonResponse({"detail": str(message)}, status=403)
        if request.headers.get("HX-Request"):
            return HttpResponse(status=204, headers={"HX-Redirect": target})
        messages.warning(request, message)
        return HttpResponseRedirect(target)


class NoStoreForAuthenticatedMiddleware:
    """`Cache-Control: no-store` on every response to a signed-in user (and on the one that signs them out):
    no page with personal data stays in the browser's or a proxy's cache."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        was_authenticated = user is not None and user.is_authenticated
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if was_authenticated or (user is not None and user.is_authenticated):
            add_never_cache_headers(response)
        return response
