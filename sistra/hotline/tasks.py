"""Background work of the hotline (Django's tasks API). Tasks take public identifiers and call services."""

from django.tasks import task

from .models import PoliceReport


@task
def render_report_pdf(report_uuid: str) -> int:
    """Render and keep the printable report; returns its size in bytes (0 if the report is gone)."""
    from .services import police_report_store_pdf

    report = PoliceReport.objects.select_related("contact", "recipient", "sent_by").filter(uuid=report_uuid).first()
    if report is None:
        return 0
    return len(police_report_store_pdf(report=report))


@task
def check_overdue_reports() -> int:
    """Mark the reports whose acknowledgement is overdue; run it every few minutes (see ADR 0005)."""
    from .services import flag_overdue_reports

    return flag_overdue_reports()
