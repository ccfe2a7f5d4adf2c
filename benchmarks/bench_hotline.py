"""Benchmark of the telephony API that registers answered calls: 50 operators at once against a real server.

    .venv/bin/python benchmarks/bench_hotline.py [--operators 50] [--requests 20] [--preload 250000] [--reuse]

Uses its own PostgreSQL database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/sistra_hotline_bench);
it recreates it, so it refuses a database whose name does not contain "bench". It migrates, creates one hotline
with N operators (each with an API token) and preloads --preload historical contacts (bulk insert, the only
write that bypasses the services: it is synthetic data and writes no history), so the repeat-caller lookup
every call makes runs on a table of realistic size (~250,000 contacts: 20 years of the national line).

Then it starts gunicorn (gthread workers) on 127.0.0.1 in a separate process and lets N threads — one per
operator, each with its own token and keep-alive connection — POST /api/v1/hotline/contacts/ at the same time,
every one a distinct call (some from numbers that called before). It reports p50, p95, p99 and max latency,
throughput and errors (any status other than 201), checks that every call became exactly one contact, and
re-sends one call per operator to check that a retry is answered 200 without a duplicate. Results go to
benchmarks/results/hotline-api-<vendor>.json.
"""

import argparse
import datetime
import http.client
import json
import math
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sistra_hotline_bench"
API_PATH = "/api/v1/hotline/contacts/"


