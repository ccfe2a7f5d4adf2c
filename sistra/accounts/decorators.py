"""Re-authentication before sensitive actions (exports, MFA changes), through django-allauth's own flow."""

import time
from functools import wraps

from allauth.account.authentication import get_authentication_records
from allauth.core.exceptions import ReauthenticationRequired
from django.contrib.auth.views import redirect_to_login


def authenticated_within(request, max_age: int) -> bool:
    """Whether the user proved who they are (password at login, second factor, or re-authentication) in this
    session during the last `max_age` seconds."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    records = get_authentication_records(request, user)
    latest = max((record.get("at", 0) for record in records), default=0)
    return time.time() - latest < max_age


def require_recent_auth(view_func=None, *, max_age: int = 300):
    """Let the view run only if the user authenticated in the last `max_age` seconds; otherwise send them to
    allauth's re-authentication page (password, or their second factor), which then resumes the request —
    a POST included.

        @require_recent_auth(max_age=300)
        def export(request): ...
    """

    def decorator(func):
        @wraps(func)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not authenticated_within(request, max_age):
                # allauth's AccountMiddleware turns this into a redirect to its re-authentication view, keeping
                # the path (and the POST) to resume afterwards
                raise ReauthenticationRequired()
            return func(request, *args, **kwargs)

        return wrapper

    if view_func is not None:
        return decorator(view_func)
    return decorator
