"""Refresh of the aggregate tables: a new AggregateRun is written beside the current one, in short
transactions, and becomes current only when complete; older runs are then deleted. Readers never see half a
refresh and never wait for one."""

import logging
import time

from django.db import transaction
from django.utils import timezone

from .db import bulk_insert
from .models import AggregateCell, AggregateRun
from .sources import CellSink, available_sources

logger = logging.getLogger(__name__)

CELL_FIELDS = ("run", "figure", "year", "scope", "scope_value", "key", "value", "histogram")


def current_run() -> AggregateRun | None:
    return AggregateRun.objects.filter(status=AggregateRun.Status.DONE).order_by("-started_at", "-id").first()


def refresh_aggregates() -> AggregateRun:
    """Rebuild every figure of every available source. Returns the finished run (or the failed one)."""
    started = time.perf_counter()
    run = AggregateRun.objects.create(started_at=timezone.now())
    counts: dict[str, int] = {}
    sources = available_sources()
    try:

        def write(cells: CellSink) -> int:
            return bulk_insert(
                AggregateCell,
                CELL_FIELDS,
                (
                    (run.pk, figure, year, scope, scope_value, key, value, histogram)
                    for (figure, year, scope, scope_value, key), value, histogram in cells
                ),
            )

        sink = CellSink(writer=write)
        for source in sources:
            counts.update(source.build(run=run, sink=sink))
            sink.flush()
        counts["cells"] = sink.written
    except Exception as exc:
        AggregateRun.objects.filter(pk=run.pk).update(
            status=AggregateRun.Status.FAILED,
            finished_at=timezone.now(),
            error=type(exc).__name__[:300],
            seconds=time.perf_counter() - started,
        )
        logger.exception("stats refresh failed (run %s)", run.pk)
        _delete_run(run.pk)
        raise
    with transaction.atomic():
        run.status = AggregateRun.Status.DONE
        run.finished_at = timezone.now()
        run.seconds = time.perf_counter() - started
        run.sources = [s.code for s in sources]
        run.counts = counts
        run.save(update_fields=["status", "finished_at", "seconds", "sources", "counts"])
    _drop_older_than(run)
    logger.info("stats refresh done: run %s, %.1f s, %s", run.pk, run.seconds, counts)
    return run


def _delete_run(run_id: int) -> None:
    from .models import FactCase, FactVictim

    for model in (AggregateCell, FactVictim, FactCase):
        model.objects.filter(run_id=run_id).delete()


def _drop_older_than(run: AggregateRun) -> None:
    """Keep the new run and any run still being written (a concurrent refresh); delete the others' data."""
    old = list(
        AggregateRun.objects.exclude(pk=run.pk)
        .exclude(status=AggregateRun.Status.RUNNING)
        .filter(started_at__lte=run.started_at)
        .values_list("pk", flat=True)
    )
    for pk in old:
        _delete_run(pk)
    # the rows of failed runs are already gone; keep their record for the history of refreshes
    AggregateRun.objects.filter(pk__in=old, status=AggregateRun.Status.DONE).delete()
