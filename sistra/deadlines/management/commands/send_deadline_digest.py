"""Send today's deadline digest now (or queue it). Schedule it daily: `sistra send_deadline_digest --queue`."""

import datetime

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Envía el resumen diario de plazos (aviso en SISTRA y correo) o lo encola con --queue."

    def add_arguments(self, parser):
        parser.add_argument(
            "--queue", action="store_true", help="Encolar la tarea en lugar de ejecutarla aquí."
        )
        parser.add_argument("--date", help="Día del resumen (AAAA-MM-DD); por omisión, hoy en Lima.")

    def handle(self, *args, queue: bool = False, date: str | None = None, **options):
        if queue:
            from sistra.deadlines.tasks import send_deadline_digests

            result = send_deadline_digests.enqueue()
            self.stdout.write(f"Tarea encolada: {result.id}")
            return
        from sistra.deadlines.services import deadline_digest_send

        try:
            day = datetime.date.fromisoformat(date) if date else None
        except ValueError:
            raise CommandError("Fecha no válida: use AAAA-MM-DD.") from None
        sent = deadline_digest_send(today=day)
        self.stdout.write(self.style.SUCCESS(f"Resúmenes de plazos enviados: {sent}"))
