"""sistra import_calls FILE [--skip-invalid] [--user USERNAME] [--agency CODE]

Import a historical call log (CSV or XLSX) into the hotline. All or nothing unless --skip-invalid; rows
already imported are never imported twice. The history records the user given (or no user: "command line")."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from sistra.accounts.models import Agency
from sistra.hotline.imports import ImportFileError, import_calls_file


class Command(BaseCommand):
    help = "Importa un registro histórico de llamadas (CSV o XLSX) a la línea de ayuda."

    def add_arguments(self, parser):
        parser.add_argument("file", help="archivo CSV o XLSX")
        parser.add_argument("--skip-invalid", action="store_true",
                            help="importar las filas válidas y omitir las que tienen errores")
        parser.add_argument("--user", help="usuario (de la línea) a nombre de quien se importa")
        parser.add_argument("--agency", help="código de la institución (línea) si hay más de una")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No existe el archivo {path}")
        actor, agency = self._actor_and_agency(options.get("user"), options.get("agency"))
        try:
            result = import_calls_file(actor=actor, data=path.read_bytes(), filename=path.name,
                                       skip_invalid=options["skip_invalid"], owner_agency=agency)
        except (ImportFileError, ValidationError) as exc:
            raise CommandError(" ".join(exc.messages)) from None
        for error in result.errors:
            column = f" [{error.column}]" if error.column else ""
            self.stderr.write(f"fila {error.row}{column}: {error.message}")
        self.stdout.write(
            f"Filas leídas: {result.total}; creadas: {result.created}; ya importadas: {result.duplicates}; "
            f"con errores: {result.invalid_rows}."
        )
        if not result.saved:
            raise CommandError("No se importó nada: corrija las filas con errores o use --skip-invalid.")

    def _actor_and_agency(self, username, agency_code):
        actor = None
        if username:
            actor = get_user_model().objects.select_related("agency").filter(username=username).first()
            if actor is None:
                raise CommandError(f"No existe el usuario {username}")
        if agency_code:
            agency = Agency.objects.filter(code=agency_code, kind=Agency.Kind.HOTLINE).first()
            if agency is None:
                raise CommandError(f"No existe una línea de ayuda con el código {agency_code}")
            return actor, agency
        if actor is not None:
            return actor, actor.agency
        hotlines = list(Agency.objects.filter(kind=Agency.Kind.HOTLINE, is_active=True)[:2])
        if len(hotlines) != 1:
            raise CommandError("Indique --agency o --user: no hay una única línea de ayuda.")
        return None, hotlines[0]
