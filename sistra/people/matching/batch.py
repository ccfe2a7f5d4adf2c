"""Linkage of a whole file in memory: blocking through the same keys the registry stores, scoring, clusters.
Used to train the model (EM), by the benchmark and by the batch linkage when Splink is not wanted."""

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from .compare import COMPARISONS, Features, blocking_keys, comparison_vector
from .model import Model, estimate_m, estimate_u

# a key shared by more records than this says little (e.g. a very common name with a common surname) and would
# make the pairs grow quadratically; the other keys of the same records still bring their true matches in
MAX_BUCKET = 400
# the fast path splits a key held by more records than this (by birth year, then the given name's initial)
# rather than pairing all of them: a bucket's pairs grow with the square of its size, and at a million persons
# most name keys hold hundreds of records
SPLIT_ABOVE = 50


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


# --- the fast path: the same comparison levels and probabilities, computed over columns -----------------------
#
# Each record's features become a few numpy columns once (ids of its distinct given-name and surname lists, the
# DNI as bytes, the birth date parts, the sex). Blocking sorts (key, record) entries; the pairs of every bucket of
# one size come out of one fancy-indexing step. The name comparisons are made by the reference functions once per
# distinct pair of name lists (common names repeat massively) and looked up; the DNI, birth and sex levels are
# vectorised transcriptions of compare.py. A pair's five levels make one code, and the probability of each of
# the 6⁵ codes comes from Model.match_weight/Model.probability themselves, so both paths agree to the bit
# (sistra/linkage/tests/test_fast_batch.py checks every blocked pair).

NONE_LEVEL = 5  # a comparison without a value on one side (None in comparison_vector)
_BASE = 6
_NO_YEAR = 0


@dataclass
class Columns:
    """The features of a file as columns, with the distinct given-name and surname lists numbered."""

    n: int
    first_id: np.ndarray
    surname_id: np.ndarray
    first_reps: list[Features]  # one record's features per distinct given-name list
    surname_reps: list[Features]
    dni: np.ndarray  # (n, width) uint8, zero-padded
    dni_len: np.ndarray
    has_dob: np.ndarray
    year: np.ndarray
    month: np.ndarray
    day: np.ndarray
    year_lo: np.ndarray  # the birth years a record allows (its date's year, or its estimated-age range)
    year_hi: np.ndarray
    has_years: np.ndarray
    sex: np.ndarray  # 0 unknown, 1 female, 2 male
    initial: np.ndarray  # first letter of the first given name's phonetic code (0 without one)


def columns(records: list[Features]) -> Columns:
    n = len(records)
    first_ids: dict[tuple, int] = {}
    surname_ids: dict[tuple, int] = {}
    first_reps: list[Features] = []
    surname_reps: list[Features] = []
    first_id = np.empty(n, dtype=np.int32)
    surname_id = np.empty(n, dtype=np.int32)
    width = max((len(f.dni) for f in records), default=0) or 1
    dni_len = np.zeros(n, dtype=np.int16)
    has_dob = np.zeros(n, dtype=bool)
    year = np.zeros(n, dtype=np.int16)
    month = np.zeros(n, dtype=np.int8)
    day = np.zeros(n, dtype=np.int8)
    year_lo = np.zeros(n, dtype=np.int16)
    year_hi = np.zeros(n, dtype=np.int16)
    has_years = np.zeros(n, dtype=bool)
    sex = np.zeros(n, dtype=np.int8)
    initial = np.zeros(n, dtype=np.int8)
    sexes = {"female": 1, "male": 2}
    dnis = []
    for k, f in enumerate(records):
        fid = first_ids.get(f.first)
        if fid is None:
            fid = first_ids[f.first] = len(first_reps)
            first_reps.append(f)
        first_id[k] = fid
        sid = surname_ids.get(f.surnames)
        if sid is None:
            sid = surname_ids[f.surnames] = len(surname_reps)
            surname_reps.append(f)
        surname_id[k] = sid
        dnis.append(f.dni.ljust(width, "\0"))
        dni_len[k] = len(f.dni)
        if f.dob:
            has_dob[k] = has_years[k] = True
            year[k] = year_lo[k] = year_hi[k] = f.dob.year
            month[k], day[k] = f.dob.month, f.dob.day
        elif f.birth_years is not None:
            has_years[k] = True
            year_lo[k], year_hi[k] = f.birth_years
        sex[k] = sexes.get(f.sex or "", 0)
        if f.first_phonetic and f.first_phonetic[0]:
            initial[k] = ord(f.first_phonetic[0][0]) & 0x3F
    dni = np.frombuffer("".join(dnis).encode("ascii"), dtype=np.uint8).reshape(n, width) if n else None
    return Columns(
        n, first_id, surname_id, first_reps, surname_reps, dni, dni_len, has_dob, year, month, day, year_lo,
        year_hi, has_years, sex, initial,
    )  # fmt: skip


def _bucket_pairs(bucket, member, n: int, max_bucket: int) -> list:
    """Codes lo·n + hi of the pairs within each bucket of 2..max_bucket members; entries sorted by bucket."""
    if not len(bucket):
        return []
    starts = np.flatnonzero(np.r_[True, bucket[1:] != bucket[:-1]])
    sizes = np.diff(np.r_[starts, len(bucket)])
    codes = []
    for size in np.unique(sizes):
        if size < 2 or size > max_bucket:
            continue
        first = starts[sizes == size]
        x, y = np.triu_indices(int(size), 1)
        # members are sorted within a bucket, so the left one is the lower record
        lo = member[first[:, None] + x[None, :]].ravel().astype(np.int64)
        hi = member[first[:, None] + y[None, :]].ravel().astype(np.int64)
        codes.append(np.unique(lo * n + hi))
    return codes


def blocked_pairs(
    records: list[Features],
    *,
    max_bucket: int = MAX_BUCKET,
    split: bool = True,
    split_above: int = SPLIT_ABOVE,
    cols: "Columns | None" = None,
    stats: dict | None = None,
):
    """The pairs sharing a blocking key, as two sorted index arrays (lo < hi). With `split=False` exactly the
    pairs of candidate_pairs(). With `split=True` a key held by more than `split_above` records is not paired
    whole but split in memory by birth year (a date's year; an estimated age's range widened by one year each way, as
    compare_birth calls such ranges "close"; records without either form one sub-bucket), a sub-bucket still
    larger than `split_above` again by the initial of the given name and the sex, and only a piece still larger than
    `max_bucket` is dropped. The stored keys (blocking_keys) are unchanged."""
    n = len(records)
    key_ids: dict[str, int] = {}
    entry_key: list[int] = []
    entry_rec: list[int] = []
    for i, f in enumerate(records):
        for key in blocking_keys(f):
            kid = key_ids.get(key)
            if kid is None:
                kid = key_ids[key] = len(key_ids)
            entry_key.append(kid)
            entry_rec.append(i)
    key = np.array(entry_key, dtype=np.int64)
    rec = np.array(entry_rec, dtype=np.int64)
    del entry_key, entry_rec
    order = np.lexsort((rec, key))
    key, rec = key[order], rec[order]
    size = np.bincount(key, minlength=len(key_ids))
    limit = min(split_above, max_bucket) if split else max_bucket
    small = size[key] <= limit
    codes = _bucket_pairs(key[small], rec[small].astype(np.int32), n, limit)
    big_keys = int((size > limit).sum())
    dropped_keys = big_keys
    if split and big_keys:
        cols = cols or columns(records)
        bkey, brec = key[~small], rec[~small]
        lo = np.where(cols.has_dob[brec], cols.year_lo[brec], cols.year_lo[brec] - 1).astype(np.int64)
        hi = np.where(cols.has_dob[brec], cols.year_hi[brec], cols.year_hi[brec] + 1).astype(np.int64)
        no_year = ~cols.has_years[brec]
        lo[no_year] = hi[no_year] = _NO_YEAR
        span = (hi - lo + 1).astype(np.int64)
        repeat = np.repeat(np.arange(len(brec)), span)
        offset = np.arange(len(repeat)) - np.repeat(np.cumsum(span) - span, span)
        sub = bkey[repeat] * 4096 + ((lo[repeat] + offset) % 4096)
        srec = brec[repeat]
        order = np.lexsort((srec, sub))
        sub, srec = sub[order], srec[order]
        _, sub = np.unique(sub, return_inverse=True)
        sub_size = np.bincount(sub)
        fits = sub_size[sub] <= limit
        codes += _bucket_pairs(sub[fits], srec[fits].astype(np.int32), n, limit)
        # a sub-bucket still too large (a surname with a birth year is already a year) is split again by the
        # initial of the given name, which typing errors rarely touch (nicknames come in through n: keys), and
        # the sex (an unknown sex is a group of its own)
        sub, srec = sub[~fits], srec[~fits]
        sub = (sub * 64 + cols.initial[srec]) * 4 + cols.sex[srec]
        order = np.lexsort((srec, sub))
        sub, srec = sub[order], srec[order]
        _, sub = np.unique(sub, return_inverse=True)
        codes += _bucket_pairs(sub, srec.astype(np.int32), n, max_bucket)
        dropped_keys = int((np.bincount(sub) > max_bucket).sum()) if len(sub) else 0
    all_codes = np.unique(np.concatenate(codes)) if codes else np.zeros(0, dtype=np.int64)
    if stats is not None:
        stats.update({"keys": len(key_ids), "oversize_keys": big_keys, "dropped_buckets": dropped_keys})
    return (all_codes // n).astype(np.int32), (all_codes % n).astype(np.int32)


def _memo_levels(compare, reps: list[Features], a, b, cache: dict):
    """compare(reps[a], reps[b]) per distinct pair of ids, looked up for every pair."""
    width = len(reps)
    keys = a.astype(np.int64) * width + b
    distinct, inverse = np.unique(keys, return_inverse=True)
    levels = np.empty(len(distinct), dtype=np.int8)
    for k, code in enumerate(distinct.tolist()):
        level = cache.get(code)
        if level is None:
            found = compare(reps[code // width], reps[code % width])
            level = cache[code] = NONE_LEVEL if found is None else found
        levels[k] = level
    return levels[inverse]


def _dni_levels(cols: Columns, i, j):
    a, b = cols.dni[i], cols.dni[j]
    present = (cols.dni_len[i] > 0) & (cols.dni_len[j] > 0)
    same_len = cols.dni_len[i] == cols.dni_len[j]
    diff = a != b
    count = diff.sum(axis=1)
    first = diff.argmax(axis=1)
    last = diff.shape[1] - 1 - diff[:, ::-1].argmax(axis=1)
    rows = np.arange(len(i))
    swapped = (
        (count == 2)
        & (last == first + 1)
        & (a[rows, first] == b[rows, last])
        & (a[rows, last] == b[rows, first])
    )
    level = np.where(same_len & (count == 0), 0, np.where(same_len & ((count == 1) | swapped), 1, 2))
    return np.where(present, level, NONE_LEVEL).astype(np.int8)


def _birth_levels(cols: Columns, i, j):
    ya, yb, ma, mb, da, db = (
        cols.year[i],
        cols.year[j],
        cols.month[i],
        cols.month[j],
        cols.day[i],
        cols.day[j],
    )
    same_year = ya == yb
    swapped = (da == mb) & (ma == db)
    year_only = same_year & (((ma == 1) & (da == 1)) | ((mb == 1) & (db == 1)))
    dated = np.select(
        [
            same_year & (ma == mb) & (da == db),
            swapped | year_only | (same_year & (ma == mb)),
            same_year,
            np.abs(ya.astype(np.int32) - yb) <= 1,
        ],
        [0, 1, 2, 3],
        4,
    )
    lo_a, hi_a, lo_b, hi_b = cols.year_lo[i], cols.year_hi[i], cols.year_lo[j], cols.year_hi[j]
    ranged = np.where((lo_a.astype(np.int32) - 1 <= hi_b) & (lo_b.astype(np.int32) - 1 <= hi_a), 3, 4)
    ranged = np.where(cols.has_years[i] & cols.has_years[j], ranged, NONE_LEVEL)
    return np.where(cols.has_dob[i] & cols.has_dob[j], dated, ranged).astype(np.int8)


def _sex_levels(cols: Columns, i, j):
    a, b = cols.sex[i], cols.sex[j]
    return np.where((a > 0) & (b > 0), (a != b).astype(np.int8), NONE_LEVEL).astype(np.int8)


def probability_table(model: Model):
    """The match probability of every code of five levels (None as NONE_LEVEL), from the model itself."""
    import itertools

    table = np.full(_BASE ** len(COMPARISONS), np.nan)
    ranges = [[*range(len(levels)), NONE_LEVEL] for levels in COMPARISONS.values()]
    for levels in itertools.product(*ranges):
        vector = tuple(None if level == NONE_LEVEL else level for level in levels)
        table[vector_code(levels)] = model.probability(model.match_weight(vector))
    return table


def vector_code(levels) -> int:
    code = 0
    for level in levels:
        code = code * _BASE + (NONE_LEVEL if level is None else level)
    return code


def code_vector(code: int) -> tuple[int | None, ...]:
    levels = []
    for _ in COMPARISONS:
        code, level = divmod(code, _BASE)
        levels.append(None if level == NONE_LEVEL else level)
    return tuple(reversed(levels))


def pair_codes(cols: Columns, i, j, caches: tuple[dict, dict] | None = None):
    """The comparison vector of each pair (i[k], j[k]) as one code (see vector_code)."""
    from .compare import compare_first, compare_surnames

    first_cache, surname_cache = caches or ({}, {})
    code = _memo_levels(compare_first, cols.first_reps, cols.first_id[i], cols.first_id[j], first_cache)
    code = code.astype("int16") * _BASE + _memo_levels(
        compare_surnames, cols.surname_reps, cols.surname_id[i], cols.surname_id[j], surname_cache
    )
    code = code * _BASE + _dni_levels(cols, i, j)
    code = code * _BASE + _birth_levels(cols, i, j)
    return code * _BASE + _sex_levels(cols, i, j)


_FORKED: dict = {}


def _score_chunk(bounds: tuple[int, int]):
    cols, i, j, table, minimum, caches = (
        _FORKED[k] for k in ("cols", "i", "j", "table", "minimum", "caches")
    )
    start, stop = bounds
    ci, cj = i[start:stop], j[start:stop]
    codes = pair_codes(cols, ci, cj, caches)
    keep = table[codes] >= minimum
    return ci[keep], cj[keep], codes[keep]


def score_blocked(
    cols: Columns,
    model: Model,
    i,
    j,
    *,
    minimum: float = 0.0,
    chunk: int = 2_000_000,
    workers: int = 1,
):
    """The blocked pairs whose match probability is at least `minimum`: (i, j, code, probability) arrays in
    the order of the input. `workers` > 1 scores chunks in forked processes (the columns are shared)."""
    table = probability_table(model)
    _FORKED.update(cols=cols, i=i, j=j, table=table, minimum=minimum, caches=({}, {}))
    bounds = [(s, min(s + chunk, len(i))) for s in range(0, len(i), chunk)]
    try:
        if workers > 1 and len(bounds) > 1:
            import multiprocessing

            with multiprocessing.get_context("fork").Pool(workers) as pool:
                parts = pool.map(_score_chunk, bounds, chunksize=1)
        else:
            parts = [_score_chunk(b) for b in bounds]
    finally:
        _FORKED.clear()
    if not parts:
        empty = np.zeros(0, dtype=np.int32)
        return empty, empty, np.zeros(0, dtype=np.int16), np.zeros(0)
    si = np.concatenate([p[0] for p in parts])
    sj = np.concatenate([p[1] for p in parts])
    codes = np.concatenate([p[2] for p in parts])
    return si, sj, codes, table[codes]


def link(
    records: list[Features],
    model: Model,
    *,
    minimum: float | None = None,
    workers: int = 1,
    stats: dict | None = None,
):
    """Blocking with split buckets and fast scoring: (i, j, code, probability) of the pairs at or above
    `minimum` (the model's strong threshold by default), and the number of blocked pairs."""
    cols = columns(records)
    i, j = blocked_pairs(records, cols=cols, stats=stats)
    found = score_blocked(
        cols, model, i, j, minimum=model.strong if minimum is None else minimum, workers=workers
    )
    return found, len(i)


def for_file(model: Model, records: int) -> Model:
    """The model with its prior (the probability that two random records match) moved to a file of `records`
    records: each person has about as many records whatever the file's size, so that probability falls as
    1/(records − 1). Only ever lowered (a file smaller than the training one keeps the trained prior);
    m, u and the bands are unchanged (ADR 0170 foresaw this, ADR 0173 applies it)."""
    trained = model.meta.get("records")
    if not trained or records <= trained:
        return model
    return Model(
        m=model.m,
        u=model.u,
        prior=model.prior * (trained - 1) / (records - 1),
        strong=model.strong,
        possible=model.possible,
        meta={**model.meta, "prior_for_records": records},
    )
