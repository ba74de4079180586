"""Card-signing keys (ES256) in CARD_KEYS_DIR, the JWKS that publishes them, and signing QR payloads.

Layout of the folder (0700, files 0600; created on first use):
  <kid>.pem    a PKCS#8 private key (never leaves the folder; the JWKS carries only x, y)
  keys.json    {"keys": [{"kid", "created_at", "activates_at", "retired_at"}]}
A key is published from the moment it is created, but signs only from `activates_at`
(`rotate(..., activate_after=ACTIVATE_AFTER)`): an offline verifier that syncs the JWKS once a day
already holds the kid of every QR it can be shown. The signer at a time is the key activated last
and not yet retired (the previous signer's `retired_at` is the new key's `activates_at`). A
retired key stays published until `retired_at + MAX_QR_LIFETIME`: no payload it signed can
outlive that, because every payload's exp is at most MAX_QR_LIFETIME after signing. Manifests of
older versions (a "signer" field, no `activates_at`) read as keys activated when created.

Keys are loaded once per process and reloaded only when keys.json changes (inode + mtime), so
signing costs one ECDSA operation, not a disk read.
"""
from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

import clock
from services.card_verifier import Verifier

MAX_QR_LIFETIME = timedelta(days=30)
# A daily JWKS sync plus a day of slack (a verifier that missed one sync); `--activate-after 0` is for
# a compromised key, when an unknown kid at a desk is the lesser harm.
ACTIVATE_AFTER = timedelta(hours=48)
MANIFEST = "keys.json"
_ECDSA_SHA256 = ec.ECDSA(hashes.SHA256())


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def key_id(public_key: ec.EllipticCurvePublicKey) -> str:
    """First 8 bytes of SHA-256 over the DER SubjectPublicKeyInfo, base64url (as EU DCC's kid)."""
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return b64url(hashlib.sha256(der).digest()[:8])


def public_jwk(kid: str, public_key: ec.EllipticCurvePublicKey) -> dict:
    numbers = public_key.public_numbers()
    return {"kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": kid,
            "x": b64url(numbers.x.to_bytes(32, "big")), "y": b64url(numbers.y.to_bytes(32, "big"))}


@dataclass(frozen=True)
class KeyEntry:
    kid: str
    private_key: ec.EllipticCurvePrivateKey
    created_at: datetime
    retired_at: datetime | None
    activates_at: datetime | None = None

    def published(self, now: datetime) -> bool:
        return self.retired_at is None or self.retired_at + MAX_QR_LIFETIME > now

    def signs(self, now: datetime) -> bool:
        return (self.activates_at or self.created_at) <= now and (self.retired_at is None or self.retired_at > now)


@dataclass(frozen=True)
class KeySet:
    entries: tuple[KeyEntry, ...]

    def signer_at(self, now: datetime) -> KeyEntry:
        """The key activated last among those signing now (the earliest key if none is, e.g. a clock
        set back before the first activation)."""
        signing = [e for e in self.entries if e.signs(now)]
        if not signing:
            return min(self.entries, key=lambda e: e.activates_at or e.created_at)
        return max(signing, key=lambda e: (e.activates_at or e.created_at, e.created_at))

    @property
    def signer(self) -> KeyEntry:
        return self.signer_at(clock.now())

    def jwks(self, now: datetime) -> dict:
        return {"keys": [public_jwk(e.kid, e.private_key.public_key()) for e in self.entries if e.published(now)]}


# ---- the folder ------------------------------------------------------------------------------

def _ensure_folder(folder: Path) -> None:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)


