"""Every interactive page and API of every role under gunicorn and locust, as multiples of the floor page.

    .venv/bin/python benchmarks/harness/run.py \\
        --database-url postgres://postgres@127.0.0.1:5432/sistra_bench_small [--workers 4] [--users 1,20] \\
        [--seconds 60] [--warmup 10] [--think 0] [--out benchmarks/results/harness-<tag>.json]

1. Refuses a database whose name lacks "bench"; collects static files and creates the cache table
   (config.settings.benchmark, production's behaviour over plain HTTP).
2. Signs in one demo user of each role without the login form: a session made with `Client.force_login` that
   already passed the second factor (sistra.accounts.mfa.SESSION_KEY), as benchmarks/bench_cases.py does, and
   a CSRF token; real inputs for each page (cases the user sees, victims' names, hotline contacts…) are read
   with the ORM through each app's access functions, as that user.
3. Serves the app with gunicorn on a free port of 127.0.0.1, runs locust headless (benchmarks/harness/
   locustfile.py) once per user count, stops gunicorn, and writes per page: requests, failures (any answer
   that is not 2xx), p50, p95, throughput and p95 ÷ the floor's p95 of the same run; JSON and a markdown table.
   Before each measurement, where the server runs without autovacuum, the tables it would have vacuumed or
   analyzed by then are (`_as_autovacuum_would`; the JSON names them).
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
SAMPLE = 200  # records drawn per page, so each request asks for a different one
FLOOR = "floor"

# role key → demo user (sistra.core.demo.USERS); a role whose user is missing is skipped and reported
ROLE_USERS = {
    "fiscal": "fiscal.cusco",
    "policía": "policia",
    "operadora": "operadora",
    "supervisora": "supervisora",
    "salud": "salud",
    "gestora": "gestora",
    "prevención": "prevencion",
    "analista": "analista",
    "auditor": "auditor",
    "admin. institución": "admin.cusco",
    "admin. sistema": "admin",
    "datos": "demo.data_steward",
}


def main(argv=None) -> int:
    args = _parse(argv)
    name = urlparse(args.database_url).path.lstrip("/")
    if "bench" not in name:
        print(f"La base «{name}» no es de pruebas de rendimiento (su nombre no contiene «bench»).")
        return 2
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.benchmark"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)
    users = [int(u) for u in args.users.split(",")]
    tag = args.tag or name
    out = Path(args.out or ROOT / "benchmarks" / "results" / f"harness-{tag}.json")
    work = ROOT / "var" / "harness" / tag
    work.mkdir(parents=True, exist_ok=True)

    rng = random.Random(args.seed)
    roles, skipped = prepare_roles(rng, sessions_per_role=max(users))
    meta = _metadata(args, name, users)
    connections.close_all()

    fd, data_path = tempfile.mkstemp(prefix="sistra-harness-", suffix=".json")  # signed-in sessions: 0600
    with os.fdopen(fd, "w") as f:
        json.dump({"think": args.think, "roles": roles, **_cookie_names()}, f, ensure_ascii=False)
    port = _free_port()
    host = f"http://127.0.0.1:{port}"
    server = _start_gunicorn(port, args.workers, work / "gunicorn.log")
    try:
        _wait_until_up(host, server)
        if args.warmup:
            print(f"Calentamiento: {max(users)} usuarios, {args.warmup} s…", flush=True)
            _locust(host, data_path, max(users), args.warmup, work / "warmup")
        runs = {}
        for count in users:
            maintained = _as_autovacuum_would()
            print(f"Medición: {count} usuario(s), {args.seconds} s…", flush=True)
            load_before = os.getloadavg()
            raw = _locust(host, data_path, count, args.seconds, work / f"u{count}")
            runs[str(count)] = {
                "maintained_before": maintained,
                "load_before": [round(x, 2) for x in load_before],
                "load_after": [round(x, 2) for x in os.getloadavg()],
                **_summarise(raw),
            }
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        os.unlink(data_path)
        _end_sessions(roles)

    result = {**meta, "skipped_roles": skipped, "runs": runs}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    table = markdown(result)
    out.with_suffix(".md").write_text(table)
    print(table)
    failing = {
        (page, count) for count, run in runs.items() for page, s in run["pages"].items() if s["failures"]
    }
    for page, count in sorted(failing):
        print(f"FALLA ({count} usuarios) {page}: {runs[count]['pages'][page]['errors']}")
    print(f"Resultados: {out} y {out.with_suffix('.md')}")
    return 1 if failing else 0


def _as_autovacuum_would() -> list[str]:
    """Where the server runs without autovacuum (CI machines here: `autovacuum = off`), the tables it would have
    vacuumed or analyzed by now (its default thresholds), vacuumed and analyzed, so that the plans measured are
    those of a production server: fresh statistics (the access log grows by every request measured) and
    visibility maps for the index-only scans. The tables done are returned for the results."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        if cursor.fetchone()[0] == "on":
            return []
        cursor.execute(
            "SELECT relname FROM pg_stat_user_tables WHERE n_mod_since_analyze > 50 + 0.1 * n_live_tup"
            " OR n_ins_since_vacuum > 1000 + 0.2 * n_live_tup OR n_dead_tup > 50 + 0.2 * n_live_tup ORDER BY 1"
        )
        tables = [row[0] for row in cursor.fetchall()]
        for table in tables:
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(table)}")
    connection.close()
    return tables


