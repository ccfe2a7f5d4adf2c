from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from sistra.accounts.capabilities import Capability, Role, has_capability


@login_not_required
@require_GET
@never_cache
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database = {"status": "ok", "vendor": connection.vendor}
        status = 200
    except Exception:  # noqa: BLE001 — any database failure is reported, not raised
        database = {"status": "error", "vendor": connection.vendor}
        status = 503
    return JsonResponse({"status": "ok" if status == 200 else "error", "database": database}, status=status)


# Where each kind of user starts: the first part of the system their capabilities open.
LANDING = [
    (Capability.CASE_VIEW, "cases:list"),
    (Capability.CONTACT_VIEW, "hotline:home"),
    (Capability.ASSISTANCE_VIEW, "assistance:dashboard"),
    (Capability.REFERRAL_SEND, "assistance:dashboard"),
    (Capability.AUDIT_VIEW, "audit:log"),
    (Capability.PERSON_VIEW, "people:list"),
    (Capability.USER_MANAGE, "useradmin:user_list"),
]


# Roles whose work is the figures start on the dashboard, even where they may also open cases.
ROLE_LANDING = {Role.ANALYST: "stats:dashboard", Role.PREVENTION_OFFICER: "prevention:home"}


def home(request):
    if request.user.role in ROLE_LANDING:
        return redirect(ROLE_LANDING[request.user.role])
    for capability, url_name in LANDING:
        if has_capability(request.user, capability):
            return redirect(url_name)
    return render(request, "core/home.html")
