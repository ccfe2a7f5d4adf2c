"""The background tasks of the HTCDS screen, for the worker to find (config.celery registers what this module
holds). Each is defined beside the job service that enqueues it (ADR 0170)."""

from .jobs import run_export_job, run_import_job

__all__ = ["run_export_job", "run_import_job"]