@contextmanager
def _locked(folder: Path):
    """Serialise key creation/rotation between workers and CLI runs."""
    _ensure_folder(folder)
    fd = os.open(folder / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def _write_manifest(folder: Path, manifest: dict) -> None:
    tmp = folder / f".{MANIFEST}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, indent=2)
    os.replace(tmp, folder / MANIFEST)


def _read_manifest(folder: Path) -> dict | None:
    path = folder / MANIFEST
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _new_key(folder: Path, now: datetime, activates_at: datetime | None = None) -> dict:
    private_key = ec.generate_private_key(ec.SECP256R1())
    kid = key_id(private_key.public_key())
    pem = private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    _write_private(folder / f"{kid}.pem", pem)
    return {"kid": kid, "created_at": now.isoformat(), "activates_at": (activates_at or now).isoformat(),
            "retired_at": None}


def ensure_keys(folder: str | Path) -> None:
    """Create the folder and a first key when there is none (first use in development)."""
    folder = Path(folder)
    if (folder / MANIFEST).exists():
        return
    with _locked(folder):
        if _read_manifest(folder) is None:
            entry = _new_key(folder, clock.now())
            _write_manifest(folder, {"keys": [entry]})


def rotate(folder: str | Path, activate_after: timedelta = ACTIVATE_AFTER) -> tuple[str, list[str]]:
    """Add a key, published now, signing from now + activate_after; every key still signing (or
    waiting to) stops at that moment. Returns (new kid, published kids)."""
    if activate_after < timedelta(0):
        raise ValueError("activate_after must not be negative")
    folder = Path(folder)
    ensure_keys(folder)
    with _locked(folder):
        manifest = _read_manifest(folder)
        if manifest is None:  # ensure_keys just wrote it; only a folder emptied meanwhile gets here
            raise FileNotFoundError(folder / MANIFEST)
        manifest.pop("signer", None)  # the signer is derived from the activation times
        now = clock.now()
        activates_at = now + activate_after
        for entry in manifest["keys"]:
            if entry["retired_at"] is None or datetime.fromisoformat(entry["retired_at"]) > activates_at:
                entry["retired_at"] = activates_at.isoformat()
        new = _new_key(folder, now, activates_at)
        manifest["keys"].append(new)
        _write_manifest(folder, manifest)
    keyset = load(folder)
    return new["kid"], [jwk["kid"] for jwk in keyset.jwks(clock.now())["keys"]]


# ---- the per-process cache -------------------------------------------------------------------

_cache: dict[str, tuple[tuple, KeySet]] = {}
_verifiers: dict[tuple, Verifier] = {}
_lock = threading.Lock()


def _stamp(folder: Path) -> tuple:
    st = os.stat(folder / MANIFEST)
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def load(folder: str | Path) -> KeySet:
    """The folder's keys, read from disk only when keys.json changed since the last call."""
    folder = Path(folder)
    try:
        stamp = _stamp(folder)
    except FileNotFoundError:
        ensure_keys(folder)
        stamp = _stamp(folder)
    cached = _cache.get(str(folder))
    if cached and cached[0] == stamp:
        return cached[1]
    with _lock:
        manifest = _read_manifest(folder)
        entries = []
        for item in manifest["keys"]:
            pem = (folder / f"{item['kid']}.pem").read_bytes()
            entries.append(KeyEntry(
                kid=item["kid"],
                private_key=serialization.load_pem_private_key(pem, password=None),
                created_at=datetime.fromisoformat(item["created_at"]),
                retired_at=datetime.fromisoformat(item["retired_at"]) if item["retired_at"] else None,
                activates_at=datetime.fromisoformat(item["activates_at"]) if item.get("activates_at") else None,
            ))
        keyset = KeySet(entries=tuple(entries))
        _cache[str(folder)] = (stamp, keyset)
        return keyset


def jwks(folder: str | Path) -> dict:
    return load(folder).jwks(clock.now())


def verifier(folder: str | Path) -> Verifier:
    """The offline verifier over the currently published keys (what a clinic would hold)."""
    keyset = load(folder)
    now = clock.now()
    published = tuple(e.kid for e in keyset.entries if e.published(now))
    cache_key = (str(folder), id(keyset), published)
    found = _verifiers.get(cache_key)
    if found is None:
        found = Verifier(keyset.jwks(now))
        if len(_verifiers) > 64:
            _verifiers.clear()
        _verifiers[cache_key] = found
    return found


def sign(folder: str | Path, claims: dict) -> str:
    """A compact JWS (ES256, kid in the header) over `claims`, UTF-8 JSON to keep the QR small."""
    signer = load(folder).signer
    header = b64url(json.dumps({"alg": "ES256", "kid": signer.kid, "typ": "JWT"}, separators=(",", ":")).encode())
    body = b64url(json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    signing_input = f"{header}.{body}".encode("ascii")
    r, s = decode_dss_signature(signer.private_key.sign(signing_input, _ECDSA_SHA256))
    return f"{header}.{body}.{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"
