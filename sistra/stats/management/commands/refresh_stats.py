"""Rebuild the aggregate tables now (or queue it). Schedule it nightly: `sistra refresh_stats --queue`."""

from django.core.management.base import BaseCommand
from django.utils import timezone


class Command(BaseCommand):
    help = "Recalcula las tablas agregadas de estadísticas (o encola el cálculo con --queue)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--queue", action="store_true", help="Encolar la tarea en lugar de ejecutarla aquí."
        )

    def handle(self, *args, queue: bool = False, **options):
        if queue:
            from sistra.stats.tasks import refresh_aggregates

            result = refresh_aggregates.enqueue()
            self.stdout.write(f"Tarea encolada: {result.id}")
            return
        from sistra.stats.aggregation import refresh_aggregates

        run = refresh_aggregates()
        when = timezone.localtime(run.started_at).strftime("%d/%m/%Y %H:%M")
        self.stdout.write(
            self.style.SUCCESS(
                f"Estadísticas actualizadas: datos al {when}, {run.seconds:.1f} s, {run.counts}"
            )
        )
