"""Callers' phone numbers: one canonical form, and a keyed hash of it for finding repeat callers without
keeping the number.

The hash is an HMAC-SHA256 keyed with SECRET_KEY, so a stolen copy of the database cannot be turned back into
numbers by hashing every possible Peruvian number (there are only ~10⁹). Rotating SECRET_KEY would break the
lookup: SECRET_KEY_FALLBACKS are hashed too, so callers are still recognised during a rotation."""

import hashlib
import hmac
import re

from django.conf import settings

_DOMAIN = b"sistra.hotline.phone:"
MIN_DIGITS = 6
MAX_DIGITS = 15  # E.164


def normalize_phone(number: str | None) -> str:
    """Digits with the country code: "987 654 321", "+51 987654321" and "0051987654321" are one number.
    Peruvian mobiles have nine digits starting with 9; Lima landlines seven (area code 1); a leading 0 is the
    national trunk prefix. Returns "" for a withheld or unusable number."""
    if not number:
        return ""
    text = number.strip()
    digits = re.sub(r"\D", "", text)
    if not digits:
        return ""
    if text.startswith("+"):
        return digits
    if digits.startswith("00"):
        return digits[2:]
    if digits.startswith("0"):
        return "51" + digits[1:]
    if len(digits) == 9 and digits.startswith("9"):
        return "51" + digits
    if len(digits) == 7:
        return "511" + digits
    if len(digits) == 8 and not digits.startswith("51"):
        # landline of a province: two-digit area code + six digits
        return "51" + digits
    return digits


def is_plausible(normalized: str) -> bool:
    return MIN_DIGITS <= len(normalized) <= MAX_DIGITS


def _hmac(key: str, normalized: str) -> str:
    return hmac.new(key.encode(), _DOMAIN + normalized.encode(), hashlib.sha256).hexdigest()


def phone_hash(number: str | None) -> str:
    """The keyed hash of a number, or "" when there is no usable number."""
    normalized = normalize_phone(number)
    if not is_plausible(normalized):
        return ""
    return _hmac(settings.SECRET_KEY, normalized)


def phone_hashes_for_lookup(number: str | None) -> list[str]:
    """The hash under the current key and under every fallback key (during a SECRET_KEY rotation)."""
    normalized = normalize_phone(number)
    if not is_plausible(normalized):
        return []
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [_hmac(key, normalized) for key in keys]


def masked(number: str | None) -> str:
    """For a list: the last three digits only."""
    digits = re.sub(r"\D", "", number or "")
    return f"•••{digits[-3:]}" if len(digits) >= 3 else ""
