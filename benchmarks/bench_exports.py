"""Peak memory of every export that grows with the registry, by scale.

    .venv/bin/python benchmarks/bench_exports.py --cases 5000 [--consultations 10000] [--reuse]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sistra_exports_bench .venv/bin/python benchmarks/bench_exports.py …

Its own database (SQLite var/bench-exports-<cases>.sqlite3 by default, or DATABASE_URL; the name must contain
"bench"): migrated, the demo agencies and users loaded, then `sistra seed`'s seeders fill --cases criminal
cases (sistra.cases.seed) and --consultations mobile-clinic consultations (sistra.clinic.seed); one access-log
row per person is added (bulk_create) so that the audit export has a log that grows with the registry, and the
statistics are refreshed (the open-data release and the annual report read the aggregates). --reuse keeps a
database already seeded at that scale.

Each export then runs in a fresh Python process (`--measure NAME`), with DEBUG off as in production (with DEBUG
on Django keeps the SQL of the last 9,000 queries, which grows with any long export), and reports its peak RSS
(VmHWM of the child), the RSS right after Django starts, its wall time and the size of what it wrote:

- open_data: an open-data release built (sistra.stats.services.open_data_release_build): the suppressed and
  differentially private tables and the k-anonymous CTDC victim-level file, stored;
- audit_access / audit_changes: the auditor's export of the whole access log / change history into the
  encrypted archive (sistra.audit.views.write_export_archive; the page caps a search at 100,000 rows, the
  writer does not);
- clinic_csv: the consultation list as CSV, through the view (a stream), as the demo doctor «salud»;
- report_html / report_pdf: the annual report of the last year with data, through its views;
- table_csv / table_xlsx: one statistics table (victims by nationality × year) through its view.

Results go to benchmarks/results/exports-<vendor>-<cases>.json."""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
EXPORTS = [
    "open_data",
    "audit_access",
    "audit_changes",
    "clinic_csv",
    "report_html",
    "report_pdf",
    "table_csv",
    "table_xlsx",
]


def _url(cases: int) -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite:///{ROOT / 'var' / f'bench-exports-{cases}.sqlite3'}"


def _setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ["DEBUG"] = "0"
    import django

    django.setup()
    import logging

    logging.getLogger("axes").setLevel(logging.WARNING)


