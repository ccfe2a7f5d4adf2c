"""Run the release attacker (sistra/stats/tests/attacker.py) over a release built from the demo data plus
`sistra seed --cases N`, and print what it could narrow down.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_privacy_attack \\
        .venv/bin/python benchmarks/attack_release.py --cases 5000 [--years 2015-2025] [--epsilon 0.5]

Recreates its database (refuses a name without "attack"); uses TASKS_BACKEND=immediate so the release is
built in this process. Exit status 1 if any hidden cell is pinned to an interval narrower than the threshold.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--years", default="2015-2025")
    parser.add_argument("--epsilon", type=float, default=0.5)
    parser.add_argument("--reuse", action="store_true", help="keep the database and its current statistics")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if "attack" not in url:
        sys.exit("DATABASE_URL must name a throw-away database containing 'attack'")
    os.environ["TASKS_BACKEND"] = "django.tasks.backends.immediate.ImmediateBackend"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from sistra.accounts.capabilities import Role
    from sistra.accounts.models import User
    from sistra.stats.aggregation import refresh_aggregates
    from sistra.stats.models import OpenDataRelease
    from sistra.stats.services import open_data_release_build, open_data_release_request, release_file
    from sistra.stats.tests.attacker import attack

    if not args.reuse:
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        call_command("demo", "--no-serve", verbosity=0)
        if args.cases:
            call_command("seed", "--cases", str(args.cases), "--seed", "5000", verbosity=0)
        refresh_aggregates()
    analyst = User.objects.filter(role=Role.ANALYST).first()
    year_from, year_to = map(int, args.years.split("-"))
    release = open_data_release_request(
        actor=analyst, year_from=year_from, year_to=year_to, epsilon_per_table=args.epsilon
    )
    release = OpenDataRelease.objects.get(pk=release.pk)
    open_data_release_build(release=release)
    files = {f["name"]: release_file(release, f["name"]) for f in release.files}
    started = time.perf_counter()
    result = attack(files)
    seconds = time.perf_counter() - started
    by_table: dict[str, int] = {}
    for f in result.findings:
        by_table[f.table] = by_table.get(f.table, 0) + 1
    print(f"cases seeded: {args.cases}; years {args.years}; ε per table {args.epsilon}")
    print(f"hidden cells attacked: {len(result.findings)} in {seconds:.1f} s; ties used: {result.dp_ties}")
    for table, n in sorted(by_table.items()):
        print(f"  {table}: {n}")
    narrowest = min((f.width for f in result.findings), default=float("inf"))
    print(f"narrowest interval: {narrowest}; pinned (< {result.threshold}): {len(result.pinned)}")
    for f in result.pinned[:20]:
        print(f"  PINNED {f.table}[{f.category}, {f.year}] in [{f.low:g}, {f.high:g}]")
    return 1 if result.pinned else 0


if __name__ == "__main__":
    sys.exit(main())