def _parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="postgres://…/<un nombre que contenga «bench»>")
    parser.add_argument("--workers", type=int, default=4, help="procesos de gunicorn (4)")
    parser.add_argument(
        "--users", default="1,20", help="usuarios simultáneos, una medición por número (1,20)"
    )
    parser.add_argument("--seconds", type=int, default=60, help="duración de cada medición (60)")
    parser.add_argument("--warmup", type=int, default=10, help="segundos de calentamiento no medidos (10)")
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="pausa de cada usuario entre dos pedidos, en segundos (0: cada usuario siempre espera "
        "una respuesta)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tag", default="", help="nombre de los resultados (por defecto, el de la base)")
    parser.add_argument("--out", default="", help="benchmarks/results/harness-<tag>.json por defecto")
    return parser.parse_args(argv)


# --- sessions and inputs ------------------------------------------------------------------------------------


def _cookie_names() -> dict:
    from django.conf import settings

    return {"session_cookie": settings.SESSION_COOKIE_NAME, "csrf_cookie": settings.CSRF_COOKIE_NAME}


def signed_in_sessions(user, count: int) -> list[dict]:
    """`count` sessions of `user` that passed the second factor, each with its CSRF token (the cookie holds the
    secret; the same 32 characters are accepted in the X-CSRFToken header)."""
    from django.conf import settings
    from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
    from django.test import Client
    from django.utils.crypto import get_random_string

    from sistra.accounts.mfa import SESSION_FACTOR_KEY, SESSION_KEY, passkey_required

    sessions = []
    for _ in range(count):
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        session = client.session
        session[SESSION_KEY] = str(user.pk)
        # administrators' sessions count only when the factor was a passkey
        session[SESSION_FACTOR_KEY] = "webauthn" if passkey_required(user) else "totp"
        session.save()
        sessions.append(
            {
                "session": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "csrf": get_random_string(CSRF_SECRET_LENGTH, CSRF_ALLOWED_CHARS),
            }
        )
    return sessions


def _end_sessions(roles: dict) -> None:
    """The signed-in sessions made for the run do not outlive it."""
    from importlib import import_module

    from django.conf import settings

    store = import_module(settings.SESSION_ENGINE).SessionStore
    for spec in roles.values():
        for session in spec["sessions"]:
            store(session["session"]).delete()


