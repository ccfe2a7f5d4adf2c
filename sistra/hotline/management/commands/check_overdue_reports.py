"""sistra check_overdue_reports — queue the check that marks police reports not acknowledged in time.
Run it from cron (or the platform's scheduler) every few minutes; the task itself is idempotent."""

from django.core.management.base import BaseCommand

from sistra.hotline.tasks import check_overdue_reports


class Command(BaseCommand):
    help = "Encola la revisión de reportes a la policía sin acuse de recibo en el plazo."

    def handle(self, *args, **options):
        result = check_overdue_reports.enqueue()
        self.stdout.write(f"Revisión encolada ({result.id}).")
