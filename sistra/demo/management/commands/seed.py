"""`sistra seed`: synthetic cases and mobile-clinic consultations for demos and benchmarks."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from sistra.accounts.models import Agency
from sistra.cases.seed import SeedError, default_fiscalias, seed_cases


class Command(BaseCommand):
    help = _(
        "Genera casos sintéticos y realistas (personas, víctimas, imputados, imputaciones, lugares y etapas) "
        "con inserciones masivas por lotes. Auditoría: la carga escribe UNA sola línea de resumen en el "
        "historial de cambios, no un registro por fila. Solo para demostraciones y pruebas de rendimiento."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=0, help=_("Número de casos a crear."))
        parser.add_argument(
            "--consultations",
            type=int,
            default=0,
            help=_("Número de consultas de la clínica móvil a crear (con sus pacientes y visitas)."),
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=None,
            help=_("Semilla del generador: la misma semilla da los mismos datos."),
        )
        parser.add_argument(
            "--fiscalias",
            default="",
            help=_(
                "Códigos de las fiscalías separados por comas (por defecto, todas las "
                "fiscalías activas con distrito fiscal)."
            ),
        )
        parser.add_argument("--batch-size", type=int, default=5000, help=_("Casos por transacción."))

    def handle(self, *args, cases: int, consultations: int, seed, fiscalias: str, batch_size: int, **options):
        if cases < 0 or consultations < 0 or cases + consultations < 1:
            raise CommandError(_("Indique un número de casos o de consultas mayor que cero."))
        if batch_size < 1:
            raise CommandError(_("El tamaño de lote debe ser mayor que cero."))
        if cases:
            self._seed_cases(cases, seed, fiscalias, batch_size, options["verbosity"] >= 1)
        if consultations:
            self._seed_consultations(consultations, seed, batch_size, options["verbosity"] >= 1)

    def _seed_consultations(self, count: int, seed, batch_size: int, verbose: bool) -> None:
        from sistra.clinic.seed import seed_consultations

        def progress(done: int, total: int, seconds: float) -> None:
            if verbose:
                self.stdout.write(
                    _("  %(done)d / %(total)d consultas (%(rate).0f consultas/s)")
                    % {"done": done, "total": total, "rate": done / seconds if seconds else 0}
                )

        try:
            result = seed_consultations(count=count, seed=seed, batch_size=batch_size, progress=progress)
        except SeedError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "%(consultations)d consultas, %(patients)d pacientes y %(screenings)d tamizajes creados "
                    "en %(seconds).1f s: %(rate).0f consultas/s."
                )
                % {
                    "consultations": result.consultations,
                    "patients": result.patients,
                    "screenings": result.screenings,
                    "seconds": result.seconds,
                    "rate": result.rate,
                }
            )
        )

    def _seed_cases(self, cases: int, seed, fiscalias: str, batch_size: int, verbose: bool) -> None:
        codes = [c.strip() for c in fiscalias.split(",") if c.strip()]
        if codes:
            found = {
                a.code: a
                for a in Agency.objects.filter(code__in=codes, kind=Agency.Kind.FISCALIA).select_related(
                    "distrito_fiscal__departamento"
                )
            }
            missing = [c for c in codes if c not in found]
            if missing:
                raise CommandError(
                    _("No existen fiscalías con los códigos: %(codes)s.") % {"codes": ", ".join(missing)}
                )
            agencies = [found[c] for c in codes]
        else:
            agencies = default_fiscalias()
            if not agencies:
                raise CommandError(
                    _(
                        "No hay fiscalías registradas: ejecute «sistra demo --no-serve» o cree una "
                        "fiscalía con su distrito fiscal."
                    )
                )

        def progress(done: int, total: int, seconds: float) -> None:
            if verbose:
                self.stdout.write(
                    _("  %(done)d / %(total)d casos (%(rate).0f casos/s)")
                    % {"done": done, "total": total, "rate": done / seconds if seconds else 0}
                )

        try:
            result = seed_cases(
                count=cases, seed=seed, fiscalias=agencies, batch_size=batch_size, progress=progress
            )
        except SeedError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                _("%(cases)d casos y %(persons)d personas creados en %(seconds).1f s: %(rate).0f casos/s.")
                % {
                    "cases": result.cases,
                    "persons": result.persons,
                    "seconds": result.seconds,
                    "rate": result.rate,
                }
            )
        )
