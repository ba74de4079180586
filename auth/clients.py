"""API-client secrets (clinics, employers; OAuth 2.0 client credentials).

Secrets are 256-bit random strings we generate, so a fast hash is enough: a slow password hash
protects low-entropy human choices, and nobody can brute-force 2^256. The hash is a plain,
domain-separated SHA-256, bound to no application key: rotating SECRET_KEY (which signs tokens)
must not lock every clinic and employer out. Earlier versions stored an HMAC under a key derived
from SECRET_KEY; such a hash still verifies while that key is unchanged and is re-stored in the
current form on the client's next successful token request (`check_secret` says it is stale).
Operator-chosen secrets (demo data only, at least 8 characters) get no more than this protection.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

from auth.otp import keyed_hash

_DOMAIN = b"vssid/client-secret/v2\x00"


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def new_client_id(kind: str) -> str:
    return f"{kind}_{secrets.token_hex(8)}"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(_DOMAIN + secret.encode("utf-8")).hexdigest()


def _legacy_hash(secret: str) -> str:
    return keyed_hash("client-secret", secret)


def check_secret(stored_hash: str | None, secret: str) -> tuple[bool, bool]:
    """(matches, stored in the legacy SECRET_KEY-bound form). Constant time; both forms are always
    computed, and an unknown client (stored_hash None) costs the same and never matches."""
    stored = stored_hash or "0" * 64
    try:
        (secret or "").encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: no secret we issued, same work as a wrong one
        stored_hash, secret = None, ""
    current = hmac.compare_digest(hash_secret(secret or ""), stored)
    legacy = hmac.compare_digest(_legacy_hash(secret or ""), stored)
    found = stored_hash is not None and (current or legacy)
    return found, found and legacy and not current


def verify_secret(stored_hash: str | None, secret: str) -> bool:
    return check_secret(stored_hash, secret)[0]
