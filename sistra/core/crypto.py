"""Identifiers encrypted at rest, still searchable (docs/decisions/0210).

- `EncryptedCharField` / `EncryptedTextField`: the value is stored as a Fernet token (AES-128-CBC +
  HMAC-SHA256, from the `cryptography` package) under the newest data key; any key of the list decrypts, so a
  rotation can run while the system serves. Never written in plain text; an empty value stays empty (blank
  fields are filtered by `= ''`). Any other lookup on them is refused — it could not work on ciphertext and
  would silently find nothing.
- `blind(purpose, value)`: a keyed index (HMAC-SHA256 under the index key, truncated to 128 bits) for exact
  search: a DNI, a normalised name token, a phonetic key. Without the key an index says nothing; with the
  database alone, guessing a DNI means guessing the key.
- `BlindIndexField`: a column holding such an index of a value computed from its row, filled on every save,
  bulk_create and seed insert (pre_save).

Keys come from settings.SISTRA_KEYS (tests), the environment (SISTRA_DATA_KEYS comma-separated, newest first,
and SISTRA_INDEX_KEY) or the key file settings.SISTRA_KEY_FILE. Missing or malformed keys stop start-up with
a Spanish message (CoreConfig.ready); keys that do not open the stored data stop it too (the canary check)."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Callable
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import models
from django.db.models.lookups import Exact, IsNull
from django.utils.module_loading import import_string

from .keyfile import KeyFileError, read, validate

INDEX_BYTES = 16
CANARY_TEXT = "sistra-canary"


@cache
def keys() -> dict:
    from django.conf import settings

    try:
        configured = getattr(settings, "SISTRA_KEYS", None)
        if configured:
            return validate(configured, "settings.SISTRA_KEYS")
        from_env = os.environ.get("SISTRA_DATA_KEYS", "")
        if from_env:
            return validate(
                {
                    "data_keys": [k.strip() for k in from_env.split(",") if k.strip()],
                    "index_key": os.environ.get("SISTRA_INDEX_KEY", ""),
                },
                "SISTRA_DATA_KEYS/SISTRA_INDEX_KEY",
            )
        path = getattr(settings, "SISTRA_KEY_FILE", None)
        if not path:
            raise KeyFileError(
                "No hay claves de cifrado: defina SISTRA_KEY_FILE, o SISTRA_DATA_KEYS y SISTRA_INDEX_KEY."
            )
        return read(path)
    except KeyFileError as exc:
        raise ImproperlyConfigured(str(exc)) from None


def reset_keys() -> None:
    """Forget the loaded keys (after the key file or the settings changed: rotation, tests)."""
    keys.cache_clear()
    _fernet.cache_clear()
    _primary.cache_clear()


@cache
def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(k) for k in keys()["data_keys"]])


@cache
def _primary() -> Fernet:
    return Fernet(keys()["data_keys"][0])


def encrypt(text: str) -> str:
    return _fernet().encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeEncodeError):
        raise ImproperlyConfigured(
            "Un dato cifrado no se puede abrir con las claves configuradas (¿archivo de claves equivocado?)."
        ) from None


def under_primary(token: str) -> bool:
    """Whether a stored token is already encrypted under the newest key (rotation skips it)."""
    try:
        _primary().decrypt(token.encode("ascii"))
    except InvalidToken:
        return False
    return True


def rotate(token: str) -> str:
    return _fernet().rotate(token.encode("ascii")).decode("ascii")


def blind(purpose: str, value: str) -> str:
    """The keyed index of a value for one purpose ("dni", "name-token"…): equal values, equal indexes."""
    key = keys()["index_key"].encode()
    digest = hmac.new(key, f"{purpose}\x1f{value}".encode(), hashlib.sha256).digest()
    return digest[:INDEX_BYTES].hex()


# --- fields ---------------------------------------------------------------------------------------------------


class OnlyEmptyExact(Exact):
    """`field = ''` (blank) works on ciphertext; equality with a value cannot: refused, never silently empty."""

    def get_prep_lookup(self):
        if self.rhs not in ("", None):
            raise FieldError(
                f"{self.lhs.target.name} está cifrado: búsquelo por su índice (sistra.core.crypto.blind)."
            )
        return ""


class Encrypted:
    """Marker and behaviour shared by the encrypted fields (the seeders convert their values too)."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)  # type: ignore[misc]
        if value is None or value == "":
            return value
        return encrypt(str(value))

    def get_db_prep_save(self, value, connection):
        return self.get_prep_value(value)

    def db_type(self, connection):
        return "text"

    def rel_db_type(self, connection):
        return "text"

    def get_lookup(self, lookup_name):
        if lookup_name == "isnull":
            return IsNull
        if lookup_name == "exact":
            return OnlyEmptyExact
        return None

    def get_transform(self, lookup_name):
        return None


class EncryptedCharField(Encrypted, models.CharField):
    """A CharField for forms and validation (max_length applies to the plain value); text in the database."""

    def cast_db_type(self, connection):
        return "text"


class EncryptedTextField(Encrypted, models.TextField):
    pass


