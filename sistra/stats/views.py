"""Pages of the statistics part: dashboard, maps, exports, the annual report, the National Plan indicators
and open data. They read only the aggregates; a figure links to the case list, which applies access itself.
Aggregates hold no identities, but the pages are still private (no caching by proxies)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from sistra.accounts.capabilities import Capability

from . import services
from .dashboard import build_dashboard, build_map, extra_sections, map_options
from .disclosure import SUPPRESSED
from .exports import to_csv, to_xlsx
from .forms import OpenDataReleaseForm, StatsFilterForm
from .indicators import national_plan_indicators
from .models import OpenDataRelease
from .pagecache import rendered_for_run, run_cached
from .reports import annual_report, render_pdf
from .selectors import available_years, latest_run, load_figures
from .sources import find_figure
from .tables import category_table, durations_table, series_table, year_table

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _require(user, capability: Capability) -> None:
    if not user.can(capability):
        raise PermissionDenied


def _context(request, **extra) -> dict:
    run = latest_run()
    form = StatsFilterForm(request.GET)
    filters = form.filters()
    return {
        "run": run,
        "form": form,
        "filters": filters,
        "query": urlencode(filters.query()),
        "can_publish": request.user.can(Capability.OPEN_DATA_PUBLISH),
        "can_drill": request.user.can(Capability.CASE_VIEW),
        **extra,
    }


@never_cache
@require_GET
def dashboard(request):
    _require(request.user, Capability.STATS_VIEW)
    context = _context(request)
    run, filters = context["run"], context["filters"]
    # the figures of the run, rendered once per filters, language and whether bars link to the case list
    context["body"] = rendered_for_run(
        run,
        ("dashboard", context["query"], context["can_drill"]),
        "stats/_dashboard_body.html",
        lambda: {**context, **build_dashboard(run, filters, request.user, extra=False)},
        request,
    )
    context["sections"] = extra_sections(request.user, filters)
    context["years"] = available_years(run)
    return render(request, "stats/dashboard.html", context)


@never_cache
@require_GET
def map_view(request):
    _require(request.user, Capability.STATS_VIEW)
    context = _context(request)
    run, filters = context["run"], context["filters"]
    context.update(map_options(request.GET.get("medida"), request.GET.get("nivel")))
    measure, level = context["measure"], context["level"]
    context["body"] = rendered_for_run(
        run,
        ("map", context["query"], context["can_drill"], measure, level),
        "stats/_map_body.html",
        lambda: {**context, **build_map(run, filters, request.user, measure=measure, level=level)},
        request,
    )
    return render(request, "stats/map.html", context)


@never_cache
@require_POST
def refresh(request):
    _require(request.user, Capability.STATS_VIEW)
    if services.aggregates_refresh_request(actor=request.user):
        messages.success(
            request, _("Se pidió actualizar las estadísticas; las cifras nuevas aparecerán en unos minutos.")
        )
    else:
        messages.info(request, _("Las estadísticas se están actualizando o se actualizaron hace un momento."))
    return redirect("stats:dashboard")


@never_cache
@require_GET
def export_table(request, code: str, fmt: str):
    """Any figure as a table (categories × years) with small cells suppressed: it leaves SISTRA."""
    _require(request.user, Capability.STATS_VIEW)
    figure = find_figure(code)
    if figure is None or fmt not in CONTENT_TYPES:
        raise Http404
    context = _context(request)
    run, filters = context["run"], context["filters"]
    data = load_figures(run, filters, [code])[code]
    if not data.available:
        raise Http404
    if figure.distribution:
        table = durations_table(data, protect=True)
    elif code in {
        "cases_total",
        "victims_total",
        "convictions_by_year",
        "convicted_persons_by_year",
        "hotline_contacts_total",
    }:
        table = series_table(data, protect=True)
        table.total_row = None
    else:
        years = sorted({y for y, _k in data.cells})
        table = year_table(data, years, protect=True) if years else category_table(data, protect=True)
    header, rows = table.as_rows()
    notes = [_("«%(x)s»: dato reservado (celda pequeña o supresión complementaria).") % {"x": SUPPRESSED}]
    if run:
        notes.append(
            _("Datos al %(when)s.") % {"when": timezone.localtime(run.started_at).strftime("%d/%m/%Y %H:%M")}
        )
    if figure.note:
        notes.append(str(figure.note))
    name = slugify(str(figure.title))[:60] or code
    if fmt == "csv":
        body = to_csv(header, [*rows, [], *[[n] for n in notes]])
    else:
        body = to_xlsx(header, rows, title=str(figure.title), notes=notes)
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def _year(value) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 1990 <= year <= timezone.localdate().year:
        raise Http404
    return year


@never_cache
@require_GET
def report_latest(request):
    """The report of the year asked for (?anio=), else of the last year with data."""
    _require(request.user, Capability.STATS_VIEW)
    years = available_years(latest_run())
    year = request.GET.get("anio") or (years[-1] if years else timezone.localdate().year)
    return redirect("stats:report", year=_year(year))


@never_cache
@require_GET
def report(request, year: int):
    _require(request.user, Capability.STATS_VIEW)
    year = _year(year)
    run = latest_run()
    # the published (protected) figures of the run: the same for every reader
    context = {
        "year": year,
        "years": available_years(run),
        "body": rendered_for_run(
            run, ("report", year), "stats/_report_body.html", lambda: annual_report(run, year), request
        ),
    }
    return render(request, "stats/report_annual.html", context)


@never_cache
@require_GET
def report_pdf(request, year: int):
    _require(request.user, Capability.STATS_VIEW)
    year = _year(year)
    context = annual_report(latest_run(), year)
    response = HttpResponse(render_pdf(context, request=request), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="sistra-informe-anual-{year}.pdf"'
    return response


@never_cache
@require_GET
def indicators(request):
    _require(request.user, Capability.STATS_VIEW)
    context = _context(request)
    run = context["run"]
    years = available_years(run)
    try:
        year = int(request.GET.get("anio") or (years[-1] if years else timezone.localdate().year))
    except ValueError:
        year = years[-1] if years else timezone.localdate().year
    fmt = request.GET.get("formato")
    if fmt in CONTENT_TYPES:
        # a download leaves SISTRA: protected like any publication
        rows = [
            [
                i.code,
                i.name,
                i.unit,
                SUPPRESSED
                if i.value is None and i.available
                else (round(i.value, 1) if isinstance(i.value, float) else i.value),
                i.definition,
            ]
            for i in national_plan_indicators(run, year, filters=context["filters"], protect=True)
        ]
        header = [_("Código"), _("Indicador"), _("Unidad"), str(year), _("Definición")]
        body = to_csv(header, rows) if fmt == "csv" else to_xlsx(header, rows, title=_("Indicadores"))
        response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="indicadores-plan-nacional-{year}.{fmt}"'
        return response
    context.update(
        {
            "year": year,
            "years": years,
            # the run's figures: the same list for the same year, filters and language until the next refresh
            "indicators": run_cached(
                run,
                ("indicators", year, context["query"]),
                lambda: list(national_plan_indicators(run, year, filters=context["filters"])),
            ),
        }
    )
    return render(request, "stats/indicators.html", context)


@never_cache
def open_data(request):
    _require(request.user, Capability.STATS_VIEW)
    can_publish = request.user.can(Capability.OPEN_DATA_PUBLISH)
    form = OpenDataReleaseForm(
        request.POST or None,
        initial={"year_to": timezone.localdate().year - 1, "year_from": timezone.localdate().year - 5},
    )
    if request.method == "POST":
        if not can_publish:
            raise PermissionDenied
        if form.is_valid():
            try:
                release = services.open_data_release_request(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                for field_name, errors in exc.message_dict.items():
                    form.add_error(None if field_name == "__all__" else field_name, errors)
            else:
                messages.success(
                    request, _("Publicación solicitada; los archivos estarán listos en unos minutos.")
                )
                return redirect("stats:open_data_detail", release_uuid=release.uuid)
    elif request.method != "GET":
        return HttpResponse(status=405)
    releases = OpenDataRelease.objects.select_related("created_by").order_by("-created_at")[:50]
    return render(
        request,
        "stats/open_data.html",
        {"form": form, "releases": releases, "can_publish": can_publish, "run": latest_run()},
    )


def _release(request, release_uuid) -> OpenDataRelease:
    _require(request.user, Capability.STATS_VIEW)
    release = OpenDataRelease.objects.select_related("created_by").filter(uuid=release_uuid).first()
    if release is None:
        raise Http404
    return release


@never_cache
@require_GET
def open_data_detail(request, release_uuid):
    release = _release(request, release_uuid)
    return render(
        request,
        "stats/open_data_detail.html",
        {
            "release": release,
            "spent_here": sum(s.epsilon for s in release.spends.all()),
            "budgets": services.privacy_budgets(release.year_from, release.year_to),
        },
    )


@never_cache
@require_GET
def open_data_file(request, release_uuid, name: str):
    release = _release(request, release_uuid)
    handle = services.release_file_open(release, name) if release.status == OpenDataRelease.Status.READY else None
    if handle is None:
        raise Http404
    content_type = "application/json" if name.endswith(".json") else CONTENT_TYPES["csv"]
    # sent in blocks from the storage: the CTDC file grows with the registry
    return FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)
