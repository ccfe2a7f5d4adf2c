"""The hotline tasks on Celery with Redis (marked `celery`: CI runs them with TASKS_BACKEND=celery)."""

import pytest

from sistra.core.testing import wait_for
from sistra.hotline import services
from sistra.hotline.models import PoliceReport
from sistra.hotline.tasks import check_overdue_reports, render_report_pdf

from .conftest import minutes_ago

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def test_a_celery_worker_flags_the_overdue_reports_once(celery_worker, operator, contact, police_unit):
    report = services.police_report_send(
        actor=operator, contact=contact, recipient=police_unit, facts="Hechos"
    )
    PoliceReport.objects.filter(pk=report.pk).update(sent_at=minutes_ago(60 * 48), ack_due_at=minutes_ago(60))

    assert wait_for(celery_worker, check_overdue_reports.enqueue()) == 1
    assert wait_for(celery_worker, check_overdue_reports.enqueue()) == 0
    report.refresh_from_db()
    assert report.overdue_flagged_at is not None


def test_a_celery_worker_renders_the_police_report_pdf(celery_worker, operator, contact, police_unit):
    report = services.police_report_send(
        actor=operator, contact=contact, recipient=police_unit, facts="Hechos"
    )

    size = wait_for(celery_worker, render_report_pdf.enqueue(str(report.uuid)))

    assert size > 1000
    report.refresh_from_db()
    assert bytes(report.pdf).startswith(b"%PDF")
