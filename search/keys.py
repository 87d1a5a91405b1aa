"""Write keys: who may publish, correct and take down articles.

Keys live beside the index in ``keys.json``, each as a salted scrypt hash with
its name, id and creation time; the secret itself is shown once, when it is
made. A key reads ``brt_<id>.<secret>``: the id (not secret) selects the one
hash to check, so checking a key costs one scrypt however many keys exist, and
a wrong key costs the same. Keys made before ids existed (``brt_<secret>``, no
dot) keep working; each check of such a key tries every id-less hash (the old
cost), so ``berita keys list`` marks them to be replaced. With no key at all,
every write is refused: writes are never open by default.
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
PREFIX = "brt_"
_DUMMY_SALT = b"berita-no-such-key"  # a wrong key's check costs what a right one does


class KeyProblem(ValueError):
    """A key name that is taken, unknown, or not a plain name."""


def _path(index_dir) -> Path:
    return Path(index_dir) / KEYS_FILE


def _load(index_dir) -> dict[str, dict]:
    try:
        return json.loads(_path(index_dir).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}


def _save(index_dir, keys: dict[str, dict]) -> None:
    """Whole or not at all; a failed write (a full disk) leaves the old file
    and no temporary one, and raises the OSError."""
    path = _path(index_dir)
    temporary = path.with_suffix(".tmp")
    try:
        temporary.write_text(json.dumps(keys, indent=1, sort_keys=True), encoding="utf-8")
        os.chmod(temporary, 0o600)
        temporary.replace(path)
    except OSError:
        temporary.unlink(missing_ok=True)
        raise


def _hash(secret: str, salt: bytes) -> str:
    return base64.b64encode(hashlib.scrypt(secret.encode("utf-8"), salt=salt, **SCRYPT)).decode("ascii")


def add_key(index_dir, name: str) -> str:
    """Make a key called ``name``; returns its secret (shown only now)."""
    if not name or not name.replace("-", "").replace("_", "").isalnum():
        raise KeyProblem(f"a key name is letters, digits, - and _, not {name!r}")
    keys = _load(index_dir)
    if name in keys:
        raise KeyProblem(f"there is already a key called {name!r}; revoke it first")
    taken = {entry.get("id") for entry in keys.values()}
    key_id = secrets.token_hex(4)
    while key_id in taken:
        key_id = secrets.token_hex(4)
    secret = f"{PREFIX}{key_id}.{secrets.token_urlsafe(32)}"
    salt = secrets.token_bytes(16)
    keys[name] = {
        "id": key_id,
        "salt": base64.b64encode(salt).decode("ascii"),
        "hash": _hash(secret, salt),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    _save(index_dir, keys)
    return secret


def list_keys(index_dir) -> list[tuple[str, str, bool]]:
    """(name, created, made before key ids: to be replaced) of every key."""
    return sorted((name, entry["created"], "id" not in entry) for name, entry in _load(index_dir).items())


def revoke_key(index_dir, name: str) -> None:
    keys = _load(index_dir)
    if name not in keys:
        raise KeyProblem(f"no key called {name!r}")
    del keys[name]
    _save(index_dir, keys)


def key_id(secret: str) -> str | None:
    """The id a key names (``brt_<id>.<secret>``), or None for an id-less one."""
    head, dot, _ = secret.partition(".")
    return head[len(PREFIX) :] if dot and head.startswith(PREFIX) else None


def key_owner(index_dir, secret: str) -> str | None:
    """The name of the key ``secret`` is, or None. One scrypt for a key with
    an id (the entry it names, or a dummy when none does); one per id-less
    entry for a key without."""
    keys = _load(index_dir)
    wanted = key_id(secret)
    candidates = [(n, e) for n, e in keys.items() if e.get("id") == wanted]
    found = None
    for name, entry in candidates:
        if hmac.compare_digest(_hash(secret, base64.b64decode(entry["salt"])), entry["hash"]):
            found = name
    if not candidates:
        _hash(secret, _DUMMY_SALT)
    return found


def has_keys(index_dir) -> bool:
    return bool(_load(index_dir))
