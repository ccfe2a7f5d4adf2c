"""`sistra totp USERNAME`: the current TOTP code of a demo user, so a demo can pass the MFA step without a
phone. Refused outside a demo or development machine: it reads a second factor out of the database."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from sistra.accounts.mfa import current_totp_code
from sistra.accounts.models import User


class Command(BaseCommand):
    help = _("Muestra el código TOTP vigente de un usuario de demostración (solo con DEBUG o SISTRA_DEMO).")

    def add_arguments(self, parser):
        parser.add_argument("username", help=_("Nombre de usuario."))

    def handle(self, *args, username: str, **options):
        if not (settings.DEBUG or getattr(settings, "SISTRA_DEMO", False)):
            raise CommandError(_(
                "Este comando solo funciona en una instalación de demostración o de desarrollo "
                "(DEBUG o SISTRA_DEMO activos)."
            ))
        user = User.objects.filter(username__iexact=username.strip()).first()
        if user is None:
            raise CommandError(_("No existe el usuario «%(username)s».") % {"username": username})
        code = current_totp_code(user)
        if code is None:
            raise CommandError(_("El usuario «%(username)s» no tiene configurada una aplicación de "
                                 "autenticación.") % {"username": user.username})
        self.stdout.write(code)
