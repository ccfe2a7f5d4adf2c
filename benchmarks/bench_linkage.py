"""Record linkage quality, time and memory on generated Peruvian person records with known truth.

    .venv/bin/python benchmarks/bench_linkage.py --persons 10000 [--seed 2026] [--skip-splink] [--skip-entry]

The file comes from sistra.linkage.generator with a seed other than the tuning one (the matcher's m/u and
band thresholds were fixed on seed 1 by `sistra linkage_train`). Three linkers, each in its own process so
that each peak memory (ru_maxrss) is its own:
- entry: the duplicate check at entry, replayed in memory in the order records arrive — the same blocking
  keys and candidate cap as the registry look-up (sistra.people.matching.registry), listing the strong band
  (also reported: what the possible band adds);
- batch: SISTRA's batch linkage (all blocked pairs scored, strong band = match, clusters by union–find);
- splink: Splink 5 on DuckDB with its out-of-the-box comparisons and threshold 0.9 (sistra.linkage.splink_engine).
Pairwise precision/recall/F1 over record pairs, B-cubed over clusters. Results go to
benchmarks/results/linkage-<persons>.json."""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def _setup():
    import django

    django.setup()


def _records(persons: int, seed: int):
    from sistra.linkage.generator import generate

    return generate(persons, seed=seed)


def _clusters_from_pairs(ids, pairs):
    from sistra.people.matching.batch import clusters

    pos = {rid: i for i, rid in enumerate(ids)}
    labels = clusters(len(ids), [(pos[a], pos[b]) for a, b in pairs])
    return {rid: labels[i] for i, rid in enumerate(ids)}


def _quality(records, predicted_pairs):
    from sistra.linkage.evaluation import b_cubed, pairwise
    from sistra.linkage.generator import true_pairs

    ids = [r.record_id for r in records]
    truth = true_pairs(records)
    predicted = {tuple(sorted(p)) for p in predicted_pairs}
    precision, recall, f1 = pairwise(predicted, truth)
    bp, br, bf = b_cubed(_clusters_from_pairs(ids, predicted), {r.record_id: r.truth_id for r in records})
    return {
        "pairs_predicted": len(predicted),
        "pairs_true": len(truth),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "bcubed_precision": round(bp, 4),
        "bcubed_recall": round(br, 4),
        "bcubed_f1": round(bf, 4),
    }


def part_entry(records):
    from sistra.people.matching import blocking_keys, default_model, features
    from sistra.people.matching.registry import MAX_CANDIDATES

    model = default_model()
    index: dict[str, list[int]] = defaultdict(list)
    feats, strong, possible = [], [], []
    for n, r in enumerate(records):
        f = features(**r.as_dict())
        keys = blocking_keys(f)
        shared: dict[int, int] = defaultdict(int)
        for key in keys:
            for other in index[key]:
                shared[other] += 1
        for other, _count in sorted(shared.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_CANDIDATES]:
            probability, _vector = model.score(f, feats[other])
            band = model.band(probability)
            if band == "strong":
                strong.append((r.record_id, records[other].record_id))
            elif band == "possible":
                possible.append((r.record_id, records[other].record_id))
        feats.append(f)
        for key in keys:
            index[key].append(n)
    result = {"strong": _quality(records, strong), "strong_or_possible": _quality(records, strong + possible)}
    return result


def part_batch(records):
    from sistra.people.matching import default_model, features
    from sistra.people.matching.batch import for_file, link

    feats = [features(**r.as_dict()) for r in records]
    model = for_file(default_model(), len(feats))
    stats: dict = {}
    # both cores score chunks of pairs (SISTRA_LINKAGE_WORKERS, default 2)
    workers = int(os.environ.get("SISTRA_LINKAGE_WORKERS", "2"))
    (i, j, _codes, _p), blocked = link(feats, model, minimum=model.strong, stats=stats, workers=workers)
    result = _quality(
        records,
        [(records[a].record_id, records[b].record_id) for a, b in zip(i.tolist(), j.tolist(), strict=True)],
    )
    result["blocked_pairs"] = blocked
    result["blocking"] = stats
    result["prior"] = model.prior
    result["workers"] = workers
    return result


def part_splink(records):
    import tempfile

    from sistra.linkage.splink_engine import splink_default

    # SISTRA_SPLINK_MEMORY caps DuckDB (default: 80% of the machine) on a machine shared with other jobs
    limit = os.environ.get("SISTRA_SPLINK_MEMORY") or None
    with tempfile.TemporaryDirectory(prefix="splink-") as spill:
        pairs = splink_default([r.as_dict() for r in records], memory_limit=limit, temp_directory=spill)
    result = _quality(records, [(a, b) for a, b, _p in pairs])
    if limit:
        result["duckdb_memory_limit"] = limit
    return result


PARTS = {"entry": part_entry, "batch": part_batch, "splink": part_splink}


def run_part(name: str, persons: int, seed: int) -> dict:
    _setup()
    records = _records(persons, seed)
    start = time.perf_counter()
    result = PARTS[name](records)
    result["seconds"] = round(time.perf_counter() - start, 2)
    result["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    result["records"] = len(records)
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--skip-splink", action="store_true")
    parser.add_argument("--skip-entry", action="store_true", help="the entry-check replay is slow past 100k")
    parser.add_argument("--part", choices=sorted(PARTS))
    parser.add_argument(
        "--merge", action="store_true", help="keep the other parts already in the results file"
    )
    args = parser.parse_args()
    if args.part:
        print(json.dumps(run_part(args.part, args.persons, args.seed)))
        return
    path = ROOT / "benchmarks" / "results" / f"linkage-{args.persons}.json"
    results = {"persons": args.persons, "seed": args.seed}
    if args.merge and path.exists():
        results = {**json.loads(path.read_text()), **results}
    names = (() if args.skip_entry else ("entry",)) + ("batch",) + (() if args.skip_splink else ("splink",))
    for name in names:
        before = os.getloadavg()
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--part",
                name,
                "--persons",
                str(args.persons),
                "--seed",
                str(args.seed),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        results[name] = json.loads(out.stdout.strip().splitlines()[-1])
        # the machine is shared: the 1/5/15-minute load averages when the part started and when it ended
        results[name]["load_average"] = {"start": before, "end": os.getloadavg()}
        print(name, json.dumps(results[name]), flush=True)
    path.write_text(json.dumps(results, indent=1) + "\n")
    print(f"→ {path}")


if __name__ == "__main__":
    main()
