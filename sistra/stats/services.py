"""Writes of the statistics part: asking for a refresh of the aggregates, and publishing open data. A release
is requested (recorded and audited at once) and built in the background: tables with small cells suppressed,
the same tables with differential privacy, and the CTDC victim-level file, k-anonymised."""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from sistra.accounts.capabilities import Capability, has_capability
from sistra.accounts.types import Actor
from sistra.audit.services import record_change

from . import dimensions as dim
from .aggregation import current_run
from .aggregation import refresh_aggregates as rebuild_aggregates
from .disclosure import (
    CTDC_K,
    SUPPRESSED,
    THRESHOLD,
    NoisyCounts,
    NoisyPartition,
    dp_counts,
    dp_partition_by_year,
    protect_columns,
)
from .exports import ctdc_csv, to_csv
from .models import FactVictim, OpenDataRelease, PrivacyBudget, PrivacySpend
from .selectors import StatsFilters, load_figures

logger = logging.getLogger(__name__)

MAX_TOTAL_EPSILON = 10.0
# One published view per population (see docs/decisions/0180): cases are published exact, with suppression;
# victims are published with differential privacy only — never both, so that no noisy number can be set
# against an exact one to recover what suppression hid.
# Year × category tables of cases, published with suppression; they share their yearly totals.
SUPPRESSED_GROUPS = {
    "cases": ["cases_by_df", "cases_by_stage", "cases_by_status", "cases_by_outcome"],
}
# Published without totals: the attrition steps are not a partition of the cases.
SUPPRESSED_ALONE = ["attrition"]
# Differentially private tables: a person counts once (their first record in the period) and adds at most
# `sensitivity` to the table. A table whose categories are a partition publishes its yearly totals, made
# consistent with its cells by the library's b-ary tree post-processing.
DP_TABLES = [
    ("dp_victims_by_sex", _("Víctimas por año y sexo (privacidad diferencial)"), 1),
    ("dp_victims_by_age_band", _("Víctimas por año y grupo de edad (privacidad diferencial)"), 1),
    (
        "dp_victims_by_exploitation_dept",
        _("Víctimas por año y departamento de explotación (privacidad diferencial)"),
        1,
    ),
    ("dp_victims_by_form", _("Víctimas por año y forma de explotación (privacidad diferencial)"), 2),
]
# Categories that overlap (a person with two forms counts in both): no totals.
DP_WITHOUT_TOTALS = {"dp_victims_by_form"}


REFRESH_GRACE = datetime.timedelta(minutes=10)
# facts read per database round trip while the CTDC file is written
CTDC_CHUNK = 10_000


def aggregates_refresh_request(*, actor: Actor) -> bool:
    """Queue a rebuild of the aggregates (after the current transaction commits), unless one is running or
    finished a moment ago — a refresh of a national registry takes minutes. Returns whether one was queued."""
    from .models import AggregateRun

    if not has_capability(actor, Capability.STATS_VIEW):
        raise ValidationError(_("Su rol no le permite actualizar las estadísticas."))
    recent = timezone.now() - REFRESH_GRACE
    if (
        AggregateRun.objects.filter(started_at__gte=recent)
        .exclude(status=AggregateRun.Status.FAILED)
        .exists()
    ):
        return False
    logger.info("stats refresh requested by user %s", actor.pk)
    transaction.on_commit(lambda: refresh_aggregates.enqueue())
    return True


