"""Text normalisation shared by matching and search: accents, case and spacing do not matter."""

import secrets
import unicodedata

_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def normalize(text: str | None) -> str:
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    # control characters (a NUL byte among them) are no part of a name
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c) and c.isprintable())
    return " ".join(stripped.lower().replace("-", " ").replace("'", " ").split())


def random_code(prefix: str, length: int = 8) -> str:
    """An opaque public code (no sequence that reveals volume or order), e.g. P-7KX429QD."""
    return prefix + "-" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(length))
