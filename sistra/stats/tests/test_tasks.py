from io import StringIO

from django.core.management import call_command

from sistra.stats.aggregation import current_run
from sistra.stats.models import AggregateRun
from sistra.stats.tasks import refresh_aggregates


def test_the_background_task_builds_a_snapshot(handmade):
    result = refresh_aggregates.enqueue()
    assert result.return_value == current_run().pk
    assert current_run().counts["fact_cases"] == 3


def test_the_command_refreshes_and_reports_the_time_of_the_data(handmade):
    out = StringIO()
    call_command("refresh_stats", stdout=out)
    assert "datos al" in out.getvalue()
    assert AggregateRun.objects.filter(status=AggregateRun.Status.DONE).count() == 1


def test_the_command_can_queue_the_task(handmade):
    out = StringIO()
    call_command("refresh_stats", "--queue", stdout=out)
    assert "Tarea encolada" in out.getvalue()
    assert current_run() is not None
