"""The key file: the keys that encrypt identifiers at rest and key their search indexes (docs/decisions/0210).

Runs without Django, so that `make install` can create the demo's key file before anything starts:

    python -m sistra.core.keyfile ensure var/keys.json   # create it if missing (mode 0600)
    python -m sistra.core.keyfile add-key var/keys.json  # a new data key first; the old ones still decrypt

A file holds {"data_keys": [newest first, Fernet keys], "index_key": "<64 hex>"}. The data keys encrypt
(Fernet: AES-128-CBC with HMAC-SHA256); rotating adds a key in front and `sistra rotate_keys` re-encrypts every
value under it, after which the old key can be dropped. The index key keys the blind indexes (HMAC-SHA256) and
is not rotated by that command (changing it means recomputing every index from the decrypted values)."""

import json
import os
import secrets
import sys
from pathlib import Path

from cryptography.fernet import Fernet


class KeyFileError(Exception):
    """A key file missing, unreadable or malformed: the message says what to do (in Spanish)."""


def new_keys() -> dict:
    return {"data_keys": [Fernet.generate_key().decode()], "index_key": secrets.token_hex(32)}


def validate(keys: dict, origin: str) -> dict:
    data_keys = keys.get("data_keys")
    index_key = keys.get("index_key")
    if not isinstance(data_keys, list) or not data_keys or not isinstance(index_key, str):
        raise KeyFileError(
            f"Las claves de cifrado de {origin} están incompletas: se necesitan 'data_keys' (lista) e 'index_key'."
        )
    for key in data_keys:
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise KeyFileError(
                f"Una clave de cifrado de {origin} no es válida (debe ser una clave Fernet de 32 bytes en base64)."
            ) from None
    if len(index_key) < 32:
        raise KeyFileError(f"La clave de índices de {origin} es demasiado corta (mínimo 32 caracteres).")
    return {"data_keys": list(data_keys), "index_key": index_key}


def read(path: Path) -> dict:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KeyFileError(
            f"Falta el archivo de claves {path}. SISTRA no arranca sin él: créelo con "
            f"`python -m sistra.core.keyfile ensure {path}` (o `make install`), o defina SISTRA_DATA_KEYS y "
            "SISTRA_INDEX_KEY."
        ) from None
    except OSError as exc:
        raise KeyFileError(f"No se pudo leer el archivo de claves {path}: {exc.strerror}.") from None
    try:
        keys = json.loads(text)
    except json.JSONDecodeError:
        raise KeyFileError(f"El archivo de claves {path} no es JSON válido.") from None
    if not isinstance(keys, dict):
        raise KeyFileError(f"El archivo de claves {path} no tiene el formato esperado.")
    return validate(keys, str(path))


def write(path: Path, keys: dict) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(keys, handle, indent=1)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def ensure(path: Path) -> bool:
    """Create the file with fresh keys when it does not exist; True when created."""
    path = Path(path)
    if path.exists():
        read(path)
        return False
    write(path, new_keys())
    return True


def add_key(path: Path) -> None:
    keys = read(Path(path))
    keys["data_keys"].insert(0, Fernet.generate_key().decode())
    write(Path(path), keys)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("ensure", "add-key"):
        print("uso: python -m sistra.core.keyfile ensure|add-key RUTA", file=sys.stderr)
        return 2
    command, path = argv
    try:
        if command == "ensure":
            created = ensure(Path(path))
            print(f"Archivo de claves creado: {path}" if created else f"Archivo de claves presente: {path}")
        else:
            add_key(Path(path))
            print(f"Nueva clave de cifrado añadida al inicio de {path}; ejecute `sistra rotate_keys`.")
    except KeyFileError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
