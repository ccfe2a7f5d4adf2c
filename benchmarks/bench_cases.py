"""Benchmark of the criminal-case pages on a large synthetic database.

    .venv/bin/python benchmarks/bench_cases.py --cases 100000 [--repeat 50] [--reuse] [--explain]

Uses its own database: var/bench.sqlite3 by default, or the one DATABASE_URL names (PostgreSQL:
postgres://postgres@127.0.0.1:5432/sistra_bench). It recreates that database, so it refuses any database whose
name does not contain "bench" — the demo database is never touched. Then it migrates, loads the demo
agencies and users, seeds N cases over the three demo fiscalías (reporting the seeding rate) and measures,
with django.test.Client, as a prosecutor of one fiscalía and as an analyst with national scope:
the case list (first page and a filtered page), a search by case number and by a person's name, and the
detail page of random cases — median and p95 in milliseconds over repeated requests, and the number of SQL
queries of one request. Results go to benchmarks/results/<vendor>-<N>.json and a table is printed.
"""

import argparse
import datetime
import json
import math
import os
import platform
import random
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        url = f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}"
        os.environ["DATABASE_URL"] = url
    return url


def _reset_database(url: str) -> None:
    """Drop and recreate the benchmark database (only ever one whose name says it is for benchmarks)."""
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
    parser.add_argument("--cases", type=int, required=True)
    parser.add_argument("--repeat", type=int, default=50, help="measured requests per page (default 50)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the benchmark database if it already holds exactly --cases cases",
    )
    parser.add_argument(
        "--explain", action="store_true", help="print the plan of the slowest query of each page"
    )
    parser.add_argument(
        "--pages", default="", help="only these pages, comma-separated (e.g. detail,search_name,duplicate_check)"
    )
    parser.add_argument(
        "--users", default="fiscal.cusco,analista", help="the users measured, comma-separated"
    )
    parser.add_argument(
        "--tag", default="", help="suffix of the result file: results/<vendor>-<N>-<tag>.json"
    )
    args = parser.parse_args()

    url = _database_url()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    # no per-query debug logging while timing (DEBUG=True keeps every SQL string in memory)
    os.environ["DEBUG"] = "0"
    if not args.reuse:
        _reset_database(url)

    import django

    django.setup()
    # whitenoise warns that collectstatic never ran: static files play no part in these timings
    warnings.filterwarnings("ignore", message="No directory at")
    import logging

    logging.getLogger("axes").setLevel(logging.WARNING)  # one line per login is noise here
    from django.core.management import call_command
    from django.db import connection

    from sistra.cases.models import Case

    call_command("migrate", interactive=False, verbosity=0)
    seeded = None
    existing = Case.objects.count()
    if args.reuse and existing not in (0, args.cases):
        sys.exit(f"La base de benchmark tiene {existing} casos, no {args.cases}: ejecute sin --reuse.")
    if existing == 0:
        seeded = _seed(args)
    load_before = os.getloadavg()
    results = _measure(args, connection)
    _report(args, connection, seeded, results, load=(load_before, os.getloadavg()))