@transaction.atomic
def open_data_release_request(
    *, actor: Actor, year_from: int, year_to: int, epsilon_per_table: float, threshold: int = THRESHOLD
) -> OpenDataRelease:
    errors: dict = {}
    if not has_capability(actor, Capability.OPEN_DATA_PUBLISH):
        errors["__all__"] = [_("Su rol no le permite publicar datos abiertos.")]
    if year_to < year_from:
        errors["year_to"] = [_("El año final no puede ser anterior al inicial.")]
    if year_to > timezone.localdate().year:
        errors["year_to"] = [_("No se pueden publicar datos de un año futuro.")]
    if threshold < THRESHOLD:
        errors["threshold"] = [_("El umbral no puede ser menor que %(n)s.") % {"n": THRESHOLD}]
    if not epsilon_per_table or epsilon_per_table <= 0:
        errors["epsilon_per_table"] = [_("El épsilon debe ser mayor que cero.")]
    elif epsilon_per_table * len(DP_TABLES) > MAX_TOTAL_EPSILON:
        errors["epsilon_per_table"] = [
            _("El presupuesto total (%(total)s) supera el máximo permitido de %(max)s.")
            % {"total": round(epsilon_per_table * len(DP_TABLES), 2), "max": MAX_TOTAL_EPSILON}
        ]
    run = current_run()
    if run is None and not errors:
        errors["__all__"] = [_("Aún no hay estadísticas calculadas: actualícelas antes de publicar.")]
    if not errors:
        records = FactVictim.objects.filter(run=run, year__gte=year_from, year__lte=year_to).count()
        minimum = min_release_records()
        if records < minimum:
            errors["__all__"] = [
                _(
                    "El periodo tiene muy pocos registros para publicarlo: %(n)s víctimas, se necesitan al "
                    "menos %(min)s."
                )
                % {"n": records, "min": minimum}
            ]
    if errors or run is None:
        raise ValidationError(errors)
    release = OpenDataRelease.objects.create(
        created_by=actor,
        year_from=year_from,
        year_to=year_to,
        run=run,
        data_as_of=run.started_at,
        epsilon_per_table=epsilon_per_table,
        epsilon=epsilon_per_table * len(DP_TABLES),
        threshold=threshold,
        k_anonymity=CTDC_K,
    )
    record_change(
        actor=actor,
        action="create",
        instance=release,
        after={
            "years": [year_from, year_to],
            "epsilon_per_table": epsilon_per_table,
            "epsilon": release.epsilon,
            "threshold": threshold,
            "k": CTDC_K,
        },
        summary=_("Publicación de datos abiertos %(a)s–%(b)s solicitada") % {"a": year_from, "b": year_to},
    )
    privacy_budget_spend(actor=actor, release=release)
    transaction.on_commit(lambda: publish_open_data.enqueue(str(release.uuid)))
    return release


def min_release_records() -> int:
    return int(getattr(settings, "STATS_RELEASE_MIN_RECORDS", 50))


def default_budget_per_year() -> float:
    return float(getattr(settings, "STATS_DP_BUDGET_PER_YEAR", 4.0))


def _budget_for(*, actor: Actor, scope: str, year: int) -> PrivacyBudget:
    budget = PrivacyBudget.objects.select_for_update().filter(scope=scope, year=year).first()
    if budget is None:
        budget = PrivacyBudget.objects.create(scope=scope, year=year, epsilon=default_budget_per_year())
        record_change(
            actor=actor,
            action="create",
            instance=budget,
            after={"scope": scope, "year": year, "epsilon": budget.epsilon},
            summary=_("Presupuesto de privacidad %(year)s: ε %(e)s") % {"year": year, "e": budget.epsilon},
        )
    return budget


