"""The assistance tasks on Celery with Redis (marked `celery`: CI runs them with TASKS_BACKEND=celery)."""

import datetime

import pytest
from django.utils import timezone

from sistra.assistance import services
from sistra.assistance.models import Referral, ReferralAlert
from sistra.assistance.tasks import check_overdue_referrals
from sistra.core.testing import wait_for

from .conftest import service

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def test_a_celery_worker_raises_the_overdue_referral_alerts(
    celery_worker, clinic_case, health_worker, mimp, mimp_worker
):
    referral = services.referral_send(
        actor=health_worker,
        case=clinic_case,
        to_agency=mimp,
        services=[service("shelter")],
        due_on=timezone.localdate() + datetime.timedelta(days=3),
    )
    Referral.objects.filter(pk=referral.pk).update(due_on=timezone.localdate() - datetime.timedelta(days=1))

    assert wait_for(celery_worker, check_overdue_referrals.enqueue()) == 2
    assert ReferralAlert.objects.filter(referral=referral).count() == 2


def test_a_referral_schedules_its_overdue_check_on_celery_for_the_day_after_it_falls_due(
    celery_worker, clinic_case, health_worker, mimp, mimp_worker
):
    referral = services.referral_send(
        actor=health_worker,
        case=clinic_case,
        to_agency=mimp,
        services=[service("shelter")],
        due_on=timezone.localdate() + datetime.timedelta(days=3),
    )

    # the worker holds the deferred message until its ETA: it is reserved or scheduled, not lost or run now
    scheduled = celery_worker.control.inspect(timeout=5).scheduled() or {}
    etas = [item["eta"] for items in scheduled.values() for item in items]
    assert len(etas) == 1
    eta = datetime.datetime.fromisoformat(etas[0])
    assert timezone.localtime(eta).date() == referral.due_on + datetime.timedelta(days=1)
