"""`sistra import FORMAT FILE`: import an exchange file in the name of a user (formats:
sistra.interop.services.FORMATS): a plain workbook, or the password-protected ZIP that `sistra export`
writes."""

import sys
from getpass import getpass
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sistra.interop.selectors import ActorNotFound, command_actor
from sistra.interop.services import ENTITIES, FORMATS, ImportReport

ENTITY_LABELS = {
    "cases": gettext_lazy("Casos"),
    "persons": gettext_lazy("Personas"),
    "victims": gettext_lazy("Víctimas"),
    "places": gettext_lazy("Lugares"),
}


class Command(BaseCommand):
    help_text = gettext_lazy(
        "Importa un archivo de intercambio (htcds: plantilla Excel HTCDS v2, .xlsx, o el ZIP cifrado que "
        "produce «sistra export», con --password) a nombre de un usuario. Valida todas las filas antes de "
        "escribir: si alguna tiene errores no importa nada, salvo con --skip-invalid."
    )

    @property
    def help(self) -> str:  # argparse needs a str, not a lazy translation
        return str(self.help_text)

    def add_arguments(self, parser):
        parser.add_argument(
            "format",
            choices=sorted(code for code, f in FORMATS.items() if f.importer),
            help=_("formato del archivo"),
        )
        parser.add_argument("path", help=_("archivo a importar (.xlsx, o .zip cifrado)"))
        parser.add_argument(
            "--password",
            help=_(
                "contraseña del archivo ZIP cifrado (si se omite en una terminal, se pregunta sin mostrarla)"
            ),
        )
        parser.add_argument(
            "--skip-invalid", action="store_true", help=_("importar las filas válidas y reportar las demás")
        )
        parser.add_argument("--agency", help=_("código de la institución que importa"))
        parser.add_argument(
            "--user", help=_("usuario a cuyo nombre se importa (por defecto, un fiscal de --agency)")
        )

    def handle(self, *args, **options):
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(_("No existe el archivo %(path)s.") % {"path": path})
        password = options["password"]
        if password is None and path.suffix.lower() == ".zip" and sys.stdin.isatty():
            # asked, not typed on the command line, so it stays out of the shell history and the process list
            password = getpass(_("Contraseña del archivo ZIP: ")) or None
        try:
            actor = command_actor(agency_code=options["agency"], username=options["user"])
            report = FORMATS[options["format"]].importer(
                actor=actor, path=path, skip_invalid=options["skip_invalid"], password=password
            )
        except (ActorNotFound, PermissionDenied) as exc:
            raise CommandError(str(exc)) from None
        self.print_report(report)
        if report.refused:
            whole_file = [e.message for e in report.errors if e.row == 0]
            if whole_file:
                # the file could not be read at all (not a workbook, a wrong password): no row to skip
                raise CommandError(_("No se importó nada: %(reason)s") % {"reason": " ".join(whole_file)})
            if report.errors:
                raise CommandError(
                    _(
                        "No se importó nada: %(count)s error(es). Corrija el archivo o use "
                        "--skip-invalid para importar solo las filas válidas."
                    )
                    % {"count": len(report.errors)}
                )
            raise CommandError(_("No se importó nada: el archivo no tiene filas de datos."))

    def print_report(self, report: ImportReport) -> None:
        out = self.stdout
        out.write(_("Filas leídas: %(count)s") % {"count": report.rows_read})
        if report.committed:
            out.write(_("Filas importadas: %(count)s") % {"count": len(report.imported_rows)})
            for entity in ENTITIES:
                out.write(
                    _("%(entity)s: %(created)s registros nuevos, %(unchanged)s sin cambios")
                    % {
                        "entity": ENTITY_LABELS[entity],
                        "created": report.created[entity],
                        "unchanged": report.unchanged[entity],
                    }
                )
        for warning in report.warnings:
            out.write(self.style.WARNING(_("Aviso: %(warning)s") % {"warning": warning}))
        if report.errors:
            title = (
                _("Filas omitidas por errores: %(rows)s")
                if report.committed
                else _("Filas con errores: %(rows)s")
            ) % {"rows": ", ".join(map(str, report.invalid_rows)) or "-"}
            self.stderr.write(title)
            for error in report.errors:
                where = _("Fila %(row)s") % {"row": error.row} if error.row else _("Archivo")
                if error.column:
                    where += ", " + _("columna %(column)s") % {"column": error.column}
                self.stderr.write(f"  {where}: {error.message}")