def privacy_budget_spend(*, actor: Actor, release: OpenDataRelease) -> list[PrivacySpend]:
    """Spend the release's ε on the budget of every year it reads, or refuse the release. A person counts in
    one year of a release only, so the years compose in parallel: each year is charged the release's whole ε
    (the sum over its noisy tables, which compose sequentially)."""
    scope = PrivacyBudget.Scope.CASE_DATA
    spends, refused = [], []
    for year in range(release.year_from, release.year_to + 1):
        budget = _budget_for(actor=actor, scope=scope, year=year)
        spent = sum(budget.spends.values_list("epsilon", flat=True))
        left = budget.epsilon - spent
        if release.epsilon > left + 1e-9:
            refused.append(
                _(
                    "El presupuesto de privacidad de %(year)s no alcanza: quedan ε %(left)s de %(limit)s y "
                    "esta publicación gastaría ε %(cost)s."
                )
                % {
                    "year": year,
                    "left": _number(max(left, 0)),
                    "limit": _number(budget.epsilon),
                    "cost": _number(release.epsilon),
                }
            )
            continue
        spends.append(PrivacySpend(budget=budget, release=release, epsilon=release.epsilon))
    if refused:
        raise ValidationError({"epsilon_per_table": refused})
    for spend in spends:
        spend.save()
        record_change(
            actor=actor,
            action="create",
            instance=spend.budget,
            root=release,
            after={"year": spend.budget.year, "epsilon": spend.epsilon, "release": str(release.uuid)},
            summary=_("Gasto de privacidad ε %(e)s en %(year)s")
            % {"e": _number(spend.epsilon), "year": spend.budget.year},
        )
    return spends


def privacy_budget_set(*, actor: Actor, year: int, epsilon: float) -> PrivacyBudget:
    """Set the ε of one year of case data (audited). It may not go below what was already spent."""
    if not has_capability(actor, Capability.OPEN_DATA_PUBLISH):
        raise ValidationError(_("Su rol no le permite administrar el presupuesto de privacidad."))
    if not epsilon or epsilon <= 0:
        raise ValidationError({"epsilon": [_("El épsilon debe ser mayor que cero.")]})
    with transaction.atomic():
        budget, created = PrivacyBudget.objects.select_for_update().get_or_create(
            scope=PrivacyBudget.Scope.CASE_DATA, year=year, defaults={"epsilon": epsilon}
        )
        spent = sum(budget.spends.values_list("epsilon", flat=True))
        if epsilon + 1e-9 < spent:
            raise ValidationError(
                {
                    "epsilon": [
                        _("Ya se gastó ε %(spent)s de %(year)s: el presupuesto no puede ser menor.")
                        % {"spent": _number(spent), "year": year}
                    ]
                }
            )
        before = None if created else {"epsilon": budget.epsilon}
        budget.epsilon = epsilon
        budget.save(update_fields=["epsilon", "updated_at"])
        record_change(
            actor=actor,
            action="create" if created else "update",
            instance=budget,
            before=before,
            after={"year": year, "epsilon": epsilon},
            summary=_("Presupuesto de privacidad %(year)s: ε %(e)s") % {"year": year, "e": _number(epsilon)},
        )
    return budget


def privacy_budgets(year_from: int, year_to: int) -> list[dict]:
    """The budget of each year (the default when none was set yet), what was spent and what is left."""
    budgets = {
        b.year: b
        for b in PrivacyBudget.objects.filter(
            scope=PrivacyBudget.Scope.CASE_DATA, year__gte=year_from, year__lte=year_to
        ).prefetch_related("spends")
    }
    out = []
    for year in range(year_from, year_to + 1):
        budget = budgets.get(year)
        limit = budget.epsilon if budget else default_budget_per_year()
        spent = sum(s.epsilon for s in budget.spends.all()) if budget else 0.0
        out.append({"year": year, "limit": limit, "spent": spent, "left": max(limit - spent, 0.0)})
    return out


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def open_data_release_build(*, release: OpenDataRelease) -> OpenDataRelease:
    if release.status != OpenDataRelease.Status.PENDING:
        return release
    # every file is written to disk as it is built and copied to the storage in blocks: the CTDC file grows
    # with the registry, and is never held in memory whole
    with tempfile.TemporaryDirectory(prefix="sistra-open-data-") as directory:
        try:
            written, tables = _build_files(release, Path(directory))
        except Exception as exc:
            logger.exception("open data release %s failed", release.uuid)
            release.status = OpenDataRelease.Status.FAILED
            release.error = type(exc).__name__[:300]
            release.save(update_fields=["status", "error", "updated_at"])
            return release
        with transaction.atomic():
            stored = []
            for name, local, size, digest in written:
                path = release_path(release, name)
                if default_storage.exists(path):
                    default_storage.delete(path)
                with local.open("rb") as handle:
                    default_storage.save(path, File(handle, name=name))
                stored.append({"name": name, "size": size, "sha256": digest})
            release.files = stored
            release.tables = tables
            release.status = OpenDataRelease.Status.READY
            release.save(update_fields=["files", "tables", "status", "updated_at"])
            record_change(
                actor=release.created_by,
                action="update",
                instance=release,
                before={"status": OpenDataRelease.Status.PENDING},
                after={"status": release.status, "files": [f["name"] for f in stored]},
                summary=_("Datos abiertos publicados"),
            )
    return release


