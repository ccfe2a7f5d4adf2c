"""The HTCDS screen's jobs: an upload is stored privately and validated at once (nothing written to the
records), confirmed, then imported by a background task; an export with its stated purpose is written by a
background task. Every job is in the access log; the progress of a running job is in the cache (the import
runs in one transaction, so a row count in the database would only appear at the end)."""

import base64
import os
import shutil
import uuid
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from sistra.accounts.capabilities import Capability, has_capability
from sistra.audit.models import AccessLog

from .exchange import (
    _require_export,
    _require_import,
    htcds_assistance_export,
    htcds_assistance_import,
    htcds_validate,
)
from .htcds.intake import _ArchiveError, _unpacked
from .models import ExchangeJob
from .services import clean_export_purpose

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
ALLOWED_SUFFIXES = (".xlsx", ".zip", ".csv")


def job_dir() -> Path:
    directory = Path(settings.MEDIA_ROOT) / "exchange"
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    return directory


def _log(actor, job: ExchangeJob, detail: str, purpose: str) -> None:
    AccessLog.objects.create(
        actor=actor,
        actor_agency_id=actor.agency_id,
        model="interop.exchangejob",
        object_uuid=job.uuid,
        fields=[job.kind],
        purpose=purpose,
        # an import's file and report hold the identities it carries; an export takes them out
        kind=AccessLog.Kind.EXPORT_MADE if purpose == AccessLog.Purpose.EXPORT else AccessLog.Kind.IDENTITY_VIEWED,
        detail=detail[:300],
    )


# --- who sees which job -----------------------------------------------------------------------------------


def may_use_screen(actor) -> bool:
    return bool(getattr(actor, "agency_id", None)) and (
        has_capability(actor, Capability.DATA_IMPORT) or has_capability(actor, Capability.DATA_EXPORT)
    )


def visible_jobs(actor) -> QuerySet[ExchangeJob]:
    """A job is seen by its author only: the report names rows of a file they uploaded."""
    if not may_use_screen(actor):
        return ExchangeJob.objects.none()
    return ExchangeJob.objects.filter(created_by=actor, agency_id=actor.agency_id)


def access_job(actor, job_uuid) -> ExchangeJob:
    try:
        return visible_jobs(actor).get(uuid=job_uuid)
    except (ExchangeJob.DoesNotExist, ValidationError, ValueError, TypeError):
        raise Http404 from None


# --- import -----------------------------------------------------------------------------------------------


def _plan_report(plan) -> dict:
    return {
        "layout": plan.intake.layout,
        "rows": len(plan.intake.rows),
        "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in plan.errors],
        "invalid_rows": plan.invalid_rows,
        "create": plan.create,
        "unchanged": plan.unchanged,
        "notes": plan.notes,
    }


