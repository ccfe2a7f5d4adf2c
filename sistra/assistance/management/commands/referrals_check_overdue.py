from django.core.management.base import BaseCommand

from sistra.assistance.tasks import check_overdue_referrals


class Command(BaseCommand):
    help = "Encola la revisión de derivaciones vencidas (alertas en los tableros de las instituciones)."

    def handle(self, *args, **options):
        result = check_overdue_referrals.enqueue()
        self.stdout.write(f"Revisión de derivaciones vencidas encolada ({result.id}).")
