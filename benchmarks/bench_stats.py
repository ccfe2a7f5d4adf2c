"""Benchmark of the statistics: refresh of the aggregates, the dashboard and the maps, at scale.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sistra_statsbench \\
        .venv/bin/python benchmarks/bench_stats.py --persons 100000,1000000 [--repeat 30] [--reuse]

Uses its own database and recreates it (it refuses any database whose name does not contain "bench").
Seeds synthetic cases (sistra.cases.seed) over the demo fiscalías until the registry holds each number of
persons asked for, in increasing order, and at each size: refreshes the aggregates (timed), then measures
with django.test.Client, as an analyst, the dashboard (no filter, a period, one, two and three filters), the
maps by department and province (with three filters: grouped from the fact tables), the figures API and
the annual report —
median and p95 in milliseconds, and the SQL queries of one request. Results go to
benchmarks/results/stats-<vendor>-<persons>.json and a table is printed.
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
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sistra_statsbench"


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
    parser.add_argument("--persons", default="100000,1000000", help="sizes, comma-separated, increasing")
    parser.add_argument("--repeat", type=int, default=30, help="measured requests per page (default 30)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the database and seed only what is missing"
    )
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.persons.split(","))

    url = os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if not args.reuse:
        _reset_database(url)

    import django

    django.setup()
    warnings.filterwarnings("ignore", message="No directory at")
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from sistra.core.demo import load_demo_data

    load_demo_data(cases=0)
    for step, persons in enumerate(sizes):
        seeded = _seed_to(persons, args, step)
        _analyze()
        refresh = _refresh()
        results = _measure(args)
        _report(args, persons, seeded, refresh, results)


def _seed_to(persons: int, args, step: int) -> dict:
    from sistra.accounts.models import Agency
    from sistra.cases.models import Case
    from sistra.cases.seed import seed_cases
    from sistra.core.demo import FISCALIAS
    from sistra.people.models import Person

    fiscalias = list(
        Agency.objects.filter(code__in=FISCALIAS).select_related("distrito_fiscal__departamento")
    )
    started = time.perf_counter()
    created = 0
    while (have := Person.objects.count()) < persons:
        per_case = (have / Case.objects.count()) if have else 3.7
        missing = math.ceil((persons - have) / per_case)
        print(f"Sembrando {missing:,} casos (hay {have:,} personas, se quieren {persons:,})…", flush=True)

        def progress(done, total, seconds):
            print(f"  {done:>9,} / {total:,} casos  {done / seconds:,.0f} casos/s", flush=True)

        seed_cases(
            count=missing,
            seed=args.seed + step * 1000 + created,
            fiscalias=fiscalias,
            batch_size=args.batch_size,
            progress=progress,
        )
        created += missing
    return {
        "cases_created": created,
        "seconds": round(time.perf_counter() - started, 1),
        "cases": Case.objects.count(),
        "persons": Person.objects.count(),
    }


def _analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _refresh() -> dict:
    from sistra.stats.aggregation import refresh_aggregates

    print("Actualizando los agregados…", flush=True)
    started = time.perf_counter()
    run = refresh_aggregates()
    seconds = time.perf_counter() - started
    _analyze()  # the new tables, as autovacuum would after the refresh
    print(f"  {seconds:,.1f} s — {run.counts}", flush=True)
    return {"seconds": round(seconds, 1), "counts": run.counts}


def _measure(args) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from sistra.accounts.models import User
    from sistra.stats.selectors import available_years, latest_run

    client = Client()
    client.force_login(User.objects.get(username="analista"))
    years = available_years(latest_run())
    last = years[-1] if years else datetime.date.today().year
    dashboard, map_url = reverse("stats:dashboard"), reverse("stats:map")
    pages = {
        "dashboard": [(dashboard, {})],
        "dashboard_period": [(dashboard, {"desde": last - 4, "hasta": last})],
        "dashboard_one_filter": [
            (dashboard, {"departamento": "17"}),
            (dashboard, {"distrito_fiscal": "cusco"}),
            (dashboard, {"explotacion": "forced_labour"}),
        ],
        "dashboard_two_filters": [
            (dashboard, {"departamento": "17", "explotacion": "sexual_exploitation"}),
            (
                dashboard,
                {
                    "distrito_fiscal": "lima-centro",
                    "explotacion": "forced_labour",
                    "desde": last - 4,
                    "hasta": last,
                },
            ),
        ],
        "dashboard_three_filters": [
            (
                dashboard,
                {"departamento": "17", "distrito_fiscal": "madre-de-dios", "explotacion": "forced_labour"},
            ),
        ],
        "map_departments": [(map_url, {})],
        "map_provinces": [(map_url, {"nivel": "provincia", "medida": "captacion"})],
        "map_one_filter": [
            (map_url, {"explotacion": "sexual_exploitation", "desde": last - 2, "hasta": last})
        ],
        "map_two_filters": [
            (map_url, {"explotacion": "forced_labour", "departamento": "17", "nivel": "provincia"})
        ],
        # province and route figures store up to two filters: with three they are grouped from the facts
        "map_three_filters": [
            (
                map_url,
                {"explotacion": "forced_labour", "departamento": "17", "distrito_fiscal": "madre-de-dios"},
            )
        ],
        "api_figures": [
            ("/api/v1/estadisticas/cifras/", {"figuras": "victims_by_sex,attrition,stage_durations"})
        ],
        "annual_report": [(reverse("stats:report", args=[last]), {})],
    }
    results = {}
    for name, requests in pages.items():
        results[name] = _time_page(client, requests, args.repeat, connection, CaptureQueriesContext)
        r = results[name]
        print(
            f"  {name:<24} mediana {r['median_ms']:>8.1f} ms  p95 {r['p95_ms']:>8.1f} ms  "
            f"{r['queries']:>3} consultas",
            flush=True,
        )
    return results


def _time_page(client, requests, repeat, connection, capture_cls) -> dict:
    def call(i):
        url, data = requests[i % len(requests)]
        response = client.get(url, data)
        if response.status_code != 200:
            raise SystemExit(f"GET {url} {data} → {response.status_code}")
        return response

    for i in range(3):
        call(i)
    with capture_cls(connection) as captured:
        call(3)
    # read now: the next request resets the log
    queries = [(float(q["time"]), q["sql"]) for q in captured.captured_queries]
    timings = []
    for i in range(repeat):
        started = time.perf_counter()
        call(i + 4)
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


def _report(args, persons: int, seeded: dict, refresh: dict, results: dict) -> None:
    import django
    from django.db import connection

    from sistra.stats.models import AggregateCell, FactCase, FactVictim

    vendor = connection.vendor
    with connection.cursor() as cursor:
        cursor.execute("select sqlite_version()" if vendor == "sqlite" else "show server_version")
        version = cursor.fetchone()[0]
    payload = {
        "vendor": vendor,
        "database_version": version,
        "persons_target": persons,
        "registry": seeded,
        "refresh": refresh,
        "fact_cases": FactCase.objects.count(),
        "fact_victims": FactVictim.objects.count(),
        "cells": AggregateCell.objects.count(),
        "repeat": args.repeat,
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "django": django.get_version(),
        "cpus": os.cpu_count(),
        "load_average": round(os.getloadavg()[0], 2),
        "pages": results,
    }
    out_dir = ROOT / "benchmarks" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"stats-{vendor}-{persons}.json"
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print()
    print(
        f"{vendor} {version} — {seeded['persons']:,} personas, {seeded['cases']:,} casos; "
        f"agregados: {refresh['seconds']:,} s, {payload['cells']:,} celdas"
    )
    print(f"{'página':<26} {'mediana ms':>10} {'p95 ms':>9} {'consultas':>9}")
    for name, r in results.items():
        flag = "  ← lenta" if r["median_ms"] > 200 else ""
        print(f"{name:<26} {r['median_ms']:>10.1f} {r['p95_ms']:>9.1f} {r['queries']:>9}{flag}")
    print(f"→ {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
