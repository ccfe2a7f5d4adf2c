"""Helpers every export uses: neutralise spreadsheet formulas in cell text, and wrap files that hold
personal data in an AES-encrypted ZIP archive protected by a password."""

import io
import secrets

import pyzipper

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def safe_cell(value):
    """Text a spreadsheet would run as a formula gets a leading apostrophe; other values pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def unsafe_cell(value):
    """The inverse of safe_cell, for importing a file SISTRA exported."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


def new_archive_password(length: int = 16) -> str:
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(length))


def protected_zip(files: dict[str, bytes], password: str) -> bytes:
    """An AES-256 encrypted ZIP with the given files."""
    buffer = io.BytesIO()
    with pyzipper.AESZipFile(buffer, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES) as zf:
        zf.setpassword(password.encode())
        for name, content in files.items():
            zf.writestr(name, content)
    return buffer.getvalue()
