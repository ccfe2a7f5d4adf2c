"""Comparison vectors between two person records, for a Fellegi–Sunter model.

Each comparison maps a pair to one level (0 = strongest agreement) or None when either side lacks the value,
which then counts as neither evidence for nor against (as in Splink's null level)."""

import datetime
from dataclasses import dataclass

from rapidfuzz.distance import JaroWinkler

from .names import first_name_list, frozen_forms, phonetic, surname_list, surname_variants

COMPARISONS: dict[str, tuple[str, ...]] = {
    "first_names": ("exact", "first_same", "any_same", "fuzzy", "different"),
    "surnames": ("both_exact", "both_fuzzy", "one_of_one", "one_of_two", "different"),
    "dni": ("exact", "near", "different"),
    "birth": ("exact", "swapped_or_partial", "same_year", "close", "different"),
    "sex": ("same", "different"),
}
FUZZY = 0.9


@dataclass(frozen=True)
class Features:
    """What the matcher knows of one record, computed once."""

    first: tuple[str, ...]
    first_forms: tuple[frozenset, ...]
    first_phonetic: tuple[str, ...]
    surnames: tuple[str, ...]
    surname_variants: tuple[frozenset, ...]
    surname_phonetic: tuple[frozenset, ...]
    sex: str | None
    dob: datetime.date | None
    birth_years: tuple[int, int] | None  # from an estimated age: earliest and latest possible year
    dni: str


def features(
    *,
    first_names: str = "",
    last_name_paternal: str = "",
    last_name_maternal: str = "",
    sex: str | None = None,
    date_of_birth: datetime.date | None = None,
    estimated_age: int | None = None,
    age_estimated_on: datetime.date | None = None,
    dni: str = "",
    **_ignored,
) -> Features:
    first = tuple(first_name_list(first_names))
    surnames = tuple(surname_list(last_name_paternal, last_name_maternal))
    variants = tuple(frozenset(surname_variants(s)) for s in surnames)
    years = None
    if date_of_birth is None and estimated_age is not None and age_estimated_on is not None:
        latest = age_estimated_on.year - estimated_age
        years = (latest - 1, latest)
    return Features(
        first=first,
        first_forms=tuple(frozen_forms(w) for w in first),
        first_phonetic=tuple(phonetic(w) for w in first),
        surnames=surnames,
        surname_variants=variants,
        surname_phonetic=tuple(frozenset(phonetic(v) for v in vs) for vs in variants),
        sex=sex if sex in ("female", "male") else None,
        dob=date_of_birth,
        birth_years=years,
        dni="".join(ch for ch in (dni or "") if ch.isdigit()),
    )


def _first_agree(a: Features, i: int, b: Features, j: int) -> bool:
    return bool(a.first_forms[i] & b.first_forms[j]) or a.first_phonetic[i] == b.first_phonetic[j]


def compare_first(a: Features, b: Features) -> int | None:
    if not a.first or not b.first:
        return None
    if len(a.first) == len(b.first) and all(_first_agree(a, i, b, i) for i in range(len(a.first))):
        return 0
    if _first_agree(a, 0, b, 0):
        return 1
    if any(_first_agree(a, i, b, j) for i in range(len(a.first)) for j in range(len(b.first))):
        return 2
    best = max(JaroWinkler.similarity(x, y) for x in a.first for y in b.first)
    return 3 if best >= FUZZY else 4


def _surname_agreement(a: Features, i: int, b: Features, j: int) -> int:
    """2 = the same spelling (particles aside), 1 = sounds or reads alike, 0 = different."""
    if a.surname_variants[i] & b.surname_variants[j]:
        return 2
    if a.surname_phonetic[i] & b.surname_phonetic[j]:
        return 1
    if JaroWinkler.similarity(a.surnames[i], b.surnames[j]) >= FUZZY:
        return 1
    return 0


def compare_surnames(a: Features, b: Features) -> int | None:
    if not a.surnames or not b.surnames:
        return None
    used: set[int] = set()
    exact = fuzzy = 0
    for i in range(len(a.surnames)):
        best, best_j = 0, None
        for j in range(len(b.surnames)):
            if j in used:
                continue
            score = _surname_agreement(a, i, b, j)
            if score > best:
                best, best_j = score, j
        if best_j is not None:
            used.add(best_j)
            exact += best == 2
            fuzzy += best == 1
    matched = exact + fuzzy
    if len(a.surnames) >= 2 and len(b.surnames) >= 2:
        if matched >= 2:
            return 0 if fuzzy == 0 else 1
        return 3 if matched == 1 else 4
    return 2 if matched else 4


def dni_near(a: str, b: str) -> bool:
    """One digit wrong, or two neighbouring digits swapped."""
    if len(a) != len(b):
        return False
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    if len(diff) == 1:
        return True
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]


def compare_dni(a: Features, b: Features) -> int | None:
    if not a.dni or not b.dni:
        return None
    if a.dni == b.dni:
        return 0
    return 1 if dni_near(a.dni, b.dni) else 2


def _years(f: Features) -> tuple[int, int] | None:
    if f.dob:
        return (f.dob.year, f.dob.year)
    return f.birth_years


def compare_birth(a: Features, b: Features) -> int | None:
    if a.dob and b.dob:
        x, y = a.dob, b.dob
        if x == y:
            return 0
        swapped = x.day == y.month and x.month == y.day
        year_only = x.year == y.year and ((x.month, x.day) == (1, 1) or (y.month, y.day) == (1, 1))
        if swapped or year_only or (x.year == y.year and x.month == y.month):
            return 1
        if x.year == y.year:
            return 2
        return 3 if abs(x.year - y.year) <= 1 else 4
    ya, yb = _years(a), _years(b)
    if ya is None or yb is None:
        return None
    # an estimated age is off by a year or two: compatible ranges are "close", never more
    return 3 if ya[0] - 1 <= yb[1] and yb[0] - 1 <= ya[1] else 4


def compare_sex(a: Features, b: Features) -> int | None:
    if not a.sex or not b.sex:
        return None
    return 0 if a.sex == b.sex else 1


COMPARE = {
    "first_names": compare_first,
    "surnames": compare_surnames,
    "dni": compare_dni,
    "birth": compare_birth,
    "sex": compare_sex,
}


def comparison_vector(a: Features, b: Features) -> tuple[int | None, ...]:
    return tuple(COMPARE[name](a, b) for name in COMPARISONS)


def blocking_keys(f: Features) -> set[str]:
    """Indexed keys stored with a person: two records of one person share at least one in nearly every case —
    the same DNI; a given name (or what a nickname stands for) with a surname, by sound; both surnames by
    sound; a surname with the birth year. Keys are phonetic codes, never a readable name."""
    keys: set[str] = set()
    if f.dni:
        keys.add("d:" + f.dni)
    surname_codes = set().union(*f.surname_phonetic) if f.surname_phonetic else set()
    first_codes: set[str] = set()
    for forms, code in zip(f.first_forms[:2], f.first_phonetic[:2], strict=False):
        first_codes.add(code)
        first_codes.update(phonetic(x) for x in forms)
    for first in first_codes:
        for surname in surname_codes:
            keys.add(f"n:{first}:{surname}")
    if len(f.surname_phonetic) >= 2:
        for x in f.surname_phonetic[0]:
            for y in f.surname_phonetic[1]:
                keys.add("s:" + ":".join(sorted((x, y))))
    if f.dob:
        for surname in surname_codes:
            keys.add(f"y:{f.dob.year}:{surname}")
    return {k[:64] for k in keys}
