"""`sistra seed`: synthetic cases and mobile-clinic consultations for demos and benchmarks."""

import uuid

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils.translation import gettext as _

from sistra.accounts.models import Agency
from sistra.audit.models import ChangeEvent
from sistra.cases.seed import SeedError, default_fiscalias, seed_cases
from sistra.demo.bulk import POOL_CASES, BulkSeedUnavailable, seed_contacts, seed_design_scale


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
        parser.add_argument(
            "--contacts",
            type=int,
            default=0,
            help=_(
                "Número de contactos de la línea a crear, copiados de los existentes y repartidos en seis años "
                "(solo PostgreSQL)."
            ),
        )
        parser.add_argument(
            "--pool",
            type=int,
            default=POOL_CASES,
            help=_(
                "En PostgreSQL, casos generados uno a uno; los demás se copian de ellos en la base de datos "
                "(0: generar todos uno a uno)."
            ),
        )

    def handle(
        self,
        *args,
        cases: int,
        consultations: int,
        contacts: int,
        seed,
        fiscalias: str,
        batch_size: int,
        pool: int,
        **options,
    ):
        if min(cases, consultations, contacts, pool) < 0 or cases + consultations + contacts < 1:
            raise CommandError(_("Indique un número de casos, consultas o contactos mayor que cero."))
        if batch_size < 1:
            raise CommandError(_("El tamaño de lote debe ser mayor que cero."))
        if contacts and connection.vendor != "postgresql":
            raise CommandError(_("Los contactos de la línea solo se generan en masa sobre PostgreSQL."))
        verbose = options["verbosity"] >= 1
        if cases:
            self._seed_cases(cases, seed, fiscalias, batch_size, pool, verbose)
        if consultations:
            self._seed_consultations(consultations, seed, batch_size, verbose)
        if contacts:
            self._seed_contacts(contacts, verbose)

    def _seed_contacts(self, count: int, verbose: bool) -> None:
        try:
            made, seconds = seed_contacts(count=count, progress=self._progress(verbose))
        except BulkSeedUnavailable as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                _("%(contacts)d contactos de la línea creados en %(seconds).1f s: %(rate).0f contactos/s.")
                % {"contacts": made, "seconds": seconds, "rate": made / seconds if seconds else 0}
            )
        )

    def _progress(self, verbose: bool):
        return (lambda message: self.stdout.write(message)) if verbose else (lambda message: None)

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

    def _seed_cases(self, cases: int, seed, fiscalias: str, batch_size: int, pool: int, verbose: bool) -> None:
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

        if pool and cases > pool and connection.vendor == "postgresql":
            self._seed_cases_at_scale(cases, seed, agencies, batch_size, pool, progress, verbose)
            return
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

    def _seed_cases_at_scale(self, cases, seed, agencies, batch_size, pool, progress, verbose) -> None:
        """The first `pool` cases from the generator, the rest copied by PostgreSQL (sistra.demo.bulk)."""

        def pool_seeder(count: int):
            return seed_cases(count=count, seed=seed, fiscalias=agencies, batch_size=batch_size, progress=progress)

        try:
            result = seed_design_scale(
                count=cases, pool=pool, pool_seeder=pool_seeder, progress=self._progress(verbose)
            )
        except (SeedError, BulkSeedUnavailable) as exc:
            raise CommandError(str(exc)) from None
        ChangeEvent.objects.create(
            action=ChangeEvent.Action.CREATE,
            kind=ChangeEvent.Kind.CREATED,
            model="cases.case",
            root_model="cases.seed",
            root_uuid=uuid.uuid4(),
            summary=f"Copias de datos sintéticos: {cases - pool} casos copiados de {pool}"[:200],
            after={"cases": result.cases, "persons": result.persons, "events": result.events, "pool": pool},
        )
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "%(cases)d casos, %(persons)d personas y %(events)d actuaciones creados en %(seconds).1f s: "
                    "%(rate).0f casos/s (%(pool)d generados uno a uno en %(pool_seconds).1f s; índices en "
                    "%(index_seconds).1f s)."
                )
                % {
                    "cases": result.cases,
                    "persons": result.persons,
                    "events": result.events,
                    "seconds": result.seconds,
                    "rate": result.rate,
                    "pool": pool,
                    "pool_seconds": result.pool_seconds,
                    "index_seconds": result.index_seconds,
                }
            )
        )