def release_path(release: OpenDataRelease, name: str) -> str:
    return f"open_data/{release.uuid}/{name}"


def _write_file(directory: Path, name: str, blocks: Iterable[bytes]) -> tuple[str, Path, int, str]:
    """Write the blocks to a file of `directory`: (name, path, size, sha256)."""
    path = directory / name
    digest = hashlib.sha256()
    size = 0
    with path.open("wb") as handle:
        for data in blocks:
            handle.write(data)
            digest.update(data)
            size += len(data)
    return name, path, size, digest.hexdigest()


def _build_files(release: OpenDataRelease, directory: Path) -> tuple[list[tuple[str, Path, int, str]], list[dict]]:
    """Write the release's files into `directory`. The tables are bounded by their categories (years ×
    categories of a figure) and are built whole; the CTDC file is streamed in two passes over the facts."""
    run = release.run
    if run is None:
        raise ValueError("the aggregates of this release are gone")
    years = list(range(release.year_from, release.year_to + 1))
    filters = StatsFilters(year_from=release.year_from, year_to=release.year_to)
    files: list[tuple[str, Path, int, str]] = []
    tables: list[dict] = []
    threshold = release.threshold

    # 1. small-cell suppression
    for group in SUPPRESSED_GROUPS.values():
        data = load_figures(run, filters, group)
        grids, keys = [], []
        for code in group:
            figure_keys = data[code].ordered_keys()
            keys.append(figure_keys)
            grids.append([[data[code].cells.get((y, k), 0) for y in years] for k in figure_keys])
        # no period totals per category: a release for a longer period would give away the last year by
        # difference; the yearly totals are shared by the whole group and hidden alike
        protected = protect_columns(grids, threshold=threshold)
        for code, figure_keys, table in zip(group, keys, protected, strict=True):
            figure = data[code].figure
            rows = [
                [key, figure.label(key), *[_shown(table.get(i, j)) for j in range(len(years))]]
                for i, key in enumerate(figure_keys)
            ]
            rows.append(["", _("Total"), *[_shown(table.col_total(j)) for j in range(len(years))]])
            name = f"{code}.csv"
            files.append(_write_file(directory, name, [to_csv([_("código"), _("categoría"), *map(str, years)], rows)]))
            tables.append(
                {
                    "code": code,
                    "title": str(figure.title),
                    "method": "suppression",
                    "threshold": threshold,
                    "file": name,
                    "rows": len(figure_keys),
                    "suppressed": len(table.suppressed),
                }
            )
    data = load_figures(run, filters, SUPPRESSED_ALONE)
    for code in SUPPRESSED_ALONE:
        figure = data[code].figure
        figure_keys = data[code].ordered_keys()
        grid = [[data[code].cells.get((y, k), 0) for y in years] for k in figure_keys]
        shown = protect_columns([grid], threshold=threshold, totals=False)[0] if grid else None
        rows = [
            [key, figure.label(key), *[_shown(shown.get(i, j)) for j in range(len(years))]]
            for i, key in enumerate(figure_keys)
            if shown is not None
        ]
        name = f"{code}.csv"
        files.append(_write_file(directory, name, [to_csv([_("código"), _("categoría"), *map(str, years)], rows)]))
        tables.append(
            {
                "code": code,
                "title": str(figure.title),
                "method": "suppression",
                "threshold": threshold,
                "file": name,
                "rows": len(figure_keys),
                "suppressed": len(shown.suppressed) if shown else 0,
            }
        )

    # 2. differential privacy, post-processed: non-negative integers, totals that add up, and the same
    # suppression as the exact tables applied to the noisy ones (zeros and small noisy values look alike,
    # and no total gives a hidden noisy value away)
    counts = _dp_counts(run, years)
    for code, title, sensitivity in DP_TABLES:
        domain, matrix = counts[code]
        grid = [[matrix[(y, k)] for y in years] for k in domain]
        with_totals = code not in DP_WITHOUT_TOTALS
        noisy: NoisyPartition | NoisyCounts
        if with_totals:
            partition = dp_partition_by_year(grid, epsilon=release.epsilon_per_table)
            noisy, noisy_grid = partition, partition.grid
        else:
            flat = dp_counts(
                [v for row in grid for v in row], epsilon=release.epsilon_per_table, sensitivity=sensitivity
            )
            noisy = flat
            noisy_grid = [flat.values[i * len(years) : (i + 1) * len(years)] for i in range(len(domain))]
        table = protect_columns([noisy_grid], threshold=threshold, totals=with_totals)[0]
        rows = [
            [key, _dp_label(code, key), *[_shown(table.get(i, j)) for j in range(len(years))]]
            for i, key in enumerate(domain)
        ]
        if with_totals:
            rows.append(["", _("Total"), *[_shown(table.col_total(j)) for j in range(len(years))]])
        name = f"{code}.csv"
        files.append(_write_file(directory, name, [to_csv([_("código"), _("categoría"), *map(str, years)], rows)]))
        tables.append(
            {
                "code": code,
                "title": str(title),
                "method": "dp",
                "epsilon": noisy.epsilon,
                "sensitivity": noisy.sensitivity,
                "scale": noisy.scale,
                "mechanism": noisy.mechanism,
                "file": name,
                "rows": len(domain),
                "threshold": threshold,
                "suppressed": len(table.suppressed),
            }
        )

    # 3. CTDC victim-level file
    # the facts of a run never change, so both passes read the same records (the first only counts them)
    facts = FactVictim.objects.filter(run=run, year__gte=release.year_from, year__lte=release.year_to).values(
        "year",
        "sex",
        "age",
        "is_minor",
        "nationality",
        "form_mask",
        "control_mask",
        "relation",
        "exploitation_countries",
        "dept_mask",
    )
    blocks, report = ctdc_csv(lambda: facts.iterator(chunk_size=CTDC_CHUNK), run.meta, k=release.k_anonymity)
    files.append(_write_file(directory, "ctdc_victims.csv", blocks))
    tables.append(
        {
            "code": "ctdc_victims",
            "title": str(_("Víctimas, registro por registro (formato CTDC)")),
            "method": "k_anonymity",
            "k": release.k_anonymity,
            "file": "ctdc_victims.csv",
            "rows": report["output"],
            "suppressed_records": report["suppressed"],
            "generalised": report["generalised"],
        }
    )

    metadata = {
        "release": str(release.uuid),
        "years": [release.year_from, release.year_to],
        "data_as_of": run.started_at.isoformat(),
        "published_at": timezone.now().isoformat(),
        "threshold": threshold,
        "epsilon_per_table": release.epsilon_per_table,
        "epsilon_total": release.epsilon,
        "k_anonymity": release.k_anonymity,
        "suppressed_marker": SUPPRESSED,
        "tables": tables,
        "notes": [
            str(_("«x»: dato reservado (celda pequeña o supresión complementaria).")),
            str(
                _(
                    "Las tablas «dp_» llevan ruido de Laplace discreto; cada persona cuenta una vez. "
                    "El presupuesto "
                    "total de privacidad es la suma de los épsilon de esas tablas."
                )
            ),
            str(_("El año es el de la denuncia.")),
        ],
    }
    files.append(
        _write_file(directory, "metadata.json", [json.dumps(metadata, ensure_ascii=False, indent=2).encode("utf-8")])
    )
    return files, tables


