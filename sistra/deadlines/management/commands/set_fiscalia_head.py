"""Name the prosecutor who heads a fiscalía: `sistra set_fiscalia_head fistrap-cusco fiscal.cusco`."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Designa al fiscal que dirige una fiscalía (ve los plazos de todos sus casos y recibe su resumen)."

    def add_arguments(self, parser):
        parser.add_argument("agency", help="Código de la fiscalía.")
        parser.add_argument("username", help="Usuario del fiscal.")

    def handle(self, *args, agency: str, username: str, **options):
        from sistra.accounts.models import Agency, User
        from sistra.deadlines.services import fiscalia_head_designate

        fiscalia = Agency.objects.filter(code=agency).first()
        user = User.objects.filter(username=username).first()
        if fiscalia is None or user is None:
            raise CommandError("No existe esa fiscalía o ese usuario.")
        try:
            fiscalia_head_designate(actor=None, agency=fiscalia, user=user)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(self.style.SUCCESS(f"{user.username} dirige {fiscalia.name}."))
