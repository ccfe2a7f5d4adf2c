"""`sistra export FORMAT FILE`: export the records a user may see (see sistra.interop.services.FORMATS)."""

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sistra.interop.selectors import ActorNotFound, command_actor
from sistra.interop.services import FORMATS


class Command(BaseCommand):
    help_text = gettext_lazy(
        "Exporta los casos que un usuario puede ver (htcds: plantilla Excel HTCDS v2, una fila por víctima, "
        "con datos de identidad; solo para roles autorizados, y queda registrado)."
    )

    @property
    def help(self) -> str:  # argparse needs a str, not a lazy translation
        return str(self.help_text)

    def add_arguments(self, parser):
        parser.add_argument(
            "format",
            choices=sorted(code for code, f in FORMATS.items() if f.exporter),
            help=_("formato del archivo"),
        )
        parser.add_argument("path", help=_("archivo a escribir"))
        parser.add_argument("--agency", help=_("código de la institución que exporta"))
        parser.add_argument(
            "--user", help=_("usuario a cuyo nombre se exporta (por defecto, un fiscal de --agency)")
        )

    def handle(self, *args, **options):
        path = Path(options["path"])
        if not path.parent.is_dir():
            raise CommandError(_("No existe la carpeta %(path)s.") % {"path": path.parent})
        try:
            actor = command_actor(agency_code=options["agency"], username=options["user"])
            report = FORMATS[options["format"]].exporter(actor=actor, path=path)
        except (ActorNotFound, PermissionDenied) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            _("Exportadas %(rows)s víctimas de %(cases)s casos a %(path)s.")
            % {"rows": report.rows, "cases": report.cases, "path": path}
        )
        if report.withheld_cases:
            self.stdout.write(
                self.style.WARNING(
                    _(
                        "%(count)s casos visibles no se exportaron: su rol no puede ver la identidad de sus "
                        "partes."
                    )
                    % {"count": report.withheld_cases}
                )
            )