@transaction.atomic
def import_job_create(*, actor, upload, password: str = "", skip_invalid: bool = False) -> ExchangeJob:
    """Store the uploaded file (decrypted if it is the protected ZIP, readable by the server only) and
    validate it; nothing is written to the records."""
    _require_import(actor)
    name = os.path.basename(upload.name or "")
    suffix = Path(name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise ValidationError({"file": [_("Suba un libro de Excel (.xlsx), un CSV o el ZIP cifrado.")]})
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError({"file": [_("El archivo es demasiado grande (máximo 50 MB).")]})
    job = ExchangeJob.objects.create(
        kind=ExchangeJob.Kind.IMPORT,
        status=ExchangeJob.Status.VALIDATED,
        agency=actor.agency,
        created_by=actor,
        file_name=name[:200],
        skip_invalid=skip_invalid,
    )
    raw = job_dir() / f"{job.uuid}-upload{suffix}"
    with open(raw, "wb") as out:
        os.chmod(raw, 0o600)
        for chunk in upload.chunks():
            out.write(chunk)
    try:
        with _unpacked(raw, password or None) as (source, is_csv):
            stored = job_dir() / f"{job.uuid}{'.csv' if is_csv else '.xlsx'}"
            shutil.copyfile(source, stored)
            os.chmod(stored, 0o600)
    except _ArchiveError as exc:
        stored = None
        job.report = {
            "rows": 0,
            "errors": [{"row": 0, "column": "", "message": str(exc)}],
            "invalid_rows": [],
            "create": [],
            "unchanged": [],
            "notes": [],
        }
    finally:
        if raw.exists() and (stored is None or raw != stored):
            raw.unlink()
    if stored is not None:
        job.stored_path = stored.name
        job.report = _plan_report(htcds_validate(actor=actor, path=stored))
    refused = (
        any(e["row"] <= 1 for e in job.report["errors"])
        or (job.report["errors"] and not skip_invalid)
        or not job.report["create"]
    )
    job.status = ExchangeJob.Status.REFUSED if refused else ExchangeJob.Status.VALIDATED
    job.total = len(job.report["create"])
    job.save()
    _log(
        actor,
        job,
        _("Importación HTCDS: archivo %(name)s validado, %(rows)s filas.")
        % {"name": job.file_name, "rows": job.report["rows"]},
        AccessLog.Purpose.ASSISTANCE,
    )
    return job


def import_job_confirm(*, actor, job: ExchangeJob) -> ExchangeJob:
    _require_import(actor)
    if job.kind != ExchangeJob.Kind.IMPORT or job.status != ExchangeJob.Status.VALIDATED:
        raise ValidationError(_("Este archivo no está pendiente de confirmación."))
    ExchangeJob.objects.filter(pk=job.pk).update(status=ExchangeJob.Status.QUEUED)
    job.refresh_from_db()
    transaction.on_commit(lambda: run_import_job.enqueue(str(job.uuid)))
    return job


def progress_key(job: ExchangeJob) -> str:
    return f"interop:job:{job.uuid}:done"


def current_progress(job: ExchangeJob) -> int:
    if job.status == ExchangeJob.Status.RUNNING:
        return int(cache.get(progress_key(job), job.done))
    return job.done


def run_import(job_uuid: str) -> None:
    job = ExchangeJob.objects.select_related("created_by", "created_by__agency").get(uuid=job_uuid)
    if job.status != ExchangeJob.Status.QUEUED:
        return
    ExchangeJob.objects.filter(pk=job.pk).update(status=ExchangeJob.Status.RUNNING)
    job.status = ExchangeJob.Status.RUNNING
    path = job_dir() / job.stored_path

    def progress(done, total):
        cache.set(progress_key(job), done, 3600)

    try:
        report = htcds_assistance_import(
            actor=job.created_by, path=path, skip_invalid=job.skip_invalid, progress=progress
        )
    except Exception:
        ExchangeJob.objects.filter(pk=job.pk).update(
            status=ExchangeJob.Status.FAILED, finished_at=timezone.now()
        )
        raise
    finally:
        if path.exists():
            path.unlink()  # the victims' data stays in the records, not in a loose file
    job.report = job.report | {
        "imported_rows": report.imported_rows,
        "committed": report.committed,
        "created": dict(report.created),
        "unchanged_count": dict(report.unchanged),
        "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in report.errors],
    }
    job.status = ExchangeJob.Status.DONE if report.committed else ExchangeJob.Status.REFUSED
    job.done = len(report.imported_rows)
    job.stored_path = ""
    job.finished_at = timezone.now()
    job.save()


# --- export -----------------------------------------------------------------------------------------------


def seal_password(password: str) -> str:
    """The archive's password as the task queue carries it: AES-GCM under a key derived from SECRET_KEY, so that
    a copy of the queue (the database backend's task table, Redis) does not open the archive."""
    nonce = os.urandom(12)
    sealed = AESGCM(_password_key()).encrypt(nonce, password.encode(), b"sistra-export-password")
    return base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def unseal_password(token: str) -> str:
    raw = base64.urlsafe_b64decode(token.encode("ascii"))
    return AESGCM(_password_key()).decrypt(raw[:12], raw[12:], b"sistra-export-password").decode()


def _password_key() -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"sistra-export-password").derive(
        settings.SECRET_KEY.encode()
    )


