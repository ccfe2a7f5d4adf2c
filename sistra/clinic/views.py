"""Web pages of the mobile clinic. Each view fetches through sistra.clinic.access (a record the user may not
see is a 404), calls one service and redirects, or renders. The offline app is a static page driven by
static/clinic/app.js (no inline script: the CSP forbids it); its service worker is served from /clinica/ so
that its scope covers the app."""

from django.contrib import messages
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from sistra.audit.models import AccessLog
from sistra.audit.services import log_access
from sistra.core.pagination import bounded_page

from . import access, exports, selectors, sync
from .models import Device


def _team(request):
    if not access.is_team_member(request.user):
        raise Http404
    return access.member(request.user)


@require_GET
def home(request):
    member = _team(request)
    today = timezone.localdate()
    return render(
        request,
        "clinic/home.html",
        {
            "member": member,
            "itineraries": selectors.current_itineraries(request.user, on=today),
            "is_clinical": access.is_clinical(request.user),
            "is_supervisor": access.is_supervisor(request.user),
            "open_conflicts": access.visible_conflicts(request.user).filter(status="open").count(),
        },
    )


# the consultations list: 25 a page, and only the columns it shows
PAGE_SIZE = 25
LIST_COLUMNS = ("uuid", "attended_on", "service", "reason", "diagnoses", "patient__person__code", "community__name")


@require_GET
def consultation_list(request):
    _team(request)
    if not access.is_clinical(request.user):
        raise Http404
    # 25 a page, the count bounded (sistra.core.pagination); only the columns shown are read: a patient's person
    # row carries her encrypted names, which this list never shows
    consultations = (selectors.consultation_list(request.user).select_related(None)
                     .select_related("patient__person", "community").only(*LIST_COLUMNS))
    page_obj = bounded_page(consultations, PAGE_SIZE, request.GET.get("page"))
    return render(request, "clinic/consultation_list.html", {"consultations": page_obj, "page_obj": page_obj})


@require_GET
def consultation_export(request):
    _team(request)
    if not access.is_clinical(request.user):
        raise Http404
    response = StreamingHttpResponse(
        exports.consultations_csv_blocks(request.user), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="consultas-clinica.csv"'
    return response


@require_GET
def screening_detail(request, screening_uuid):
    with transaction.atomic():
        screening = access.access_screening(request.user, screening_uuid)
        log_access(
            actor=request.user,
            instance=screening,
            person=screening.patient.person,
            fields=["indicators", "result", "action"],
            purpose=AccessLog.Purpose.HEALTH,
        )
    labels = dict(screening.Indicator.choices)
    return render(
        request,
        "clinic/screening_detail.html",
        {
            "screening": screening,
            "indicators": [labels.get(i, i) for i in screening.indicators],
        },
    )


@require_GET
def conflict_list(request):
    _team(request)
    conflicts = access.visible_conflicts(request.user).select_related("resolved_by")
    return render(request, "clinic/conflict_list.html", {"conflicts": conflicts})


@require_POST
def conflict_resolve(request, conflict_uuid):
    conflict = access.access_conflict(request.user, conflict_uuid)
    try:
        sync.conflict_resolve(
            actor=request.user,
            conflict=conflict,
            keep=request.POST.get("keep", ""),
            note=request.POST.get("note", ""),
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("Conflicto resuelto."))
    return redirect("clinic:conflicts")


@require_GET
def device_list(request):
    _team(request)
    devices = Device.objects.filter(user=request.user)
    team_devices = (
        Device.objects.filter(user__agency_id=request.user.agency_id)
        .exclude(user=request.user)
        .select_related("user")
        if access.is_supervisor(request.user)
        else Device.objects.none()
    )
    return render(request, "clinic/device_list.html", {"devices": devices, "team_devices": team_devices})


@require_POST
def device_revoke(request, device_uuid):
    _team(request)
    qs = Device.objects.filter(user__agency_id=request.user.agency_id)
    if not access.is_supervisor(request.user):
        qs = qs.filter(user=request.user)
    try:
        device = qs.get(uuid=device_uuid)
    except (Device.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None
    sync.device_revoke(actor=request.user, device=device)
    messages.success(request, _("Dispositivo revocado: ya no podrá sincronizar."))
    return redirect("clinic:devices")


# --- the offline app --------------------------------------------------------------------------------------


@require_GET
def offline_app(request):
    _team(request)
    return render(request, "clinic/app.html", {"can_screen": access.can_screen(request.user)})


SHELL_ASSETS = (
    "css/sistra.css",
    "js/sistra.js",
    "vendor/htmx/htmx.min.js",
    "clinic/app.js",
    "clinic/app.css",
    "vendor/idb/umd.js",
    "vendor/workbox/workbox-sw.js",
    "vendor/workbox/workbox-core.prod.js",
    "vendor/workbox/workbox-routing.prod.js",
    "vendor/workbox/workbox-strategies.prod.js",
)


@require_GET
def shell(request):
    """What the service worker caches on install: the app page and its static files."""
    _team(request)
    from django.urls import reverse

    return JsonResponse(
        {
            "urls": [reverse("clinic:app"), *(static(a) for a in SHELL_ASSETS)],
            "workbox": static("vendor/workbox/workbox-sw.js").rsplit("/", 1)[0],
        }
    )


@never_cache
@require_GET
def service_worker(request):
    path = finders.find("clinic/sw.js")
    if not path:
        raise Http404
    with open(path, "rb") as handle:
        response = HttpResponse(handle.read(), content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/clinica/"
    return response


@require_GET
def manifest(request):
    from django.urls import reverse

    return JsonResponse(
        {
            "name": _("SISTRA — Clínica móvil"),
            "short_name": _("Clínica"),
            "lang": "es-PE",
            "start_url": reverse("clinic:app"),
            "scope": "/clinica/",
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#1f4e79",
            "icons": [{"src": static("clinic/icon.svg"), "sizes": "any", "type": "image/svg+xml"}],
        },
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )
