"""Linkage of a whole file in memory: blocking through the same keys the registry stores, scoring, clusters.
Used to train the model (EM), by the benchmark and by the batch linkage when Splink is not wanted."""

from collections import Counter, defaultdict
from collections.abc import Iterable

from .compare import COMPARISONS, Features, blocking_keys, comparison_vector
from .model import Model, estimate_m, estimate_u

# a key shared by more records than this says little (e.g. a very common name with a common surname) and would
# make the pairs grow quadratically; the other keys of the same records still bring their true matches in
MAX_BUCKET = 400


def candidate_pairs(
    records: list[Features], *, max_bucket: int = MAX_BUCKET, prefixes: tuple[str, ...] = ("",)
) -> set[tuple[int, int]]:
    buckets: dict[str, list[int]] = defaultdict(list)
    for i, f in enumerate(records):
        for key in blocking_keys(f):
            if key.startswith(prefixes):
                buckets[key].append(i)
    pairs: set[tuple[int, int]] = set()
    for members in buckets.values():
        if len(members) < 2 or len(members) > max_bucket:
            continue
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                pairs.add((members[x], members[y]))
    return pairs


# EM sessions, as in Splink: pairs blocked by one rule teach the m of the comparisons that rule did not fix
TRAINING_SESSIONS = (("n:", ("first_names", "surnames")), ("d:", ("dni",)), ("y:", ("birth", "surnames")))


def train(
    records: list[Features],
    *,
    seed: int = 0,
    u_pairs: int = 100_000,
    meta: dict | None = None,
    strong: float = 0.99,
    possible: float = 0.5,
) -> Model:
    u = estimate_u(records, pairs=u_pairs, seed=seed)
    learned: dict[str, list[list[float]]] = defaultdict(list)
    for prefix, fixed in TRAINING_SESSIONS:
        pairs = candidate_pairs(records, prefixes=(prefix,))
        patterns = Counter(comparison_vector(records[i], records[j]) for i, j in pairs)
        m, _ = estimate_m(patterns, u, fixed=fixed)
        for name in COMPARISONS:
            if name not in fixed:
                learned[name].append(m[name])
    m = {name: [sum(col) / len(col) for col in zip(*learned[name], strict=True)] for name in COMPARISONS}
    # the share of matches among all blocked pairs, with m and u fixed, turned into the probability that two
    # random records match (the prior Splink calls probability_two_random_records_match)
    pairs = candidate_pairs(records)
    patterns = Counter(comparison_vector(records[i], records[j]) for i, j in pairs)
    _, blocked_share = estimate_m(patterns, u, m=m, update_m=False, iterations=30)
    n = len(records)
    prior = blocked_share * len(pairs) / (n * (n - 1) / 2)
    return Model(
        m=m,
        u=u,
        prior=prior,
        strong=strong,
        possible=possible,
        meta={**(meta or {}), "records": n, "blocked_pairs": len(pairs)},
    )


def score_pairs(
    records: list[Features],
    model: Model,
    pairs: Iterable[tuple[int, int]] | None = None,
    *,
    minimum: float = 0.0,
) -> list[tuple[int, int, float]]:
    pairs = candidate_pairs(records) if pairs is None else pairs
    scored = []
    for i, j in pairs:
        probability = model.probability(model.match_weight(comparison_vector(records[i], records[j])))
        if probability >= minimum:
            scored.append((i, j, probability))
    return scored


def clusters(n: int, links: Iterable[tuple[int, int]]) -> list[int]:
    """Connected components (union–find): the cluster id of each record."""
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j in links:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)
    return [find(i) for i in range(n)]
