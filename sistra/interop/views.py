"""The HTCDS screen for agency staff who may import or export: upload (xlsx, CSV of the XLSForm or the
encrypted ZIP), the validation report by row and column before anything is written, a preview of what will
be created, confirmation, progress of the background task, the report as CSV; and the export with a stated
purpose. A job is seen only by its author (anyone else: 404)."""

import csv

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sistra.accounts.capabilities import Capability, has_capability
from sistra.core.exports import new_archive_password

from . import jobs
from .models import ExchangeJob


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Archivo HTCDS (.xlsx, .csv o .zip cifrado)"))
    password = forms.CharField(
        label=gettext_lazy("Contraseña del ZIP (si está cifrado)"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        max_length=200,
    )
    skip_invalid = forms.BooleanField(label=gettext_lazy("Importar solo las filas válidas"), required=False)


class ExportForm(forms.Form):
    purpose = forms.CharField(label=gettext_lazy("Finalidad de la exportación"), max_length=200)


def _require_screen(user) -> None:
    if not jobs.may_use_screen(user):
        raise PermissionDenied


@never_cache
@require_http_methods(["GET", "POST"])
def home(request):
    user = request.user
    _require_screen(user)
    upload = UploadForm(prefix="imp")
    export = ExportForm(prefix="exp")
    if request.method == "POST":
        if "imp-file" in request.FILES or request.POST.get("action") == "import":
            upload = UploadForm(request.POST, request.FILES, prefix="imp")
            if upload.is_valid():
                try:
                    job = jobs.import_job_create(
                        actor=user,
                        upload=upload.cleaned_data["file"],
                        password=upload.cleaned_data["password"],
                        skip_invalid=upload.cleaned_data["skip_invalid"],
                    )
                except ValidationError as exc:
                    for message in exc.messages:
                        upload.add_error("file", message)
                else:
                    return redirect("interop:job", job_uuid=job.uuid)
        else:
            export = ExportForm(request.POST, prefix="exp")
            if export.is_valid():
                password = new_archive_password()
                try:
                    job = jobs.export_job_create(
                        actor=user, purpose=export.cleaned_data["purpose"], password=password
                    )
                except ValidationError as exc:
                    for message in exc.messages:
                        export.add_error("purpose", message)
                else:
                    return render(request, "interop/export_started.html", {"job": job, "password": password})
    return render(
        request,
        "interop/home.html",
        {
            "upload": upload,
            "export": export,
            "jobs": jobs.visible_jobs(user)[:20],
            "may_import": has_capability(user, Capability.DATA_IMPORT)
            and has_capability(user, Capability.ASSISTANCE_EDIT),
            "may_export": has_capability(user, Capability.DATA_EXPORT)
            and has_capability(user, Capability.ASSISTANCE_VIEW),
        },
    )


@never_cache
@require_GET
def job_detail(request, job_uuid):
    job = jobs.access_job(request.user, job_uuid)
    report = job.report or {}
    errors = report.get("errors", [])
    running = job.status in (ExchangeJob.Status.QUEUED, ExchangeJob.Status.RUNNING)
    return render(
        request,
        "interop/job.html",
        {
            "job": job,
            "report": report,
            "errors": errors,
            "running": running,
            "done": jobs.current_progress(job),
            "can_confirm": job.kind == ExchangeJob.Kind.IMPORT and job.status == ExchangeJob.Status.VALIDATED,
        },
    )


@require_POST
def job_confirm(request, job_uuid):
    job = jobs.access_job(request.user, job_uuid)
    try:
        jobs.import_job_confirm(actor=request.user, job=job)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("interop:job", job_uuid=job.uuid)


@never_cache
@require_GET
def job_report(request, job_uuid):
    """The report as CSV: row, column, message (row and column as in the file; no names)."""
    job = jobs.access_job(request.user, job_uuid)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="informe-htcds-{job.uuid}.csv"'
    writer = csv.writer(response)
    writer.writerow([_("fila"), _("columna"), _("resultado")])
    report = job.report or {}
    for error in report.get("errors", []):
        writer.writerow([error["row"] or _("archivo"), error["column"], error["message"]])
    imported = report.get("imported_rows", report.get("create", []) if job.status == "done" else [])
    for row in imported:
        writer.writerow([row, "", _("importada")])
    for row in report.get("unchanged", []):
        writer.writerow([row, "", _("sin cambios: ya estaba en SISTRA")])
    return response


@never_cache
@require_GET
def job_download(request, job_uuid):
    job = jobs.access_job(request.user, job_uuid)
    path = jobs.export_download_path(actor=request.user, job=job)
    if not path.exists():
        raise Http404
    return FileResponse(
        open(path, "rb"), as_attachment=True, filename=job.file_name, content_type="application/zip"
    )


def job_url(job) -> str:
    return reverse("interop:job", kwargs={"job_uuid": job.uuid})
