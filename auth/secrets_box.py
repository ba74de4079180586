"""Secrets kept at rest under envelope encryption (today: TOTP secrets), with a key ring that is not
SECRET_KEY.

Each secret gets its own random 256-bit data key; the secret is sealed with it (AES-256-GCM, the
associated data binds the box to its owner, e.g. `totp:42`, so a box copied to another row does not
open), and the data key is wrapped by the ring's current key-encryption key (AES-256-GCM too). A
box is one ASCII string:

    sb1.<kek id>.<base64url(nonce + wrapped data key)>.<base64url(nonce + sealed secret)>

The ring lives in DATA_KEYS_DIR (0700; ring.json 0600), created on first use in development:
    ring.json  {"current": kid, "keys": [{"kid", "key" (base64url, 32 bytes), "created_at"}]}
`rotate_ring` adds a key and makes it current; old keys stay, so every old box still opens, and
`rewrap` moves a box to the current key without touching the secret (`flask keys rotate-totp`
does both for every stored secret). Rotating SECRET_KEY changes nothing here.
"""
from __future__ import annotations

import base64
import fcntl
import json
import os
import secrets
from contextlib import contextmanager
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

import clock

PREFIX = "sb1"
RING = "ring.json"
_NONCE = 12
_cache: dict[str, tuple[tuple, dict]] = {}


class BoxError(ValueError):
    """A box that does not open: unknown key id, damaged, or sealed for another owner."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def default_dir() -> str:
    from flask import current_app

    return current_app.config["DATA_KEYS_DIR"]


# ---- the ring ----------------------------------------------------------------------------------

@contextmanager
def _locked(folder: Path):
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    fd = os.open(folder / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _write_ring(folder: Path, ring: dict) -> None:
    tmp = folder / f".{RING}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(ring, fh, indent=2)
    os.replace(tmp, folder / RING)


def _new_entry() -> dict:
    return {"kid": secrets.token_hex(4), "key": _b64(AESGCM.generate_key(bit_length=256)),
            "created_at": clock.now().isoformat()}


def _ensure(folder: Path) -> None:
    if (folder / RING).exists():
        return
    with _locked(folder):
        if not (folder / RING).exists():
            entry = _new_entry()
            _write_ring(folder, {"current": entry["kid"], "keys": [entry]})


def load_ring(folder: str | Path) -> dict:
    """{"current": kid, "keys": {kid: AESGCM}}, read again only when ring.json changes."""
    folder = Path(folder)
    _ensure(folder)
    st = os.stat(folder / RING)
    stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
    cached = _cache.get(str(folder))
    if cached and cached[0] == stamp:
        return cached[1]
    raw = json.loads((folder / RING).read_text(encoding="utf-8"))
    ring = {"current": raw["current"], "keys": {e["kid"]: AESGCM(_unb64(e["key"])) for e in raw["keys"]}}
    _cache[str(folder)] = (stamp, ring)
    return ring


def rotate_ring(folder: str | Path) -> str:
    """A new key-encryption key becomes current; the old ones stay to open old boxes."""
    folder = Path(folder)
    _ensure(folder)
    with _locked(folder):
        raw = json.loads((folder / RING).read_text(encoding="utf-8"))
        entry = _new_entry()
        raw["keys"].append(entry)
        raw["current"] = entry["kid"]
        _write_ring(folder, raw)
    return entry["kid"]


# ---- boxes -------------------------------------------------------------------------------------

def is_box(value: str | None) -> bool:
    return value is not None and value.startswith(PREFIX + ".")


def seal(folder: str | Path, plaintext: str, owner: str) -> str:
    ring = load_ring(folder)
    kid = ring["current"]
    data_key = AESGCM.generate_key(bit_length=256)
    n1, n2 = os.urandom(_NONCE), os.urandom(_NONCE)
    wrapped = ring["keys"][kid].encrypt(n1, data_key, f"{PREFIX}:dek:{owner}".encode())
    sealed = AESGCM(data_key).encrypt(n2, plaintext.encode("utf-8"), f"{PREFIX}:{owner}".encode())
    return ".".join((PREFIX, kid, _b64(n1 + wrapped), _b64(n2 + sealed)))


def _parts(box: str) -> tuple[str, bytes, bytes]:
    parts = box.split(".")
    if len(parts) != 4 or parts[0] != PREFIX:
        raise BoxError("not a sealed box")
    return parts[1], _unb64(parts[2]), _unb64(parts[3])


def _data_key(ring: dict, kid: str, wrapped: bytes, owner: str) -> bytes:
    kek = ring["keys"].get(kid)
    if kek is None:
        raise BoxError(f"no key {kid} in the ring")
    try:
        return kek.decrypt(wrapped[:_NONCE], wrapped[_NONCE:], f"{PREFIX}:dek:{owner}".encode())
    except InvalidTag as exc:
        raise BoxError("the data key does not unwrap (damaged, or another owner)") from exc


def unseal(folder: str | Path, box: str, owner: str) -> str:
    kid, wrapped, sealed = _parts(box)
    data_key = _data_key(load_ring(folder), kid, wrapped, owner)
    try:
        return AESGCM(data_key).decrypt(sealed[:_NONCE], sealed[_NONCE:], f"{PREFIX}:{owner}".encode()).decode()
    except InvalidTag as exc:
        raise BoxError("the secret does not open (damaged, or another owner)") from exc


def rewrap(folder: str | Path, box: str, owner: str) -> str:
    """The same sealed secret, its data key wrapped by the current key (unchanged if it already is)."""
    ring = load_ring(folder)
    kid, wrapped, sealed = _parts(box)
    if kid == ring["current"]:
        return box
    data_key = _data_key(ring, kid, wrapped, owner)
    n1 = os.urandom(_NONCE)
    again = ring["keys"][ring["current"]].encrypt(n1, data_key, f"{PREFIX}:dek:{owner}".encode())
    return ".".join((PREFIX, ring["current"], _b64(n1 + again), _b64(sealed)))


# ---- TOTP secrets --------------------------------------------------------------------------------

def totp_owner(account_id: int) -> str:
    return f"totp:{account_id}"


def seal_totp(account_id: int, secret: str, folder: str | Path | None = None) -> str:
    return seal(folder or default_dir(), secret, totp_owner(account_id))


def totp_secret(account_id: int, stored: str | None, folder: str | Path | None = None) -> str | None:
    """The plain TOTP secret of a stored column value (a box; a plain value from before migration
    0009 is read as is until `flask keys rotate-totp` or the migration seals it)."""
    if not stored:
        return None
    if not is_box(stored):
        return stored
    return unseal(folder or default_dir(), stored, totp_owner(account_id))