def _shown(value):
    return SUPPRESSED if value is None else value


def _dp_label(code: str, key: str) -> str:
    from .sources.cases import _age_label, _form_label, _place_label, _sex_label

    if code == "dp_victims_by_sex":
        return _sex_label(key)
    if code == "dp_victims_by_age_band":
        return _age_label(key)
    if code == "dp_victims_by_form":
        return _form_label(key)
    if key == "several":
        return _("Varios departamentos")
    return _place_label(key)


def _dp_counts(run, years: list[int]) -> dict[str, tuple[list[str], dict]]:
    """Counts per person (the unit of privacy): each person's first victim record in the period. The
    domains are fixed in advance (they never depend on the data), so a zero is published like any count."""
    from sistra.people.models import Person

    forms = run.meta.get("forms", [])
    domains = {
        "dp_victims_by_sex": list(Person.Sex.values),
        "dp_victims_by_age_band": list(dim.AGE_BAND_CODES),
        "dp_victims_by_exploitation_dept": [*dim.DEPARTMENTS, "abroad", "several", "none"],
        "dp_victims_by_form": [*forms, "none"],
    }
    matrices: dict[str, defaultdict[tuple, int]] = {code: defaultdict(int) for code in domains}
    # the rows come ordered by person: the previous person is all there is to remember (a set of every
    # person seen would grow with the registry)
    previous = None
    rows = (
        FactVictim.objects.filter(run=run, year__gte=years[0], year__lte=years[-1])
        .order_by("person_id", "year", "month", "case_id")
        .values_list(
            "person_id", "year", "sex", "age_band", "dept_mask", "exploitation_countries", "form_mask"
        )
    )
    for person_id, year, sex, band, dept_mask, countries, form_mask in rows.iterator(chunk_size=20_000):
        if person_id == previous:
            continue
        previous = person_id
        matrices["dp_victims_by_sex"][(year, sex if sex in domains["dp_victims_by_sex"] else "unknown")] += 1
        matrices["dp_victims_by_age_band"][(year, band)] += 1
        depts = dim.departments_in(dept_mask)
        if len(depts) + (1 if countries else 0) > 1:
            place = "several"
        elif depts:
            place = depts[0]
        else:
            place = "abroad" if countries else "none"
        matrices["dp_victims_by_exploitation_dept"][(year, place)] += 1
        # at most two forms per person: the sensitivity of that table is 2
        for code in (dim.bits_in(form_mask, forms) or ["none"])[:2]:
            matrices["dp_victims_by_form"][(year, code)] += 1
    return {code: (domains[code], matrices[code]) for code in domains}


def release_file(release: OpenDataRelease, name: str) -> bytes | None:
    handle = release_file_open(release, name)
    if handle is None:
        return None
    with handle:
        return handle.read()


def release_file_open(release: OpenDataRelease, name: str):
    """The stored file of a release, open for reading in binary (the caller closes it), or None."""
    if name not in {f["name"] for f in release.files}:
        return None
    path = release_path(release, name)
    try:
        return default_storage.open(path, "rb")
    except FileNotFoundError:
        return None


# --- background work (Django's tasks API): defined beside the service that enqueues it, so that services and
# tasks form no import circle; tasks.py lists the tasks for the worker (ADR 0170). Tasks take public
# identifiers.


@task(queue_name="stats")
def refresh_aggregates() -> int:
    """Rebuild the aggregate tables from the registry; returns the new run's id. Run it nightly (cron or a
    systemd timer calling `sistra refresh_stats`) and on demand from the dashboard."""
    return rebuild_aggregates().pk


@task(queue_name="stats")
def publish_open_data(release_uuid: str) -> str:
    """Build the files of a requested open-data release; returns its status."""
    release = OpenDataRelease.objects.filter(uuid=release_uuid).first()
    if release is None:
        return "missing"
    return open_data_release_build(release=release).status