class BlindIndexField(models.CharField):
    """The keyed index of a value computed from the row by `value_of` (a dotted path to a function of the
    instance returning the normalised plain value, "" for none). Filled before every insert and update."""

    def __init__(self, *args, purpose: str = "", value_of: str = "", **kwargs):
        self.purpose = purpose
        self.value_of = value_of
        kwargs.setdefault("max_length", INDEX_BYTES * 2)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["purpose"] = self.purpose
        kwargs["value_of"] = self.value_of
        for key, default in (("max_length", INDEX_BYTES * 2), ("editable", False), ("blank", True)):
            if kwargs.get(key) == default:
                kwargs.pop(key)
        return name, path, args, kwargs

    def _function(self) -> Callable[[Any], str]:
        return import_string(self.value_of)

    def compute(self, instance) -> str:
        value = self._function()(instance)
        return blind(self.purpose, value) if value else ""

    def pre_save(self, model_instance, add):
        value = self.compute(model_instance)
        setattr(model_instance, self.attname, value)
        return value


def fill_indexes(instance) -> None:
    """Compute every blind index of an instance (for paths that write rows without save())."""
    for field in instance._meta.concrete_fields:
        if isinstance(field, BlindIndexField):
            setattr(instance, field.attname, field.compute(instance))


# --- JSON with encrypted values -------------------------------------------------------------------------------

ENCRYPTED_MARK = "$enc"


def seal_values(value, is_secret: Callable[[str], bool]):
    """A copy of a JSON value where the value under every key `is_secret` accepts is replaced by
    {"$enc": token} (the whole value: a list of documents, a date, a name)."""
    if isinstance(value, dict):
        if set(value) == {ENCRYPTED_MARK}:
            return value
        return {
            k: (
                {ENCRYPTED_MARK: encrypt(json.dumps(v, ensure_ascii=False))}
                if v not in (None, "", [], {}) and is_secret(k)
                else seal_values(v, is_secret)
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [seal_values(v, is_secret) for v in value]
    return value


def open_values(value):
    if isinstance(value, dict):
        if set(value) == {ENCRYPTED_MARK} and isinstance(value[ENCRYPTED_MARK], str):
            return json.loads(decrypt(value[ENCRYPTED_MARK]))
        return {k: open_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [open_values(v) for v in value]
    return value


def rotate_values(value):
    """The same sealed JSON value with every token re-encrypted under the newest key."""
    if isinstance(value, dict):
        if set(value) == {ENCRYPTED_MARK} and isinstance(value[ENCRYPTED_MARK], str):
            token = value[ENCRYPTED_MARK]
            return value if under_primary(token) else {ENCRYPTED_MARK: rotate(token)}
        return {k: rotate_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [rotate_values(v) for v in value]
    return value


class SealedJSONField(models.JSONField):
    """JSON whose values under secret keys are encrypted one by one: the structure (and keys like person_id)
    stays queryable, the identities do not. `secret_keys` is a dotted path to a predicate on the key."""

    def __init__(self, *args, secret_keys: str = "", **kwargs):
        self.secret_keys = secret_keys
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["secret_keys"] = self.secret_keys
        return name, path, args, kwargs

    def get_prep_value(self, value):
        if value is not None and self.secret_keys:
            value = seal_values(value, import_string(self.secret_keys))
        return super().get_prep_value(value)

    def from_db_value(self, value, expression, connection):
        value = super().from_db_value(value, expression, connection)
        return open_values(value)


class EncryptedJSONField(models.JSONField):
    """A JSON value encrypted as a whole ({"$enc": token} in the column): for values that may be anything,
    a name among them (the two sides of a sync conflict)."""

    def get_prep_value(self, value):
        if value is not None and not (isinstance(value, dict) and set(value) == {ENCRYPTED_MARK}):
            value = {ENCRYPTED_MARK: encrypt(json.dumps(value, ensure_ascii=False))}
        return super().get_prep_value(value)

    def from_db_value(self, value, expression, connection):
        return open_values(super().from_db_value(value, expression, connection))

    def get_lookup(self, lookup_name):
        return IsNull if lookup_name == "isnull" else None

    def get_transform(self, name):
        return None


# --- the canary: keys that do not open the stored data stop start-up -------------------------------------------


def check_canary(using: str = "default") -> str | None:
    """None when the keys open the canary (or there is none yet); otherwise the Spanish reason."""
    from django.db import connections
    from django.db.utils import DatabaseError

    connection = connections[using]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT token FROM core_keycanary WHERE id = 1")
            row = cursor.fetchone()
    except DatabaseError:
        return None  # not migrated yet
    if row is None:
        return None
    try:
        if _fernet().decrypt(row[0].encode("ascii")).decode() == CANARY_TEXT:
            return None
    except InvalidToken:
        pass
    return (
        "Las claves de cifrado configuradas no abren los datos de esta base de datos: el archivo de claves no es "
        "el de esta instalación, o falta la clave anterior tras una rotación. SISTRA no arranca así."
    )


def write_canary(using: str = "default") -> None:
    from django.db import connections

    with connections[using].cursor() as cursor:
        cursor.execute("DELETE FROM core_keycanary WHERE id = 1")
        cursor.execute("INSERT INTO core_keycanary (id, token) VALUES (1, %s)", [encrypt(CANARY_TEXT)])


class EncryptedEmailField(Encrypted, models.EmailField):
    def cast_db_type(self, connection):
        return "text"
