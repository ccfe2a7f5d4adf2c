"""The batch linkage's fast path (columns, split buckets, memoised name comparisons) against the reference
functions: the same comparison vector and probability for every blocked pair, the same strong pairs."""

import pytest

from sistra.linkage.generator import generate
from sistra.people.matching import comparison_vector, default_model, features
from sistra.people.matching.batch import (
    blocked_pairs,
    candidate_pairs,
    code_vector,
    columns,
    for_file,
    link,
    pair_codes,
    probability_table,
    score_blocked,
    score_pairs,
    vector_code,
)


@pytest.fixture(scope="module")
def feats():
    return [features(**r.as_dict()) for r in generate(2000, seed=2026)]


def test_without_split_the_blocked_pairs_are_those_of_candidate_pairs(feats):
    i, j = blocked_pairs(feats, split=False)
    assert set(zip(i.tolist(), j.tolist(), strict=True)) == candidate_pairs(feats)
    small_i, small_j = blocked_pairs(feats, split=False, max_bucket=15)
    assert set(zip(small_i.tolist(), small_j.tolist(), strict=True)) == candidate_pairs(feats, max_bucket=15)


def test_every_blocked_pair_gets_the_reference_vector_and_probability(feats):
    model = default_model()
    cols = columns(feats)
    i, j = blocked_pairs(feats, cols=cols)
    assert len(i) > 10_000
    codes = pair_codes(cols, i, j)
    table = probability_table(model)
    for a, b, code in zip(i.tolist(), j.tolist(), codes.tolist(), strict=True):
        vector = comparison_vector(feats[a], feats[b])
        assert code_vector(code) == vector and vector_code(vector) == code
        assert table[code] == model.probability(model.match_weight(vector))  # to the bit


def test_the_strong_pairs_are_those_of_the_reference_path(feats):
    for model in (default_model(), for_file(default_model(), 1_000_000)):
        reference = {(i, j) for i, j, _p in score_pairs(feats, model, minimum=model.strong)}
        cols = columns(feats)
        lo, hi = blocked_pairs(feats, split=False, cols=cols)
        si, sj, _codes, probabilities = score_blocked(cols, model, lo, hi, minimum=model.strong, chunk=5_000)
        assert set(zip(si.tolist(), sj.tolist(), strict=True)) == reference
        assert (probabilities >= model.strong).all()
        # the default blocking splits the larger keys: what it keeps of the reference pairs is scored the same
        (fi, fj, _c, fp), _blocked = link(feats, model)
        found = set(zip(fi.tolist(), fj.tolist(), strict=True))
        assert found <= reference and len(found) > 0.98 * len(reference)


def test_two_processes_find_what_one_finds(feats):
    model = default_model()
    cols = columns(feats)
    lo, hi = blocked_pairs(feats, cols=cols)
    one = score_blocked(cols, model, lo, hi, minimum=model.possible, chunk=4_000)
    two = score_blocked(cols, model, lo, hi, minimum=model.possible, chunk=4_000, workers=2)
    for x, y in zip(one, two, strict=True):
        assert x.tolist() == y.tolist()


def test_an_over_size_key_is_split_by_birth_year_instead_of_dropped(feats):
    stats: dict = {}
    lo, hi = blocked_pairs(feats, max_bucket=15, split_above=15, stats=stats)
    pairs = set(zip(lo.tolist(), hi.tolist(), strict=True))
    assert stats["oversize_keys"] > 0
    # every pair of the unsplit blocking is kept, and the split ones add pairs that share a key and a birth year
    assert candidate_pairs(feats, max_bucket=15) <= pairs
    added = pairs - candidate_pairs(feats, max_bucket=15)
    assert added and len(pairs) < len(candidate_pairs(feats, max_bucket=10_000))
    # keys over `split_above` are split, up to `max_bucket` a piece is kept whole
    wider = blocked_pairs(feats, max_bucket=400, split_above=15)
    assert pairs <= set(zip(wider[0].tolist(), wider[1].tolist(), strict=True))
    for a, b in added:
        level = comparison_vector(feats[a], feats[b])[3]
        # never two birth dates of different years (two estimated ages may be a year further apart)
        assert level is None or level <= 3 or (feats[a].dob is None and feats[b].dob is None)


def test_the_prior_falls_with_the_size_of_the_file_and_never_rises():
    model = default_model()
    trained = model.meta["records"]
    assert for_file(model, 100) is model
    bigger = for_file(model, 10 * trained)
    assert bigger.prior == pytest.approx(model.prior * (trained - 1) / (10 * trained - 1))
    assert (bigger.m, bigger.u, bigger.strong, bigger.possible) == (
        model.m,
        model.u,
        model.strong,
        model.possible,
    )
