"""Matching of person records made for Peruvian names: normalisation, comparison vectors, a Fellegi–Sunter
model with m/u learned by EM (params.json), bands and indexed blocking keys. See docs/decisions/0170."""

from .compare import COMPARISONS, Features, blocking_keys, comparison_vector, features
from .model import NONE, POSSIBLE, STRONG, Model, default_model

__all__ = [
    "COMPARISONS",
    "NONE",
    "POSSIBLE",
    "STRONG",
    "Features",
    "Model",
    "blocking_keys",
    "comparison_vector",
    "default_model",
    "features",
]
