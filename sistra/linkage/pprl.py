"""Privacy-preserving linkage between agencies that may not share identities: each agency encodes its persons
as Cryptographic Linkage Keys (CLKs, the Bloom-filter encoding of clkhash/anonlink — Schnell et al.) keyed
with a secret the agencies share, and the encodings are compared by their Dice coefficient. Names never leave
the agency; the match reveals only the linked pairs.

A small implementation rather than clkhash: clkhash (0.18, 2023) pins libraries that no longer install on
Python 3.12. Each field's character bigrams are hashed k times with HMAC-SHA256 under the shared secret into a
1024-bit filter (the double-hashing of clkhash replaced by keyed HMAC, which is what its own security notes
recommend). docs/decisions/0174."""

import hashlib
import hmac
import json
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from sistra.people.matching.names import canonical_forms, first_name_list, phonetic, surname_list

SCHEMA = "sistra-clk-1"
BITS = 1024
# (field, hashes per bigram): surnames and date weigh more than sex
FIELDS = (("first", 20), ("surnames", 20), ("dob", 15), ("sex", 5), ("dni", 15))


def _mac(secret: bytes, text: str) -> bytes:
    return hmac.new(secret, text.encode(), hashlib.sha256).digest()


def secret_check(secret: bytes) -> str:
    """A fingerprint that tells whether two agencies hold the same secret, and nothing about the secret."""
    return _mac(secret, "sistra-clk-secret-check").hex()[:32]


def _bigrams(text: str) -> set[str]:
    padded = f"_{text}_"
    return {padded[i : i + 2] for i in range(len(padded) - 1)}


def _values(person: dict) -> dict[str, str]:
    first = first_name_list(person.get("first_names"))
    canonical = sorted(min(canonical_forms(w)) for w in first[:1])
    surnames = " ".join(
        sorted(surname_list(person.get("last_name_paternal"), person.get("last_name_maternal")))
    )
    dob = person.get("date_of_birth")
    return {
        "first": " ".join(canonical),
        "surnames": surnames,
        "dob": dob.isoformat() if dob else "",
        "sex": person.get("sex") or "",
        "dni": person.get("dni") or "",
    }


def encode(person: dict, secret: bytes) -> int:
    bits = 0
    for field, k in FIELDS:
        value = _values(person)[field]
        if not value:
            continue
        for gram in _bigrams(value):
            digest = _mac(secret, f"{field}|{gram}")
            for i in range(k):
                position = int.from_bytes(digest[(2 * i) % 30 : (2 * i) % 30 + 2], "big") ^ (i * 0x9E37)
                bits |= 1 << (position % BITS)
    return bits


def blocks(person: dict, secret: bytes) -> list[str]:
    """Keyed block tokens (phonetic surname codes under the secret): only records sharing one are compared."""
    codes = {
        phonetic(s) for s in surname_list(person.get("last_name_paternal"), person.get("last_name_maternal"))
    }
    return sorted(_mac(secret, "block|" + c).hex()[:16] for c in codes if c)


def dice(a: int, b: int) -> float:
    total = a.bit_count() + b.bit_count()
    return 2 * (a & b).bit_count() / total if total else 0.0


def export(rows: list[dict], *, secret: bytes, agency: str) -> dict:
    """rows: {"id": an id the exporting agency can resolve, plus the person fields}."""
    return {
        "schema": SCHEMA,
        "bits": BITS,
        "secret_check": secret_check(secret),
        "agency": agency,
        "records": [
            {"id": r["id"], "clk": format(encode(r, secret), "x"), "blocks": blocks(r, secret)} for r in rows
        ],
    }


@dataclass
class Encodings:
    agency: str
    records: list[tuple[str, int, list[str]]]


def load(data: dict | str, *, secret: bytes) -> Encodings:
    """Refuse a file of another schema or made with another secret: comparing it would link nobody or, worse,
    link wrong pairs."""
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            raise ValidationError(_("El archivo de codificaciones no es JSON válido.")) from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA or data.get("bits") != BITS:
        raise ValidationError(
            _("El archivo usa otro esquema de codificación (se esperaba %(schema)s).") % {"schema": SCHEMA}
        )
    if not hmac.compare_digest(str(data.get("secret_check", "")), secret_check(secret)):
        raise ValidationError(_("El archivo se codificó con otro secreto compartido: no se puede comparar."))
    try:
        records = [(str(r["id"]), int(r["clk"], 16), list(r["blocks"])) for r in data["records"]]
    except (KeyError, TypeError, ValueError):
        raise ValidationError(_("El archivo de codificaciones está incompleto o dañado.")) from None
    return Encodings(agency=str(data.get("agency", "")), records=records)


def match(ours: Encodings, theirs: Encodings, *, threshold: float = 0.8) -> list[tuple[str, str, float]]:
    """Linked pairs only, each record at most once (greedy, best Dice first, as anonlink's solver)."""
    index: dict[str, list[int]] = {}
    for j, (_id, _clk, tokens) in enumerate(theirs.records):
        for token in tokens:
            index.setdefault(token, []).append(j)
    scored = []
    for i, (_id, clk, tokens) in enumerate(ours.records):
        seen: set[int] = set()
        for token in tokens:
            for j in index.get(token, ()):
                if j in seen:
                    continue
                seen.add(j)
                score = dice(clk, theirs.records[j][1])
                if score >= threshold:
                    scored.append((score, i, j))
    scored.sort(reverse=True)
    used_i, used_j, pairs = set(), set(), []
    for score, i, j in scored:
        if i in used_i or j in used_j:
            continue
        used_i.add(i)
        used_j.add(j)
        pairs.append((ours.records[i][0], theirs.records[j][0], round(score, 4)))
    return pairs
