"""`sistra export FORMAT FILE --purpose "…"`: export the records a user may see (see
sistra.interop.services.FORMATS) as a password-protected ZIP archive; the password is printed once."""

from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sistra.interop.selectors import ActorNotFound, command_actor
from sistra.interop.services import FORMATS


class Command(BaseCommand):
    help_text = gettext_lazy(
        "Exporta los casos que un usuario puede ver (htcds: plantilla Excel HTCDS v2, una fila por víctima, "
        "con datos de identidad; solo para roles autorizados). Exige indicar la finalidad, que queda "
        "registrada; el archivo es un ZIP cifrado (AES-256) cuya contraseña se muestra una sola vez."
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
        parser.add_argument("path", help=_("archivo ZIP a escribir (por ejemplo, casos.zip)"))
        # checked in handle(), not by argparse, so the refusal is in Spanish and says why
        parser.add_argument(
            "--purpose", help=_("finalidad de la exportación (obligatoria; queda registrada)")
        )
        parser.add_argument("--agency", help=_("código de la institución que exporta"))
        parser.add_argument(
            "--user", help=_("usuario a cuyo nombre se exporta (por defecto, un fiscal de --agency)")
        )

    def handle(self, *args, **options):
        path = Path(options["path"])
        if not (options["purpose"] or "").strip():
            raise CommandError(
                _(
                    'Indique la finalidad de la exportación con --purpose "…" (por ejemplo, --purpose '
                    '"Remisión a la OIM para el informe anual"): queda registrada junto con la exportación.'
                )
            )
        if path.suffix.lower() != ".zip":
            raise CommandError(
                _(
                    "La exportación es un archivo ZIP protegido con contraseña: indique un nombre "
                    "terminado en .zip (por ejemplo, %(example)s)."
                )
                % {"example": path.with_suffix(".zip").name}
            )
        if not path.parent.is_dir():
            raise CommandError(_("No existe la carpeta %(path)s.") % {"path": path.parent})
        try:
            actor = command_actor(agency_code=options["agency"], username=options["user"])
            report = FORMATS[options["format"]].exporter(actor=actor, path=path, purpose=options["purpose"])
        except (ActorNotFound, PermissionDenied) as exc:
            raise CommandError(str(exc)) from None
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(
            _("Exportadas %(rows)s víctimas de %(cases)s casos a %(path)s (ZIP cifrado con AES-256).")
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
        # printed here once, to the operator's terminal; SISTRA keeps it nowhere and logs it nowhere
        self.stdout.write(
            _(
                "Contraseña del archivo (se muestra solo esta vez; envíela por un canal distinto del "
                "archivo): %(password)s"
            )
            % {"password": report.password}
        )