def prepare_roles(rng: random.Random, *, sessions_per_role: int) -> tuple[dict, list[str]]:
    """For each role: its sessions and its pages, each page a list of concrete requests to pick from."""
    from sistra.accounts.models import User

    roles, skipped = {}, []
    for role, username in ROLE_USERS.items():
        user = User.objects.filter(username=username, is_active=True).select_related("agency").first()
        if user is None:
            skipped.append(f"{role} ({username}: no existe)")
            continue
        every = PAGES[role](user, rng)
        pages = {k: v for k, v in every.items() if v}
        skipped += [f"{role}: {k} (sin datos)" for k, v in every.items() if not v]
        roles[role] = {
            "username": username,
            "sessions": signed_in_sessions(user, sessions_per_role),
            "pages": [{"name": f"{role}: {k}", "requests": v} for k, v in pages.items()],
        }
    return roles, skipped


def get(url: str, query: dict | None = None) -> dict:
    return {"method": "GET", "url": f"{url}?{urlencode(query)}" if query else url}


def post(url: str, data: dict) -> dict:
    return {"method": "POST", "url": url, "data": data}


def post_json(url: str, data: dict) -> dict:
    return {"method": "POST", "url": url, "json": data}


def _sample(queryset, fields, k: int, rng: random.Random) -> list:
    """Up to k rows of the user's visible records, drawn at random by the database: on PostgreSQL from a seed
    taken from `rng`, so that two runs with the same --seed on the same database draw the same records (the
    name searches' times depend on how many persons hold the names drawn)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT setseed(%s)", [rng.uniform(-1, 1)])
    rows = list(queryset.order_by("?").values_list(*fields)[:k])
    rng.shuffle(rows)
    return rows


def _case_pages(user, rng, *, names: bool) -> dict:
    from django.urls import reverse

    from sistra.accounts.capabilities import Capability
    from sistra.cases.access import visible_cases
    from sistra.cases.models import CaseVictim
    from sistra.cases.views import PAGE_SIZE

    visible = visible_cases(user)
    sample = _sample(visible, ("pk", "uuid", "number", "complaint_date"), SAMPLE, rng)
    url = reverse("cases:list")
    last_page = max(1, math.ceil(visible.count() / PAGE_SIZE))
    years = sorted({d.year for _pk, _u, _n, d in sample if d}) or [datetime.date.today().year]
    pages = {
        "casos, primera página": [get(url)],
        "casos, filtrados": [
            get(url, {"year": y, "status": "active", "exploitation": "explotacion_sexual"}) for y in years
        ]
        + [get(url, {"region": "17", "minor_victim": "1"})],
        "casos, página profunda": [get(url, {"page": min(200, last_page)})],
        "casos, buscar por número": [post(url, {"q": n}) for _pk, _u, n, _d in sample],
        "caso, ficha": [get(reverse("cases:detail", args=[u])) for _pk, u, _n, _d in sample],
        "caso, eventos (API)": [get(f"/api/v1/cases/{u}/events/") for _pk, u, _n, _d in sample],
        "casos (API)": [get("/api/v1/cases/")],
    }
    if user.can(Capability.HISTORY_VIEW):
        pages["caso, historial (API)"] = [get(f"/api/v1/cases/{u}/history/") for _pk, u, _n, _d in sample]
    if names:
        victims = list(
            CaseVictim.objects.filter(case_id__in=[s[0] for s in sample]).select_related("person")[:SAMPLE]
        )
        people = [v.person for v in victims if v.person.first_names and v.person.last_name_paternal]
        full = [(p.first_names, p.last_name_paternal, p.last_name_maternal) for p in people]
        pages["casos, buscar por nombre"] = [post(url, {"q": f"{f.split()[0]} {p}"}) for f, p, _m in full]
        pages["personas, buscar"] = [
            post(reverse("people:list"), {"q": f"{f.split()[0]} {p}"}) for f, p, _m in full
        ]
        pages["persona, ficha"] = [get(reverse("people:detail", args=[p.uuid])) for p in people]
        pages["personas, duplicados (API)"] = [
            post_json(
                "/api/v1/persons/match/", {"first_names": f, "last_name_paternal": p, "last_name_maternal": m}
            )
            for f, p, m in full
        ]
    if user.can(Capability.CASE_EDIT):
        pages["mis plazos"] = [get(reverse("deadlines:mine"))]
    return pages


def _fiscal(user, rng) -> dict:
    return _case_pages(user, rng, names=True)


def _police(user, rng) -> dict:
    from django.urls import reverse

    from sistra.hotline.access import visible_reports

    pages = _case_pages(user, rng, names=True)
    reports = _sample(visible_reports(user), ("uuid",), SAMPLE, rng)
    pages["reportes de la línea"] = [get(reverse("hotline:inbox"))]
    pages["reporte, ficha"] = [get(reverse("hotline:report_detail", args=[u])) for (u,) in reports]
    return pages


def _operator(user, rng) -> dict:
    from django.urls import reverse

    from sistra.hotline.access import visible_contacts

    contacts = list(visible_contacts(user).order_by("?")[:SAMPLE])
    # numbers kept with a caller's consent; where there are none, numbers never seen (the lookup runs alike)
    phones = [c.caller_phone for c in contacts if c.caller_phone] or [
        f"9{rng.randrange(10**8):08d}" for _ in range(SAMPLE)
    ]
    return {
        "contactos": [get(reverse("hotline:home"))],
        "contacto, ficha": [get(reverse("hotline:contact_detail", args=[c.uuid])) for c in contacts],
        "contacto (API)": [get(f"/api/v1/hotline/contacts/{c.uuid}/") for c in contacts],
        "llamante, historial": [post(reverse("hotline:caller_lookup"), {"caller_phone": p}) for p in phones],
        # "$now" and "$phone" are filled in by the locustfile, so each call is a new contact
        "llamada entrante, registrar (API)": [
            post_json(
                "/api/v1/hotline/contacts/",
                {"caller_number": "$phone", "started_at": "$now", "line": "0800-2-3232", "channel": "phone"},
            )
        ],
    }


def _supervisor(user, rng) -> dict:
    from django.urls import reverse

    return {
        "contactos": [get(reverse("hotline:home"))],
        "supervisión": [get(reverse("hotline:supervisor"))],
        "relevo de turno": [get(reverse("hotline:handover"))],
    }


def _health(user, rng) -> dict:
    from django.urls import reverse

    from sistra.clinic.access import visible_screenings

    screenings = _sample(visible_screenings(user), ("uuid",), SAMPLE, rng)
    return {
        "clínica, inicio": [get(reverse("clinic:home"))],
        "clínica, consultas": [get(reverse("clinic:consultations"))],
        "clínica, tamizaje": [get(reverse("clinic:screening_detail", args=[u])) for (u,) in screenings],
        "clínica, conflictos": [get(reverse("clinic:conflicts"))],
        # not the consultations CSV: a download of every consultation (30 s at 300,000) is an export, whose
        # memory bench_exports.py measures; here it would hold a gunicorn worker through half the run
    }


def _caseworker(user, rng) -> dict:
    from django.urls import reverse

    from sistra.assistance.access import visible_assistance_cases, visible_referrals

    cases = _sample(visible_assistance_cases(user), ("uuid",), SAMPLE, rng)
    referrals = _sample(visible_referrals(user), ("uuid",), SAMPLE, rng)
    return {
        "asistencia, inicio": [get(reverse("assistance:dashboard"))],
        "asistencia, casos": [get(reverse("assistance:case_list"))],
        "asistencia, caso": [get(reverse("assistance:case_detail", args=[u])) for (u,) in cases],
        "derivación, ficha": [get(reverse("assistance:referral_detail", args=[u])) for (u,) in referrals],
        "asistencia, casos (API)": [get("/api/v1/assistance/cases/")],
    }


def _prevention(user, rng) -> dict:
    from django.urls import reverse

    from sistra.prevention.access import visible_campaigns, visible_events, visible_families

    events = _sample(visible_events(user), ("uuid",), SAMPLE, rng)
    campaigns = _sample(visible_campaigns(user), ("uuid",), SAMPLE, rng)
    families = _sample(visible_families(user), ("uuid",), SAMPLE, rng)
    return {
        "prevención, inicio": [get(reverse("prevention:home"))],
        "capacitaciones": [get(reverse("prevention:event_list"))],
        "capacitación, ficha": [get(reverse("prevention:event_detail", args=[u])) for (u,) in events],
        "campañas": [get(reverse("prevention:campaign_list"))],
        "campaña, ficha": [get(reverse("prevention:campaign_detail", args=[u])) for (u,) in campaigns],
        "familias": [get(reverse("prevention:family_list"))],
        "familia, ficha": [get(reverse("prevention:family_detail", args=[u])) for (u,) in families],
        "capacitaciones (API)": [get("/api/v1/prevention/trainings/")],
    }


def _analyst(user, rng) -> dict:
    from django.urls import reverse

    from sistra.stats.selectors import available_years, latest_run

    years = available_years(latest_run())[-2:] or [datetime.date.today().year]
    pages = {
        "estadísticas, tablero": [get(reverse("stats:dashboard"))],
        "estadísticas, mapa": [get(reverse("stats:map"))],
        "estadísticas, indicadores": [get(reverse("stats:indicators"))],
        "estadísticas, tabla CSV": [get(reverse("stats:export", args=["cases_total", "csv"]))],
        "estadísticas, informe anual": [get(reverse("stats:report", args=[y])) for y in years],
        "datos abiertos": [get(reverse("stats:open_data"))],
        "estadísticas, cifras (API)": [get("/api/v1/estadisticas/cifras/")],
    }
    return {**pages, **_case_pages(user, rng, names=False)}


def _auditor(user, rng) -> dict:
    from django.urls import reverse

    from sistra.people.models import Person

    persons = _sample(Person.objects.all(), ("uuid",), SAMPLE, rng)
    url = reverse("audit:log")
    return {
        "registro de accesos": [get(url)],
        "registro de accesos, por usuario": [
            get(url, {"user": u}) for u in ("fiscal.cusco", "policia", "operadora")
        ],
        "accesos a una persona": [get(reverse("audit:person", args=[u])) for (u,) in persons],
    }


def _agency_admin(user, rng) -> dict:
    from django.urls import reverse

    from sistra.accounts.models import User

    colleagues = _sample(User.objects.filter(agency_id=user.agency_id), ("uuid",), SAMPLE, rng)
    return {
        "usuarios": [get(reverse("useradmin:user_list"))],
        "usuario, ficha": [get(reverse("useradmin:user_detail", args=[u])) for (u,) in colleagues],
    }


def _system_admin(user, rng) -> dict:
    from django.urls import reverse

    return {
        "usuarios": [get(reverse("useradmin:user_list"))],
        "instituciones": [get(reverse("useradmin:agency_list"))],
    }


def _data_steward(user, rng) -> dict:
    from django.urls import reverse

    return {"vinculación, cola": [get(reverse("linkage:queue"))]}


PAGES = {
    "fiscal": _fiscal,
    "policía": _police,
    "operadora": _operator,
    "supervisora": _supervisor,
    "salud": _health,
    "gestora": _caseworker,
    "prevención": _prevention,
    "analista": _analyst,
    "auditor": _auditor,
    "admin. institución": _agency_admin,
    "admin. sistema": _system_admin,
    "datos": _data_steward,
}


# --- gunicorn and locust ------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_gunicorn(port: int, workers: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.benchmark"}
    return subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "-c",
            str(ROOT / "config" / "gunicorn.conf.py"),
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--no-control-socket",
            "config.wsgi",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def _wait_until_up(host: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(
                f"gunicorn terminó con el código {server.returncode} (véase var/harness/…/gunicorn.log)"
            )
        try:
            with urllib.request.urlopen(f"{host}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn no respondió a tiempo")


def _locust(host: str, data_path: str, users: int, seconds: int, prefix: Path) -> dict:
    raw_path = prefix.with_suffix(".raw.json")
    env = {**os.environ, "HARNESS_DATA": data_path, "HARNESS_RAW": str(raw_path)}
    with prefix.with_suffix(".log").open("w") as log:
        subprocess.run(
            [
                str(BIN / "locust"),
                "-f",
                str(HERE / "locustfile.py"),
                "--headless",
                "-u",
                str(users),
                "-r",
                str(users),
                "-t",
                f"{seconds}s",
                "--host",
                host,
                "--csv",
                str(prefix),
                "--only-summary",
                "--loglevel",
                "WARNING",
                "--exit-code-on-error",
                "0",
                "--stop-timeout",
                "10",
            ],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return json.loads(raw_path.read_text())


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def _summarise(raw: dict) -> dict:
    seconds = raw["seconds"]
    pages = {}
    for name, times in sorted(raw["times"].items()):
        errors = raw["errors"].get(name, {})
        pages[name] = {
            "requests": len(times),
            "failures": sum(errors.values()),
            "errors": errors,
            "p50_ms": round(percentile(times, 50), 1) if times else None,
            "p95_ms": round(percentile(times, 95), 1) if times else None,
            "rps": round(len(times) / seconds, 2),
        }
    floor = pages.get(FLOOR, {}).get("p95_ms")
    for stats in pages.values():
        stats["ratio_p95_floor"] = round(stats["p95_ms"] / floor, 2) if floor and stats["p95_ms"] else None
    total = sum(p["requests"] for p in pages.values())
    return {"seconds": round(seconds, 1), "requests": total, "rps": round(total / seconds, 2), "pages": pages}


def _metadata(args, name: str, users: list[int]) -> dict:
    import django
    from django.db import connection

    from sistra.cases.models import Case
    from sistra.people.models import Person

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "database": name,
        "postgresql": server,
        "python": sys.version.split()[0],
        "django": django.get_version(),
        "commit": commit.stdout.strip(),
        "cases": Case.objects.count(),
        "persons": Person.objects.count(),
        "workers": args.workers,
        "users": users,
        "seconds": args.seconds,
        "think_seconds": args.think,
        "cpus": os.cpu_count(),
    }


# --- the table ----------------------------------------------------------------------------------------------


def markdown(result: dict) -> str:
    counts = list(result["runs"])
    head = (
        "| página | "
        + " | ".join(f"{c} usr: n | fallos | p50 ms | p95 ms | ×piso p95" for c in counts)
        + " |"
    )
    rule = "|---|" + "---:|" * (5 * len(counts))
    names = sorted(
        {n for run in result["runs"].values() for n in run["pages"]}, key=lambda n: (n != FLOOR, n)
    )
    lines = [head, rule]
    for name in names:
        cells = []
        for c in counts:
            s = result["runs"][c]["pages"].get(name)
            cells += (
                [
                    str(s["requests"]),
                    str(s["failures"]),
                    _ms(s["p50_ms"]),
                    _ms(s["p95_ms"]),
                    f"{s['ratio_p95_floor']:.1f}" if s["ratio_p95_floor"] else "—",
                ]
                if s
                else ["—"] * 5
            )
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    totals = "; ".join(
        f"{c} usuario(s): {r['requests']} pedidos en {r['seconds']} s = {r['rps']} pedidos/s, carga "
        f"{r['load_before'][0]} → {r['load_after'][0]}"
        for c, r in result["runs"].items()
    )
    return (
        f"{result['database']} ({result['cases']} casos, {result['persons']} personas), {result['workers']} "
        f"procesos de gunicorn, {result['date']}, commit {result['commit']}. {totals}.\n\n"
        + "\n".join(lines)
        + "\n"
    )


def _ms(value) -> str:
    return "—" if value is None else f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


if __name__ == "__main__":
    sys.exit(main())