def _seed(args) -> dict:
    from sistra.accounts.models import Agency, User
    from sistra.cases.models import Case, CaseShare
    from sistra.cases.seed import seed_cases
    from sistra.core.demo import FISCALIAS, load_demo_data
    from sistra.people.models import Person

    load_demo_data(cases=0)
    fiscalias = list(
        Agency.objects.filter(code__in=FISCALIAS).select_related("distrito_fiscal__departamento")
    )

    def progress(done, total, seconds):
        print(f"  {done:>9,} / {total:,} casos  {done / seconds:,.0f} casos/s", flush=True)

    print(f"Sembrando {args.cases:,} casos…", flush=True)
    result = seed_cases(
        count=args.cases, seed=args.seed, fiscalias=fiscalias, batch_size=args.batch_size, progress=progress
    )
    # a realistic share table: some cases of each fiscalía shared with the police and with MIMP
    granter = User.objects.get(username="fiscal.lima")
    rng = random.Random(args.seed)
    pnp, mimp = Agency.objects.get(code="pnp-dirctptim"), Agency.objects.get(code="mimp")
    ids = list(Case.objects.values_list("pk", flat=True))
    shares = [
        CaseShare(case_id=pk, agency=pnp, level="write", reason="Investigación conjunta", granted_by=granter)
        for pk in rng.sample(ids, k=len(ids) // 100)
    ]
    shares += [
        CaseShare(case_id=pk, agency=mimp, level="read", reason="Atención a víctimas", granted_by=granter)
        for pk in rng.sample(ids, k=len(ids) // 500)
    ]
    CaseShare.objects.bulk_create(shares, batch_size=2000)
    _analyze()
    return {
        "seconds": round(result.seconds, 1),
        "cases_per_second": round(result.rate, 1),
        "persons": Person.objects.count(),
        "shares": len(shares),
    }


def _analyze() -> None:
    """Fresh planner statistics, as autovacuum / a DBA would have them on a production database."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _measure(args, connection) -> dict:
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from sistra.accounts.capabilities import Capability
    from sistra.accounts.models import User
    from sistra.cases.access import visible_cases
    from sistra.cases.models import CaseVictim

    rng = random.Random(args.seed + 1)
    results: dict = {}
    for username in args.users.split(","):
        user = User.objects.get(username=username)
        client = _login(Client(), user)
        visible = visible_cases(user)
        ids = list(visible.values_list("pk", flat=True))
        sample_ids = rng.sample(ids, k=min(len(ids), args.repeat + 3))
        sample = list(
            visible.model.objects.filter(pk__in=sample_ids).values_list("uuid", "number", "complaint_date")
        )
        year = sorted(s[2].year for s in sample)[len(sample) // 2]
        names = list(
            CaseVictim.objects.filter(case_id__in=sample_ids)
            .select_related("person")
            .values_list("person__first_names", "person__last_name_paternal", "person__last_name_maternal")
        )
        list_url = reverse("cases:list")
        pages = {
            "list_first_page": [("get", list_url, None)],
            "list_filtered": [
                ("get", list_url, {"year": year, "status": "active", "exploitation": "explotacion_sexual"}),
                ("get", list_url, {"region": "17", "minor_victim": "1"}),
            ],
            "list_page_200": [("get", list_url, {"page": 200})],
            # the stored deadline: an index range, never a computation per case (decision 0131)
            "list_deadline": [("get", list_url, {"deadline": "overdue"}), ("get", list_url, {"deadline": "due7"})],
            "search_number": [("post", list_url, {"q": number}) for _uuid, number, _d in sample],
            "detail": [
                ("get", reverse("cases:detail", kwargs={"case_uuid": u}), None) for u, _n, _d in sample
            ],
        }
        if user.can(Capability.CASE_EDIT):
            pages["mis_plazos"] = [("get", reverse("deadlines:mine"), None)]
        if user.can(Capability.CASE_VIEW_IDENTITY):
            pages["search_name"] = [
                ("post", list_url, {"q": f"{first.split()[0]} {paternal}"}) for first, paternal, _m in names
            ]
            # the registry's search box, and the duplicate check at entry (the API the forms call)
            pages["person_search"] = [
                ("post", reverse("people:list"), {"q": f"{first.split()[0]} {paternal}"})
                for first, paternal, _m in names
            ]
            pages["duplicate_check"] = [
                (
                    "post_json",
                    "/api/v1/persons/match/",
                    {"first_names": first, "last_name_paternal": paternal, "last_name_maternal": maternal},
                )
                for first, paternal, maternal in names
            ]
        for page, requests in pages.items():
            if args.pages and page not in args.pages.split(","):
                continue
            results[f"{username}:{page}"] = _time_page(
                client, requests, args.repeat, connection, CaptureQueriesContext, explain=args.explain
            )
            r = results[f"{username}:{page}"]
            print(
                f"  {username:<13} {page:<17} mediana {r['median_ms']:>8.1f} ms  p95 {r['p95_ms']:>8.1f} ms  "
                f"{r['queries']:>3} consultas",
                flush=True,
            )
    return results


def _login(client, user):
    """A signed-in session that already passed the second factor, as a prosecutor's is after logging in."""
    client.force_login(user)
    try:
        from sistra.accounts.mfa import SESSION_KEY
    except ImportError:  # a version of SISTRA without MFA
        return client
    session = client.session
    session[SESSION_KEY] = str(user.pk)
    session.save()
    return client


def _time_page(client, requests, repeat, connection, capture_cls, *, explain: bool) -> dict:
    def call(i):
        method, url, data = requests[i % len(requests)]
        if method == "post_json":
            response = client.post(url, data, content_type="application/json")
        else:
            response = client.post(url, data) if method == "post" else client.get(url, data)
        if response.status_code != 200:
            raise SystemExit(f"{method.upper()} {url} {data} → {response.status_code}")
        return response

    for i in range(3):  # warm-up: caches, compiled templates, database pages
        call(i)
    with capture_cls(connection) as captured:
        call(3)
    queries = [(float(q["time"]), q["sql"]) for q in captured.captured_queries]
    slowest = sorted(queries, reverse=True)[:3]
    timings = []
    for i in range(repeat):
        started = time.perf_counter()
        call(i + 4)
        timings.append((time.perf_counter() - started) * 1000)
    result = {
        "median_ms": round(statistics.median(timings), 2),
        "p95_ms": round(_percentile(timings, 95), 2),
        "min_ms": round(min(timings), 2),
        "max_ms": round(max(timings), 2),
        "requests": repeat,
        "queries": len(queries),
        "slowest_queries": [{"ms": round(t * 1000, 2), "sql": sql[:600]} for t, sql in slowest],
    }
    if explain and slowest:
        result["plan"] = _explain(connection, slowest[0][1])
    return result


def _explain(connection, sql: str) -> str:
    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
    try:
        with connection.cursor() as cursor:
            cursor.execute(prefix + sql)
            return "\n".join(" | ".join(str(c) for c in row) for row in cursor.fetchall())
    except Exception as exc:  # noqa: BLE001 — a plan is a diagnosis aid, never a reason to fail the run
        return f"(sin plan: {exc})"


def _report(args, connection, seeded, results, *, load) -> None:
    import django

    from sistra.cases.models import Case
    from sistra.people.models import Person

    vendor = connection.vendor
    version = ""
    with connection.cursor() as cursor:
        cursor.execute("select sqlite_version()" if vendor == "sqlite" else "show server_version")
        version = cursor.fetchone()[0]
    payload = {
        "vendor": vendor,
        "database_version": version,
        "cases": Case.objects.count(),
        "persons": Person.objects.count(),
        "repeat": args.repeat,
        "seed": args.seed,
        "seeding": seeded,
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "django": django.get_version(),
        "cpus": os.cpu_count(),
        # other work on the machine skews the timings: the 1-minute load average before and after measuring
        "load_average": [round(load[0][0], 2), round(load[1][0], 2)],
        "pages": results,
    }
    out_dir = ROOT / "benchmarks" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{vendor}-{args.cases}{'-' + args.tag if args.tag else ''}.json"
    seeding_run = out_dir / f"{vendor}-{args.cases}.json"
    if seeded is None and seeding_run.exists():
        # --reuse measured a database seeded by an earlier run: keep that run's seeding figures
        payload["seeding"] = json.loads(seeding_run.read_text(encoding="utf-8")).get("seeding")
        seeded = payload["seeding"]
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    print()
    print(
        f"{vendor} {version} — {payload['cases']:,} casos, {payload['persons']:,} personas "
        f"(carga del equipo {load[0][0]:.1f} → {load[1][0]:.1f})"
    )
    if seeded:
        print(f"siembra: {seeded['seconds']:,} s, {seeded['cases_per_second']:,} casos/s")
    print(f"{'usuario:página':<34} {'mediana ms':>10} {'p95 ms':>9} {'consultas':>9}")
    for name, r in results.items():
        flag = "  ← lenta" if r["median_ms"] > 200 else ""
        print(f"{name:<34} {r['median_ms']:>10.1f} {r['p95_ms']:>9.1f} {r['queries']:>9}{flag}")
        if args.explain and r.get("plan") and r["median_ms"] > 200:
            print("    " + r["slowest_queries"][0]["sql"][:400])
            print("    " + r["plan"].replace("\n", "\n    "))
    print(f"→ {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
