"""The CIE-10 codes the clinic uses (data/cie10.csv, see data/SOURCES.md). Kept in memory: the list is small
and read-only, and a transactional test's flush cannot empty it."""

import csv
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data" / "cie10.csv"


@cache
def codes() -> dict[str, str]:
    with DATA.open(encoding="utf-8") as handle:
        return {row["code"]: row["title_es"] for row in csv.DictReader(handle)}


def normalize_code(code: str) -> str:
    return (code or "").strip().upper().replace(".", "")


def is_valid(code: str) -> bool:
    return normalize_code(code) in codes()


def title(code: str) -> str:
    return codes().get(normalize_code(code), "")
