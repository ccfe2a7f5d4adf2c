"""Peak memory of the HTCDS export (sistra.interop.exchange.htcds_assistance_export) by number of victims.

    .venv/bin/python benchmarks/bench_htcds_export.py [--sizes 10000 100000] [--chunk 2000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sistra_htcds_bench .venv/bin/python benchmarks/bench_htcds_export.py

Its own database (SQLite var/htcds_bench.sqlite3 by default, or DATABASE_URL; the name must contain "bench"):
migrated once, then filled through a fast path (bulk_create of persons, assistance cases and HTCDS records —
every column of the template filled) up to each size in turn. Each export runs in a fresh Python process
(`--measure`), so its peak RSS (VmHWM) is the export's and not the seeding's; the process's RSS right
after Django starts is reported too, and the difference is what the export itself needed. Results go to
benchmarks/results/htcds-export-<vendor>.json."""

import argparse
import datetime
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = f"sqlite:///{ROOT / 'var' / 'htcds_bench.sqlite3'}"
PASSWORD = "clave-de-benchmark-123"


def _setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    # as in production: with DEBUG on, Django keeps the last 9,000 queries' SQL (each chunk's bulk insert of
    # access-log rows is a long statement), which grows with the export and is not the export's memory
    os.environ.setdefault("DEBUG", "0")
    import django

    django.setup()


def _rss_mb() -> float:
    """Peak resident memory of this process so far (VmHWM). Not ru_maxrss: on Linux that survives exec and
    would carry the seeding parent's peak into the measuring child."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _actor():
    from sistra.accounts.capabilities import Role
    from sistra.accounts.models import Agency, User

    agency, _ = Agency.objects.get_or_create(
        code="oim-bench", defaults={"name": "OIM (benchmark)", "kind": Agency.Kind.INTERNATIONAL}
    )
    user = User.objects.filter(username="oim-bench").first()
    if user is None:
        user = User.objects.create_user(
            username="oim-bench",
            password=PASSWORD,
            agency=agency,
            role=Role.CASEWORKER,
            first_name="Bench",
            last_name="OIM",
        )
    return user


def _seed_to(size: int, batch: int = 5000) -> float:
    """Add victims until the benchmark agency has `size`; returns the seconds it took."""
    from sistra.assistance.models import AssistanceCase
    from sistra.core.text import random_code
    from sistra.interop.models import HtcdsRecord
    from sistra.interop.tests.htcds_files import official_rows
    from sistra.people.models import Person

    actor = _actor()
    have = AssistanceCase.objects.filter(owner_agency=actor.agency).count()
    started = time.perf_counter()
    templates = official_rows(200)
    while have < size:
        n = min(batch, size - have)
        persons = []
        for i in range(have, have + n):
            row = templates[i % 200]
            p = Person(
                owner_agency=actor.agency,
                created_by=actor,
                code=random_code("P"),
                first_names=f"{row['prs_FirstName']} {i}",
                last_name_paternal=row["prs_SecondName"].split()[0],
                last_name_maternal=row["prs_SecondName"].split()[-1],
                sex="female",
                date_of_birth=row["prs_Birthdate"],
            )
            p.refresh_keys()
            persons.append(p)
        persons = Person.objects.bulk_create(persons)
        cases = AssistanceCase.objects.bulk_create(
            [
                AssistanceCase(
                    person=p,
                    owner_agency=actor.agency,
                    created_by=actor,
                    identified_on=datetime.date(2024, 1, 1),
                    identification_channel="ngo",
                    trafficking_status="PossibleVictimOfTrafficking",
                    status_decision_org="NGO",
                    status="Active",
                    code=random_code("A"),
                )
                for p in persons
            ]
        )
        records = []
        for i, case in enumerate(cases, start=have):
            row = templates[i % 200]
            records.append(
                HtcdsRecord(
                    case=case,
                    row_key=f"{i:064d}",
                    case_owner=row["cas_CaseOwner"],
                    salutation=row["prs_Salutation"],
                    title=row["prs_Title"],
                    email=row["prs_Email"],
                    home_phone=row["prs_HomePhone"],
                    mobile_phone=row["prs_MobilePhone"],
                    mailing_street=row["prs_MailingStreet"],
                    mailing_city=row["prs_MailingCity"],
                    mailing_state=row["prs_MailingState"],
                    mailing_postal_code=row["prs_MailingPostalCode"],
                    mailing_country=row["prs_MailingCountry"],
                    gender=row["prs_Gender"],
                    citizenship=row["prs_Citizenship"],
                    consent="TRUE",
                    recruitment_methods=row["vic_MethodOfRecruitment"].split(";"),
                    recruitment_location=row["vic_LocationOfRecruitment"],
                    control_methods=row["vic_MethodsOfControl"].split(";"),
                    exploitation_types=(row.get("vic_TypeOfExploitation") or "").split(";"),
                    exploitation_location=row["vic_LocationOfExploitation"],
                    referring_organisation=row["cas_ReferringOrganisation"],
                    incoming_referral_details=row["cas_IncomingReferralDetails"],
                )
            )
        HtcdsRecord.objects.bulk_create(records)
        have += n
    return time.perf_counter() - started


def _measure(url: str, chunk: int) -> dict:
    _setup(url)
    from django.db import connection

    from sistra.interop.exchange import htcds_assistance_export

    actor = _actor()
    connection.ensure_connection()
    baseline = _rss_mb()
    out = ROOT / "var" / "htcds-bench-export.zip"
    started = time.perf_counter()
    report = htcds_assistance_export(
        actor=actor, path=out, purpose="Medición de memoria", password=PASSWORD, chunk_size=chunk
    )
    seconds = time.perf_counter() - started
    result = {
        "rows": report.rows,
        "seconds": round(seconds, 1),
        "rss_after_setup_mb": round(baseline, 1),
        "peak_rss_mb": round(_rss_mb(), 1),
        "archive_mb": round(out.stat().st_size / 1e6, 2),
    }
    out.unlink()
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--chunk", type=int, default=2000)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if args.measure:
        print(json.dumps(_measure(url, args.chunk)))
        return
    if "bench" not in url.rsplit("/", 1)[-1]:
        sys.exit("La base de datos no es de benchmark (su nombre debe contener «bench»).")
    if url.startswith("sqlite:///"):
        db = Path(url[len("sqlite:///") :])
        db.parent.mkdir(parents=True, exist_ok=True)
        if db.exists():
            db.unlink()
    _setup(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    results = []
    for size in sorted(args.sizes):
        seeded = _seed_to(size)
        measured = subprocess.run(
            [sys.executable, __file__, "--measure", "--chunk", str(args.chunk)],
            env={**os.environ, "DATABASE_URL": url},
            capture_output=True,
            text=True,
            check=True,
        )
        result = {
            "victims": size,
            "seed_seconds": round(seeded, 1),
            **json.loads(measured.stdout.strip().splitlines()[-1]),
        }
        print(json.dumps(result), flush=True)
        results.append(result)
    vendor = "postgresql" if url.startswith("postgres") else "sqlite"
    target = ROOT / "benchmarks" / "results" / f"htcds-export-{vendor}.json"
    target.write_text(
        json.dumps(
            {
                "machine": platform.platform(),
                "load": os.getloadavg(),
                "chunk": args.chunk,
                "results": results,
            },
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
