"""Background work of the HTCDS screen (Django's tasks API). Tasks take public identifiers and call the job
services."""

from django.tasks import task


@task
def run_import_job(job_uuid: str) -> None:
    from .jobs import run_import

    run_import(job_uuid)


@task
def run_export_job(job_uuid: str, password: str) -> None:
    # the password travels with the task only: it is shown once to the user and stored nowhere else
    from .jobs import run_export

    run_export(job_uuid, password)
