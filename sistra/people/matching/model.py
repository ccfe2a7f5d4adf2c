"""A Fellegi–Sunter model: m and u probabilities per comparison level, learned from data, and the bands.

m = P(level | same person), u = P(level | different persons). u comes from random pairs (almost all of them
different persons), m and the share of matches among blocked pairs (λ) from expectation–maximisation over the
comparison vectors of blocked pairs — the method Splink uses. Nothing here is hand-tuned except the band
thresholds, which are fixed in advance on a tuning seed and kept in the parameter file."""

import json
import math
import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .compare import COMPARISONS, Features, comparison_vector

PARAMS_FILE = Path(__file__).with_name("params.json")
STRONG, POSSIBLE, NONE = "strong", "possible", "none"


@dataclass
class Model:
    m: dict[str, list[float]]
    u: dict[str, list[float]]
    prior: float  # λ: the share of matches among blocked candidate pairs
    strong: float = 0.99  # match probability thresholds of the bands
    possible: float = 0.5
    meta: dict = field(default_factory=dict)

    def weights(self) -> dict[str, list[float]]:
        return {
            name: [math.log2(self.m[name][i] / self.u[name][i]) for i in range(len(levels))]
            for name, levels in COMPARISONS.items()
        }

    def __post_init__(self):
        self._weights = self.weights()
        self._prior_weight = math.log2(self.prior / (1 - self.prior))

    def match_weight(self, vector) -> float:
        total = self._prior_weight
        for name, level in zip(COMPARISONS, vector, strict=True):
            if level is not None:
                total += self._weights[name][level]
        return total

    @staticmethod
    def probability(weight: float) -> float:
        return 1 / (1 + 2 ** (-weight))

    def band(self, probability: float) -> str:
        if probability >= self.strong:
            return STRONG
        if probability >= self.possible:
            return POSSIBLE
        return NONE

    def score(self, a: Features, b: Features) -> tuple[float, tuple]:
        vector = comparison_vector(a, b)
        return self.probability(self.match_weight(vector)), vector

    def to_json(self) -> dict:
        return {
            "prior": self.prior,
            "strong": self.strong,
            "possible": self.possible,
            "m": self.m,
            "u": self.u,
            "meta": self.meta,
        }

    def save(self, path: Path = PARAMS_FILE) -> None:
        path.write_text(json.dumps(self.to_json(), indent=1, sort_keys=True) + "\n")

    @classmethod
    def load(cls, path: Path = PARAMS_FILE) -> "Model":
        data = json.loads(path.read_text())
        return cls(
            m=data["m"],
            u=data["u"],
            prior=data["prior"],
            strong=data["strong"],
            possible=data["possible"],
            meta=data.get("meta", {}),
        )


_MODEL: Model | None = None


def default_model() -> Model:
    global _MODEL
    if _MODEL is None:
        _MODEL = Model.load()
    return _MODEL


def _smooth(counts: list[float]) -> list[float]:
    total = sum(counts) + 0.5 * len(counts)
    return [(c + 0.5) / total for c in counts]


def _normalise(values: list[float]) -> list[float]:
    total = sum(values)
    return [v / total for v in values]


def estimate_u(records: list[Features], *, pairs: int = 200_000, seed: int = 0) -> dict[str, list[float]]:
    """u from random pairs: at any realistic size nearly all of them are different persons."""
    rng = random.Random(seed)
    counts = {name: [0.0] * len(levels) for name, levels in COMPARISONS.items()}
    n = len(records)
    for _ in range(pairs):
        i, j = rng.randrange(n), rng.randrange(n)
        if i == j:
            continue
        for name, level in zip(COMPARISONS, comparison_vector(records[i], records[j]), strict=True):
            if level is not None:
                counts[name][level] += 1
    return {name: _smooth(c) for name, c in counts.items()}


def estimate_m(
    patterns: Counter,
    u: dict[str, list[float]],
    *,
    fixed: Iterable[str] = (),
    iterations: int = 60,
    prior: float = 0.05,
    m: dict[str, list[float]] | None = None,
    update_m: bool = True,
) -> tuple[dict[str, list[float]], float]:
    """EM over the distinct comparison vectors of blocked pairs (with their counts); u stays fixed, and so do
    the comparisons in `fixed` (those the blocking rule made agree: they are no evidence in this session)."""
    names = list(COMPARISONS)
    if m is None:
        # start: agreement levels likely among matches
        m = {name: _normalise([0.25**i for i in range(len(levels))]) for name, levels in COMPARISONS.items()}
    fixed = set(fixed)
    items = list(patterns.items())
    for _ in range(iterations):
        counts = {name: [0.0] * len(levels) for name, levels in COMPARISONS.items()}
        expected = 0.0
        total = 0
        for vector, count in items:
            pm, pu = prior, 1 - prior
            for name, level in zip(names, vector, strict=True):
                if level is not None and name not in fixed:
                    pm *= m[name][level]
                    pu *= u[name][level]
            posterior = pm / (pm + pu)
            expected += posterior * count
            total += count
            for name, level in zip(names, vector, strict=True):
                if level is not None:
                    counts[name][level] += posterior * count
        if update_m:
            m = {name: (m[name] if name in fixed else _smooth(c)) for name, c in counts.items()}
        prior = min(max(expected / total, 1e-9), 1 - 1e-9)
    return m, prior