def export_job_create(*, actor, purpose: str, password: str) -> ExchangeJob:
    """Queue the export; the password (shown once to the user) protects the archive and is kept nowhere: the
    task carries it sealed (seal_password)."""
    _require_export(actor)
    purpose = clean_export_purpose(purpose)
    job = ExchangeJob.objects.create(
        kind=ExchangeJob.Kind.EXPORT,
        status=ExchangeJob.Status.QUEUED,
        agency=actor.agency,
        created_by=actor,
        purpose=purpose,
        file_name=f"htcds-{timezone.localdate():%Y%m%d}-{uuid.uuid4().hex[:6]}.zip",
    )
    _log(
        actor,
        job,
        _("Exportación HTCDS solicitada: %(purpose)s") % {"purpose": purpose},
        AccessLog.Purpose.EXPORT,
    )
    sealed = seal_password(password)
    transaction.on_commit(lambda: run_export_job.enqueue(str(job.uuid), sealed))
    return job


def run_export(job_uuid: str, password: str) -> None:
    job = ExchangeJob.objects.select_related("created_by", "created_by__agency").get(uuid=job_uuid)
    if job.status != ExchangeJob.Status.QUEUED:
        return
    ExchangeJob.objects.filter(pk=job.pk).update(status=ExchangeJob.Status.RUNNING)
    path = job_dir() / f"{job.uuid}.zip"

    def progress(done, total):
        ExchangeJob.objects.filter(pk=job.pk).update(done=done, total=total)

    try:
        report = htcds_assistance_export(
            actor=job.created_by, path=path, purpose=job.purpose, password=password, progress=progress
        )
    except (PermissionDenied, ValidationError) as exc:
        ExchangeJob.objects.filter(pk=job.pk).update(
            status=ExchangeJob.Status.REFUSED,
            finished_at=timezone.now(),
            report={
                "errors": [
                    {"row": 0, "column": "", "message": " ".join(getattr(exc, "messages", [str(exc)]))}
                ]
            },
        )
        return
    except Exception:
        ExchangeJob.objects.filter(pk=job.pk).update(
            status=ExchangeJob.Status.FAILED, finished_at=timezone.now()
        )
        raise
    ExchangeJob.objects.filter(pk=job.pk).update(
        status=ExchangeJob.Status.DONE,
        stored_path=path.name,
        done=report.rows,
        total=report.rows,
        finished_at=timezone.now(),
        report={"rows": report.rows, "errors": []},
    )


def export_download_path(*, actor, job: ExchangeJob) -> Path:
    """The archive of a finished export, for its author; the download is in the access log."""
    if job.kind != ExchangeJob.Kind.EXPORT or job.status != ExchangeJob.Status.DONE or not job.stored_path:
        raise Http404
    path = job_dir() / job.stored_path
    if not path.exists():
        raise Http404
    _log(
        actor,
        job,
        _("Descarga del archivo de la exportación HTCDS: %(purpose)s") % {"purpose": job.purpose},
        AccessLog.Purpose.EXPORT,
    )
    return path


# --- background work (Django's tasks API): defined beside the service that enqueues it, so that services and
# tasks form no import circle; tasks.py lists the tasks for the worker (ADR 0170). Tasks take public
# identifiers.


@task
def run_import_job(job_uuid: str) -> None:
    run_import(job_uuid)


@task
def run_export_job(job_uuid: str, sealed_password: str) -> None:
    # the password travels with the task only, sealed: it is shown once to the user and stored nowhere else
    run_export(job_uuid, unseal_password(sealed_password))
