"""Benchmark of the mobile clinic's statistics at scale: seeding 300,000 consultations, then its figures.

    .venv/bin/python benchmarks/bench_clinic_stats.py [--consultations 300000] [--repeat 10]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sistra_clinicbench .venv/bin/python benchmarks/...

Uses its own database and recreates it (it refuses any database whose name does not contain "bench"); by
default the SQLite file var/clinicbench.sqlite3. Loads the demo (agencies, users, the Caravana de la Vida team),
seeds the consultations with sistra.clinic.seed (bulk path, timed: consultations/s), then measures with
django.test.Client — median and p95 in milliseconds and the SQL queries of one request:
- as an analyst: the statistics dashboard (its clinic section computes the clinic's figures live) and the
  clinic figures alone (sistra.clinic.figures.clinic_figures, all years and the last year);
- as the clinic's supervisor (the demo doctor «salud»): the clinic home page and the consultation list.
The load average of the machine is recorded with the figures. Results go to
benchmarks/results/clinic-<vendor>-<consultations>.json and a table is printed.
"""

import argparse
import datetime
import json
import math
import os
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = f"sqlite:///{ROOT / 'var' / 'clinicbench.sqlite3'}"


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


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--consultations", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=10, help="measured requests per page (default 10)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--batch-size", type=int, default=5000)
    args = parser.parse_args()

    url = os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # the pages are measured, not the second factor: the demo's health worker has no authenticator here
    os.environ["SISTRA_REQUIRE_MFA"] = "0"
    _reset_database(url)

    import django

    django.setup()
    warnings.filterwarnings("ignore", message="No directory at")
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from sistra.core.demo import load_demo_data

    load_demo_data(cases=0)
    load_before = os.getloadavg()
    seeded = _seed(args)
    _analyze()
    results = _measure(args)
    _report(args, seeded, results, load_before)


def _seed(args) -> dict:
    from sistra.clinic.models import Consultation, Patient, Screening, Visit
    from sistra.clinic.seed import seed_consultations

    print(f"Sembrando {args.consultations:,} consultas…", flush=True)

    def progress(done, total, seconds):
        if done % 50_000 < args.batch_size or done == total:
            print(f"  {done:>9,} / {total:,} consultas  {done / seconds:,.0f} consultas/s", flush=True)

    result = seed_consultations(
        count=args.consultations, seed=args.seed, batch_size=args.batch_size, progress=progress
    )
    return {
        "seconds": round(result.seconds, 1),
        "consultations_per_second": round(result.rate),
        "load_average_after_seeding": [round(x, 2) for x in os.getloadavg()],
        "consultations": Consultation.objects.count(),
        "patients": Patient.objects.count(),
        "visits": Visit.objects.count(),
        "screenings": Screening.objects.count(),
    }


def _analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _measure(args) -> dict:
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from sistra.accounts.models import User
    from sistra.clinic.figures import clinic_figures

    analyst, supervisor = Client(), Client()
    analyst.force_login(User.objects.get(username="analista"))
    supervisor.force_login(User.objects.get(username="salud"))
    last_year = datetime.date.today().year
    measures = {
        "analyst_stats_dashboard": lambda: _get(analyst, reverse("stats:dashboard")),
        "analyst_clinic_figures_all_years": lambda: clinic_figures(),
        "analyst_clinic_figures_one_year": lambda: clinic_figures(year=last_year),
        "supervisor_clinic_home": lambda: _get(supervisor, reverse("clinic:home")),
        "supervisor_consultation_list": lambda: _get(supervisor, reverse("clinic:consultations")),
    }
    results = {}
    for name, call in measures.items():
        results[name] = _time(call, args.repeat, connection)
        r = results[name]
        print(
            f"  {name:<34} mediana {r['median_ms']:>8.1f} ms  p95 {r['p95_ms']:>8.1f} ms  "
            f"{r['queries']:>3} consultas SQL",
            flush=True,
        )
    return results


def _get(client, url):
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"GET {url} → {response.status_code}")
    return response


def _time(call, repeat, connection) -> dict:
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):
        call()
    with CaptureQueriesContext(connection) as captured:
        call()
    queries = [(float(q["time"]), q["sql"]) for q in captured.captured_queries]
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    slowest = sorted(queries, reverse=True)[:2]
    return {
        "median_ms": round(statistics.median(timings), 2),
        "p95_ms": round(_percentile(timings, 95), 2),
        "min_ms": round(min(timings), 2),
        "max_ms": round(max(timings), 2),
        "requests": repeat,
        "queries": len(queries),
        "slowest_queries": [{"ms": round(t * 1000, 2), "sql": sql[:400]} for t, sql in slowest],
    }


def _report(args, seeded: dict, results: dict, load_before) -> None:
    import django
    from django.db import connection

    vendor = connection.vendor
    with connection.cursor() as cursor:
        cursor.execute("select sqlite_version()" if vendor == "sqlite" else "show server_version")
        version = cursor.fetchone()[0]
    payload = {
        "vendor": vendor,
        "database_version": version,
        "consultations_target": args.consultations,
        "seeding": seeded,
        "repeat": args.repeat,
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "django": django.get_version(),
        "cpus": os.cpu_count(),
        "load_average_before_seeding": [round(x, 2) for x in load_before],
        "load_average_after_measuring": [round(x, 2) for x in os.getloadavg()],
        "pages": results,
    }
    out_dir = ROOT / "benchmarks" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"clinic-{vendor}-{args.consultations}.json"
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print()
    print(
        f"{vendor} {version} — {seeded['consultations']:,} consultas, {seeded['patients']:,} pacientes, "
        f"{seeded['screenings']:,} tamizajes; siembra {seeded['seconds']:,} s = "
        f"{seeded['consultations_per_second']:,} consultas/s; carga {payload['load_average_after_measuring']}"
    )
    print(f"{'medida':<36} {'mediana ms':>10} {'p95 ms':>9} {'SQL':>5}")
    for name, r in results.items():
        print(f"{name:<36} {r['median_ms']:>10.1f} {r['p95_ms']:>9.1f} {r['queries']:>5}")
    print(f"→ {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
