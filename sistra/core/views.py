from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


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


def home(request):
    return redirect("cases:list")
