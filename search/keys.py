"""Write keys: who may publish, correct and take down articles.

Keys live beside the index in ``keys.json``, each as a salted scrypt hash with
its name and creation time; the secret itself is shown once, when it is made.
Checking a key derives its hash again and compares in constant time. With no
key at all, every write is refused: writes are never open by default.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path

KEYS_FILE = "keys.json"
SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


class KeyError_(ValueError):
    """A key name that is taken, unknown, or not a plain name."""


def _path(index_dir) -> Path:
    return Path(index_dir) / KEYS_FILE


def _load(index_dir) -> dict[str, dict]:
    try:
        return json.loads(_path(index_dir).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}


def _save(index_dir, keys: dict[str, dict]) -> None:
    path = _path(index_dir)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(keys, indent=1, sort_keys=True), encoding="utf-8")
    os.chmod(temporary, 0o600)
    temporary.replace(path)  # whole or not at all


def _hash(secret: str, salt: bytes) -> str:
    return base64.b64encode(hashlib.scrypt(secret.encode("utf-8"), salt=salt, **SCRYPT)).decode("ascii")


def add_key(index_dir, name: str) -> str:
    """Make a key called ``name``; returns its secret (shown only now)."""
    if not name or not name.replace("-", "").replace("_", "").isalnum():
        raise KeyError_(f"a key name is letters, digits, - and _, not {name!r}")
    keys = _load(index_dir)
    if name in keys:
        raise KeyError_(f"there is already a key called {name!r}; revoke it first")
    secret = "brt_" + secrets.token_urlsafe(32)
    salt = secrets.token_bytes(16)
    keys[name] = {
        "salt": base64.b64encode(salt).decode("ascii"),
        "hash": _hash(secret, salt),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    _save(index_dir, keys)
    return secret


def list_keys(index_dir) -> list[tuple[str, str]]:
    """(name, created) of every key."""
    return sorted((name, entry["created"]) for name, entry in _load(index_dir).items())


def revoke_key(index_dir, name: str) -> None:
    keys = _load(index_dir)
    if name not in keys:
        raise KeyError_(f"no key called {name!r}")
    del keys[name]
    _save(index_dir, keys)


def key_owner(index_dir, secret: str) -> str | None:
    """The name of the key ``secret`` is, or None."""
    for name, entry in _load(index_dir).items():
        salt = base64.b64decode(entry["salt"])
        if hmac.compare_digest(_hash(secret, salt), entry["hash"]):
            return name
    return None


def has_keys(index_dir) -> bool:
    return bool(_load(index_dir))