def _rss_mb() -> float:
    """Peak resident memory of this process so far (VmHWM). Not ru_maxrss alone: on Linux it survives exec and
    would carry the seeding parent's peak into the measuring child."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_database(url: str) -> None:
    import dj_database_url

    config = dj_database_url.parse(url)
    name = str(config["NAME"])
    if "bench" not in Path(name).name:
        sys.exit(
            f"La base de datos «{name}» no es de benchmark (su nombre debe contener «bench»): no se borra."
        )
    if config["ENGINE"].endswith("sqlite3"):
        for suffix in ("", "-wal", "-shm"):
            Path(name + suffix).unlink(missing_ok=True)
        Path(name).parent.mkdir(parents=True, exist_ok=True)
        return
    import psycopg

    with psycopg.connect(
        dbname="postgres",
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        autocommit=True,
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _seed(args) -> dict:
    from sistra.accounts.models import Agency, User
    from sistra.audit.models import AccessLog
    from sistra.cases.seed import seed_cases
    from sistra.clinic.seed import seed_consultations
    from sistra.core.demo import FISCALIAS, load_demo_data
    from sistra.people.models import Person
    from sistra.stats.aggregation import refresh_aggregates

    seeded: dict = {}
    load_demo_data(cases=0)
    fiscalias = list(
        Agency.objects.filter(code__in=FISCALIAS).select_related("distrito_fiscal__departamento")
    )

    def progress(done, total, seconds):
        print(f"  {done:>9,} / {total:,}  {done / seconds:,.0f}/s", flush=True)

    started = time.perf_counter()
    print(f"Sembrando {args.cases:,} casos…", flush=True)
    seed_cases(count=args.cases, seed=args.seed, fiscalias=fiscalias, batch_size=5000, progress=progress)
    seeded["cases_seconds"] = round(time.perf_counter() - started, 1)
    if args.consultations:
        started = time.perf_counter()
        print(f"Sembrando {args.consultations:,} consultas…", flush=True)
        seed_consultations(count=args.consultations, seed=args.seed, batch_size=5000, progress=progress)
        seeded["consultations_seconds"] = round(time.perf_counter() - started, 1)
    # a read of every person's identity, as a year of case work would leave: the audit export's log
    started = time.perf_counter()
    reader = User.objects.get(username="fiscal.lima")
    rows = []
    for uuid in Person.objects.values_list("uuid", flat=True).iterator(chunk_size=20_000):
        rows.append(
            AccessLog(
                actor=reader,
                actor_agency_id=reader.agency_id,
                model="people.person",
                object_uuid=uuid,
                person_uuid=uuid,
                fields=["first_names", "last_name_paternal"],
                purpose=AccessLog.Purpose.CASE_WORK,
                kind=AccessLog.Kind.IDENTITY_VIEWED,
                detail="benchmark",
            )
        )
        if len(rows) == 20_000:
            AccessLog.objects.bulk_create(rows)
            rows = []
    AccessLog.objects.bulk_create(rows)
    seeded["access_log_seconds"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    print("Actualizando las estadísticas…", flush=True)
    refresh_aggregates()
    seeded["refresh_seconds"] = round(time.perf_counter() - started, 1)
    return seeded


def _sizes() -> dict:
    from sistra.audit.models import AccessLog, ChangeEvent
    from sistra.cases.models import Case
    from sistra.clinic.models import Consultation
    from sistra.people.models import Person
    from sistra.stats.aggregation import current_run
    from sistra.stats.models import FactVictim

    run = current_run()
    return {
        "cases": Case.objects.count(),
        "persons": Person.objects.count(),
        "victims": FactVictim.objects.filter(run=run).count() if run else 0,
        "consultations": Consultation.objects.count(),
        "access_log_rows": AccessLog.objects.count(),
        "change_events": ChangeEvent.objects.count(),
    }


def _client(username: str):
    from django.test import Client

    from sistra.accounts.models import User

    client = Client()
    user = User.objects.get(username=username)
    client.force_login(user)
    try:
        from sistra.accounts.mfa import SESSION_KEY
    except ImportError:
        return client
    session = client.session
    session[SESSION_KEY] = str(user.pk)
    session.save()
    return client


def _body(response) -> int:
    """Read the response as a client would, block by block; its size in bytes."""
    assert response.status_code == 200, response.status_code
    if response.streaming:
        return sum(len(block) for block in response.streaming_content)
    return len(response.content)


def _run_export(name: str) -> dict:
    from django.urls import reverse

    if name == "open_data":
        from sistra.accounts.models import User
        from sistra.stats.aggregation import current_run
        from sistra.stats.disclosure import CTDC_K, THRESHOLD
        from sistra.stats.models import OpenDataRelease
        from sistra.stats.selectors import available_years
        from sistra.stats.services import DP_TABLES, open_data_release_build

        run = current_run()
        years = available_years(run)
        # made directly, not through open_data_release_request: the benchmark measures the build and must not
        # spend the privacy budget of its years on every run
        release = OpenDataRelease.objects.create(
            created_by=User.objects.get(username="analista"),
            year_from=years[0],
            year_to=years[-1],
            run=run,
            data_as_of=run.started_at,
            epsilon_per_table=0.5,
            epsilon=0.5 * len(DP_TABLES),
            threshold=THRESHOLD,
            k_anonymity=CTDC_K,
        )
        release = open_data_release_build(release=release)
        assert release.status == OpenDataRelease.Status.READY, release.error
        ctdc = next(t for t in release.tables if t["code"] == "ctdc_victims")
        return {
            "bytes": sum(f["size"] for f in release.files),
            "rows": ctdc["rows"],
            "ctdc_suppressed": ctdc["suppressed_records"],
        }
    if name in {"audit_access", "audit_changes"}:
        from sistra.accounts.models import User
        from sistra.audit import selectors
        from sistra.audit.selectors import AuditFilters
        from sistra.audit.views import write_export_archive

        auditor = User.objects.get(username="auditor")  # the demo's national auditor (MININTER)
        changes = name == "audit_changes"
        search = selectors.change_search if changes else selectors.access_log_search
        with tempfile.TemporaryFile() as target:
            rows = write_export_archive(
                auditor,
                search(auditor, AuditFilters()),
                changes=changes,
                password="clave-de-benchmark-123",
                target=target,
            )
            return {"rows": rows, "bytes": target.tell()}
    if name == "clinic_csv":
        return {"bytes": _body(_client("salud").get(reverse("clinic:consultation_export")))}
    if name in {"report_html", "report_pdf", "table_csv", "table_xlsx"}:
        from sistra.stats.aggregation import current_run
        from sistra.stats.selectors import available_years

        year = available_years(current_run())[-1]
        client = _client("analista")
        route, route_args = {
            "report_html": ("stats:report", [year]),
            "report_pdf": ("stats:report_pdf", [year]),
            "table_csv": ("stats:export", ["victims_by_nationality", "csv"]),
            "table_xlsx": ("stats:export", ["victims_by_nationality", "xlsx"]),
        }[name]
        url = reverse(route, args=route_args)
        return {"bytes": _body(client.get(url, HTTP_HOST="localhost"))}
    raise SystemExit(f"exportación desconocida: {name}")


def _measure(url: str, name: str) -> dict:
    _setup(url)
    from django.db import connection

    connection.ensure_connection()
    baseline = _rss_mb()
    started = time.perf_counter()
    result = _run_export(name)
    return {
        "export": name,
        "seconds": round(time.perf_counter() - started, 2),
        "rss_after_setup_mb": round(baseline, 1),
        "peak_rss_mb": round(_rss_mb(), 1),
        **result,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, required=True, help="criminal cases seeded (the scale)")
    parser.add_argument(
        "--consultations", type=int, default=None, help="clinic consultations (default: 2 × cases)"
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reuse", action="store_true", help="keep a benchmark database already seeded")
    parser.add_argument("--exports", default=",".join(EXPORTS), help="only these, comma-separated")
    parser.add_argument("--measure", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.consultations is None:
        args.consultations = 2 * args.cases
    url = _url(args.cases)
    if args.measure:
        print(json.dumps(_measure(url, args.measure)), flush=True)
        return
    if "bench" not in url.rsplit("/", 1)[-1]:
        sys.exit("La base de datos no es de benchmark (su nombre debe contener «bench»).")
    seeded = None
    if not args.reuse:
        _reset_database(url)
    _setup(url)
    from django.core.management import call_command

    from sistra.cases.models import Case

    call_command("migrate", interactive=False, verbosity=0)
    existing = Case.objects.count()
    if args.reuse and existing not in (0, args.cases):
        sys.exit(f"La base de benchmark tiene {existing} casos, no {args.cases}: ejecute sin --reuse.")
    if existing == 0:
        seeded = _seed(args)
    sizes = _sizes()
    print(json.dumps(sizes), flush=True)
    load_before = os.getloadavg()
    results = []
    for name in args.exports.split(","):
        measured = subprocess.run(
            [sys.executable, __file__, "--cases", str(args.cases), "--measure", name],
            env={**os.environ, "DATABASE_URL": url},
            capture_output=True,
            text=True,
        )
        if measured.returncode:
            print(measured.stderr[-3000:], file=sys.stderr)
            results.append({"export": name, "error": measured.stderr.strip().splitlines()[-1:]})
            continue
        result = json.loads(measured.stdout.strip().splitlines()[-1])
        print(json.dumps(result), flush=True)
        results.append(result)
    vendor = "postgresql" if url.startswith("postgres") else "sqlite"
    target = ROOT / "benchmarks" / "results" / f"exports-{vendor}-{args.cases}.json"
    target.write_text(
        json.dumps(
            {
                "machine": platform.platform(),
                "python": platform.python_version(),
                "load_before": [round(x, 2) for x in load_before],
                "load_after": [round(x, 2) for x in os.getloadavg()],
                "seeding": seeded,
                "sizes": sizes,
                "results": results,
            },
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
