"""The statistics tasks on Celery with Redis (marked `celery`: CI runs them with TASKS_BACKEND=celery)."""

import pytest

from sistra.core.testing import wait_for
from sistra.stats.aggregation import current_run
from sistra.stats.tasks import refresh_aggregates

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def test_a_celery_worker_builds_the_snapshot_from_the_committed_registry(celery_worker, handmade):
    queued = refresh_aggregates.enqueue()

    run_id = wait_for(celery_worker, queued)

    assert run_id == current_run().pk
    assert current_run().counts["fact_cases"] == 3


def test_the_task_goes_to_the_statistics_queue(celery_worker, handmade):
    queued = refresh_aggregates.enqueue()
    wait_for(celery_worker, queued)

    result = refresh_aggregates.get_backend().get_result(queued.id)
    assert result.status == "SUCCESSFUL"
    assert result.return_value == current_run().pk