def _reset_database(url: str) -> None:
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    name = str(config["NAME"])
    if "bench" not in name:
        sys.exit(f"La base de datos «{name}» no es de benchmark (su nombre debe contener «bench»): no se borra.")
    if not config["ENGINE"].endswith("postgresql"):
        sys.exit("Este benchmark mide PostgreSQL: indique DATABASE_URL=postgres://…")
    with psycopg.connect(dbname="postgres", user=config.get("USER") or None, password=config.get("PASSWORD") or None,
                         host=config.get("HOST") or None, port=config.get("PORT") or None, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def _random_mobile(rng: random.Random) -> str:
    return "9" + "".join(rng.choice("0123456789") for _ in range(8))


def _prepare(operators: int, preload: int, seed: int) -> tuple[list[str], list[str]]:
    """Operators with tokens, and the preloaded history. Returns the tokens and some numbers that called before."""
    from django.utils import timezone

    from sistra.accounts.capabilities import Role
    from sistra.accounts.models import Agency, User
    from sistra.accounts.tokens import token_create, token_revoke, tokens_of
    from sistra.hotline.models import Contact
    from sistra.hotline.phone import phone_hash

    rng = random.Random(seed)
    hotline, _created = Agency.objects.get_or_create(code="linea-0800-bench", defaults={
        "name": "Línea 0800-2-3232 (benchmark)", "kind": Agency.Kind.HOTLINE})
    tokens = []
    for i in range(operators):
        user, created = User.objects.get_or_create(username=f"ivr-bench-{i:02d}", defaults={
            "agency": hotline, "role": Role.HOTLINE_OPERATOR})
        if created:
            user.set_unusable_password()
            user.save()
        # a secret is shown only when created: each run revokes the previous run's tokens and makes new ones
        for old in tokens_of(user).filter(revoked_at__isnull=True):
            token_revoke(actor=None, token=old)
        tokens.append(token_create(actor=None, user=user, name="benchmark", allow_without_mfa=True)[1])
    existing = Contact.objects.filter(owner_agency=hotline).count()
    numbers = [_random_mobile(rng) for _ in range(5000)]
    if existing < preload:
        print(f"Precargando {preload - existing:,} contactos históricos…", flush=True)
        started = time.perf_counter()
        now = timezone.now()
        categories = ["information", "trafficking_report", "assistance", "follow_up", "non_substantive"]
        reasons = ["hung_up", "silent", "prank", "wrong_number"]
        hashes = {n: phone_hash(n) for n in numbers}
        batch = []
        for _ in range(preload - existing):
            start = now - datetime.timedelta(seconds=rng.randint(3600, 20 * 365 * 86400))
            category = rng.choice(categories)
            number = rng.choice(numbers)
            batch.append(Contact(
                owner_agency=hotline, source="import", status="closed", channel="phone", started_at=start,
                ended_at=start + datetime.timedelta(seconds=rng.randint(5, 900)), duration_seconds=0,
                category=category, non_substantive_reason=rng.choice(reasons) if category == "non_substantive" else "",
                phone_hash=hashes[number], departamento_code=f"{rng.randint(1, 25):02d}",
            ))
            if len(batch) == 10_000:
                Contact.objects.bulk_create(batch)
                batch = []
        Contact.objects.bulk_create(batch)
        print(f"  {time.perf_counter() - started:.1f} s", flush=True)
    return tokens, numbers


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_server(server: subprocess.Popen, port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn terminó al arrancar (¿puerto ocupado?)")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit("El servidor no respondió a /healthz")


class Operator(threading.Thread):
    def __init__(self, *, port: int, token: str, payloads: list[dict], barrier: threading.Barrier):
        super().__init__(daemon=True)
        self.port, self.token, self.payloads, self.barrier = port, token, payloads, barrier
        self.latencies: list[float] = []
        self.statuses: list[int] = []
        self.errors: list[str] = []

    def post(self, conn, payload) -> tuple[int, bytes]:
        body = json.dumps(payload)
        conn.request("POST", API_PATH, body=body, headers={
            "Authorization": f"Bearer {self.token}", "Content-Type": "application/json", "Connection": "keep-alive"})
        response = conn.getresponse()
        return response.status, response.read()

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        self.barrier.wait()
        for payload in self.payloads:
            started = time.perf_counter()
            try:
                status, body = self.post(conn, payload)
            except (OSError, http.client.HTTPException) as exc:
                self.latencies.append(time.perf_counter() - started)
                self.statuses.append(0)
                self.errors.append(repr(exc))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                continue
            self.latencies.append(time.perf_counter() - started)
            self.statuses.append(status)
            if status != 201:
                self.errors.append(f"{status}: {body[:200]!r}")
        conn.close()


def _payloads(rng: random.Random, operators: int, per_operator: int, known: list[str]) -> list[list[dict]]:
    from django.utils import timezone

    now = timezone.now()
    result = []
    for i in range(operators):
        mine = []
        for j in range(per_operator):
            # 30 % of the calls come from numbers that called before (the repeat-caller lookup finds rows)
            number = rng.choice(known) if rng.random() < 0.3 else _random_mobile(rng)
            start = now - datetime.timedelta(seconds=i * per_operator + j + 1, microseconds=rng.randint(0, 999))
            mine.append({"caller_number": number, "started_at": start.isoformat(), "line": "0800-2-3232"})
        result.append(mine)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--operators", type=int, default=50, help="concurrent operators (threads), default 50")
    parser.add_argument("--requests", type=int, default=20, help="calls each operator registers, default 20")
    parser.add_argument("--preload", type=int, default=250_000, help="historical contacts, default 250,000")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes, default 2")
    parser.add_argument("--threads", type=int, default=25, help="threads per gunicorn worker, default 25")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reuse", action="store_true", help="keep the database (and its preloaded contacts)")
    args = parser.parse_args()

    args.port = args.port or _free_port()
    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ["DEBUG"] = "0"
    if not args.reuse:
        _reset_database(url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    tokens, known = _prepare(args.operators, args.preload, args.seed)
    from sistra.hotline.models import Contact

    before = Contact.objects.count()
    connection.close()

    env = {**os.environ, "DEBUG": "0", "LOG_LEVEL": "WARNING", "CONN_MAX_AGE": "60",
           "DJANGO_SETTINGS_MODULE": "config.settings.base"}
    gunicorn = [str(Path(sys.executable).parent / "gunicorn"), "config.wsgi:application",
                "--bind", f"127.0.0.1:{args.port}", "--worker-class", "gthread", "--workers", str(args.workers),
                "--threads", str(args.threads), "--log-level", "warning", "--keep-alive", "10"]
    server = subprocess.Popen(gunicorn, cwd=ROOT, env=env)
    try:
        _wait_for_server(server, args.port)
        rng = random.Random(args.seed)
        # warm-up: one call per operator (imports, connections), not measured
        warm = _payloads(random.Random(args.seed + 1), args.operators, 1, known)
        for i, token in enumerate(tokens):
            op = Operator(port=args.port, token=token, payloads=warm[i], barrier=threading.Barrier(1))
            op.run()
        payloads = _payloads(rng, args.operators, args.requests, known)
        barrier = threading.Barrier(args.operators)
        operators = [Operator(port=args.port, token=tokens[i], payloads=payloads[i], barrier=barrier)
                     for i in range(args.operators)]
        started = time.perf_counter()
        for op in operators:
            op.start()
        for op in operators:
            op.join()
        elapsed = time.perf_counter() - started

        # a retry of the same call must be answered 200 and add nothing
        replay = [Operator(port=args.port, token=tokens[i], payloads=payloads[i][:1], barrier=threading.Barrier(1))
                  for i in range(args.operators)]
        for op in replay:
            op.run()
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()

    latencies = [lat * 1000 for op in operators for lat in op.latencies]
    statuses = [s for op in operators for s in op.statuses]
    errors = [e for op in operators for e in op.errors]
    replay_statuses = [s for op in replay for s in op.statuses]
    created = Contact.objects.count() - before - args.operators  # minus the warm-up calls
    total = len(statuses)
    result = {
        "benchmark": "hotline contact-creation API (IVR)",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "database": connection.vendor, "server": f"gunicorn gthread {args.workers}×{args.threads}",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "operators": args.operators, "requests": total, "preloaded_contacts": args.preload,
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(_percentile(latencies, 95), 1),
        "p99_ms": round(_percentile(latencies, 99), 1),
        "max_ms": round(max(latencies), 1),
        "throughput_per_s": round(total / elapsed, 1),
        "errors": len(errors),
        "errors_http": sum(1 for s in statuses if s not in (0, 201)),
        "errors_connection": statuses.count(0),
        "contacts_created": created,
        "every_call_one_contact": created == statuses.count(201),
        "retries_answered_200": replay_statuses.count(200),
        "retries_duplicated": Contact.objects.count() - before - args.operators - created,
    }
    out = ROOT / "benchmarks" / "results" / f"hotline-api-{connection.vendor}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if errors:
        print("Primeros errores:", *errors[:5], sep="\n  ")
        sys.exit(1)


if __name__ == "__main__":
    main()
