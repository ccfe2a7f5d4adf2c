"""`sistra demo`: a working SISTRA on this machine in one command."""

import os
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from sistra.accounts.capabilities import Role
from sistra.accounts.mfa import passkey_required
from sistra.core.demo import DEMO_PASSWORD, load_demo_data


class Command(BaseCommand):
    help = _(
        "Prepara una demostración: aplica las migraciones, carga instituciones, un usuario por rol y casos "
        "sintéticos (solo lo que falte), muestra los accesos y sirve la aplicación en "
        "http://127.0.0.1:PUERTO."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--port",
            type=int,
            default=int(os.environ.get("PORT") or 8000),
            help=_("Puerto local (por defecto la variable PORT o 8000)."),
        )
        parser.add_argument(
            "--no-serve",
            action="store_true",
            help=_("Prepara los datos y muestra los accesos, sin iniciar el servidor."),
        )

    def handle(self, *args, port: int, no_serve: bool, **options):
        self.stdout.write(_("Aplicando migraciones…"))
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(_("Cargando datos de demostración (instituciones, usuarios y casos sintéticos)…"))
        result = load_demo_data()
        self.stdout.write(
            _(
                "Creados: %(agencies)d instituciones, %(users)d usuarios, %(cases)d casos, %(shares)d casos "
                "compartidos (lo que ya existía no se modifica)."
            )
            % {
                "agencies": result.agencies_created,
                "users": result.users_created,
                "cases": result.cases_created,
                "shares": result.shares_created,
            }
        )
        if result.parts:
            self.stdout.write(
                _("Datos de demostración de cada parte (registros creados): %(parts)s")
                % {"parts": ", ".join(f"{key} {count}" for key, count in result.parts.items()
                                      if key not in ("cases", "case_shares"))}
            )
        # the short form of the agency's name ("FISTRAP Cusco"), so the table fits a terminal
        rows = [
            (
                u.username,
                str(Role(u.role).label),
                u.agency.name.split(" — ")[0] if u.agency_id else "—",
                DEMO_PASSWORD,
                _("sí") if u.username in result.mfa_users else _("no"),
            )
            for u in result.users
        ]
        header = (_("Usuario"), _("Rol"), _("Institución"), _("Contraseña"), _("Código TOTP"))
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        line = "  ".join(f"{{:<{w}}}" for w in widths)
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(line.format(*header)))
        for row in rows:
            self.stdout.write(line.format(*row))
        self.stdout.write("")
        self.stdout.write(
            _("Contraseña de todas las cuentas de demostración: %(password)s") % {"password": DEMO_PASSWORD}
        )
        if result.mfa_users:
            self.stdout.write(
                _(
                    "Los roles que ven la identidad de las víctimas piden además un código de verificación "
                    "(TOTP): obténgalo con «sistra totp USUARIO», por ejemplo "
                    "«.venv/bin/sistra totp %(user)s»."
                )
                % {"user": result.mfa_users[0]}
            )
        admins = [u.username for u in result.users if passkey_required(u)]
        if admins:
            self.stdout.write(
                _(
                    "Los administradores (%(users)s) registran una llave de acceso (passkey) al entrar: los "
                    "navegadores solo la aceptan en http://localhost:%(port)s/, no en 127.0.0.1."
                )
                % {"users": ", ".join(admins), "port": port}
            )
        url = f"http://127.0.0.1:{port}/"
        self.stdout.write(self.style.SUCCESS(_("Abra %(url)s en su navegador.") % {"url": url}))
        self.stdout.write(_("Calculando las estadísticas…"))
        call_command("refresh_stats", verbosity=0)
        if no_serve:
            return
        if not settings.DEBUG:
            # served by WhiteNoise from STATIC_ROOT, as in production
            call_command("collectstatic", interactive=False, verbosity=0)
        # the background-task worker runs beside the web server, so nothing has to be started by hand
        worker = subprocess.Popen(
            [sys.executable, "-m", "config.manage", "db_worker", "--queue-name", "*", "--no-startup-delay"],
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.demo"),
            },
        )
        self.stdout.write(_("Trabajador de tareas en segundo plano iniciado (sistra db_worker)."))
        try:
            # no autoreloader: it would start this command (migrate, demo data) a second time in a child process
            call_command("runserver", f"127.0.0.1:{port}", use_reloader=False)
        finally:
            worker.terminate()
            worker.wait(timeout=10)
