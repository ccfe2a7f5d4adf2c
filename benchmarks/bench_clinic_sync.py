"""Benchmark of the clinic tablet's sync: a 3-day packet of N consultations (each with its new patient) sent
through the sync endpoint in signed chunks, as the offline app does.

    .venv/bin/python benchmarks/bench_clinic_sync.py [--consultations 500] [--chunk 20]

Uses its own database: var/bench_clinic.sqlite3 by default, or the one DATABASE_URL names (its name must
contain "bench"; it is dropped and recreated). Loads the demo agencies and clinic team, gives the demo nurse a
3-day itinerary ending today, registers her device and then measures:
- the whole sync (wall time, records per second, time per chunk);
- the server's time per record (each change applied in its own transaction: median, p95, max), and
- a full replay of the same changes in new packets (every change must come back as a duplicate).
It checks the server holds exactly N patients and N consultations. Results go to
benchmarks/results/clinic-sync-<vendor>-<N>.json and a table is printed."""

import argparse
import datetime
import json
import math
import os
import platform
import statistics
import sys
import time
import uuid
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--consultations", type=int, default=500)
    parser.add_argument("--chunk", type=int, default=20, help="changes per signed packet (the app sends 20)")
    args = parser.parse_args()

    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{ROOT / 'var' / 'bench_clinic.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ["DEBUG"] = "0"
    from bench_cases import _reset_database

    _reset_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    warnings.filterwarnings("ignore", message="No directory at")
    import logging

    logging.getLogger("axes").setLevel(logging.WARNING)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from sistra.accounts.models import User
    from sistra.clinic import sync
    from sistra.clinic.models import Consultation, Patient
    from sistra.clinic.testing import ensure_communities, ensure_itinerary
    from sistra.core.demo import load_demo_data

    call_command("migrate", interactive=False, verbosity=0)
    load_demo_data(cases=0)
    nurse = User.objects.get(username="clinica.enfermera")
    today = timezone.localdate()
    communities = ensure_communities(nurse.agency)[:3]
    ensure_itinerary(
        nurse.agency,
        name="Benchmark: 3 días",
        starts_on=today - datetime.timedelta(days=2),
        members=[nurse],
        communities=communities,
        days_per_stop=1,
    )
    device = sync.device_register(actor=nurse, name="Tableta de benchmark")

    changes = []
    for i in range(args.consultations):
        day = today - datetime.timedelta(days=2 - i % 3)
        community = communities[i % 3]
        patient_uuid = str(uuid.uuid4())
        changes.append(
            {
                "idempotency_key": str(uuid.uuid4()),
                "entity": "patient",
                "op": "create",
                "uuid": patient_uuid,
                "data": {
                    "community": str(community.uuid),
                    "registered_on": day.isoformat(),
                    "first_names": f"Paciente {i}",
                    "last_name_paternal": "Huamán",
                    "estimated_age": 18 + i % 50,
                    "sex": "female" if i % 2 else "male",
                    "language": "spa",
                },
            }
        )
        changes.append(
            {
                "idempotency_key": str(uuid.uuid4()),
                "entity": "consultation",
                "op": "create",
                "uuid": str(uuid.uuid4()),
                "data": {
                    "patient": patient_uuid,
                    "service": "triaje",
                    "attended_on": day.isoformat(),
                    "reason": "Fiebre",
                    "temperature_c": "37.8",
                    "heart_rate_bpm": 90,
                    "diagnoses": ["R50", "J06"],
                    "treatment": "Paracetamol",
                },
            }
        )

    timings: list[float] = []
    original = sync.apply_change

    def timed(**kwargs):
        start = time.perf_counter()
        try:
            return original(**kwargs)
        finally:
            timings.append(time.perf_counter() - start)

    sync.apply_change = timed
    from django.conf import settings

    # the session stands for a nurse who passed her second factor at login; MFA is not what is measured
    settings.SISTRA_REQUIRE_MFA = False
    client = Client()
    client.force_login(nurse)

    def send_all() -> tuple[float, list[float], dict]:
        statuses: dict = {}
        chunk_times = []
        start = time.perf_counter()
        for offset in range(0, len(changes), args.chunk):
            body = json.dumps(
                {
                    "device": str(device.uuid),
                    "packet_id": str(uuid.uuid4()),
                    "changes": changes[offset : offset + args.chunk],
                }
            ).encode()
            t0 = time.perf_counter()
            response = client.post(
                "/api/v1/clinic/sync/",
                data=body,
                content_type="application/json",
                headers={"X-Sistra-Signature": sync.sign(device, body)},
            )
            chunk_times.append(time.perf_counter() - t0)
            assert response.status_code == 200, response.content
            for result in response.json()["results"]:
                key = result["status"] + ("/duplicate" if result.get("duplicate") else "")
                statuses[key] = statuses.get(key, 0) + 1
        return time.perf_counter() - start, chunk_times, statuses

    patients_before, consultations_before = Patient.objects.count(), Consultation.objects.count()
    first_total, first_chunks, first_status = send_all()
    first_records = timings[:]
    timings.clear()
    replay_total, _replay_chunks, replay_status = send_all()
    replay_records = timings[:]
    # exactly the packet's records, once (the demo's past visits were there before)
    assert Patient.objects.count() - patients_before == args.consultations
    assert Consultation.objects.count() - consultations_before == args.consultations

    def ms(values, pct=None):
        return round(1000 * (_percentile(values, pct) if pct else statistics.median(values)), 2)

    result = {
        "vendor": connection.vendor,
        "consultations": args.consultations,
        "changes": len(changes),
        "chunk": args.chunk,
        "python": platform.python_version(),
        "load": os.getloadavg(),
        "sync": {
            "total_s": round(first_total, 2),
            "records_per_s": round(len(changes) / first_total, 1),
            "chunk_median_ms": ms(first_chunks),
            "chunk_p95_ms": ms(first_chunks, 95),
            "record_median_ms": ms(first_records),
            "record_p95_ms": ms(first_records, 95),
            "record_max_ms": round(1000 * max(first_records), 2),
            "statuses": first_status,
        },
        "replay": {
            "total_s": round(replay_total, 2),
            "record_median_ms": ms(replay_records),
            "record_p95_ms": ms(replay_records, 95),
            "statuses": replay_status,
        },
    }
    out = ROOT / "benchmarks" / "results" / f"clinic-sync-{connection.vendor}-{args.consultations}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"{'':22}{'total s':>10}{'rec/s':>10}{'median ms':>12}{'p95 ms':>10}")
    s, r = result["sync"], result["replay"]
    print(
        f"{'sync (first time)':22}{s['total_s']:>10}{s['records_per_s']:>10}{s['record_median_ms']:>12}"
        f"{s['record_p95_ms']:>10}"
    )
    print(
        f"{'replay (duplicates)':22}{r['total_s']:>10}{'':>10}{r['record_median_ms']:>12}{r['record_p95_ms']:>10}"
    )
    print(f"statuses: {s['statuses']} / replay: {r['statuses']}  → {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
