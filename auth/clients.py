"""API-client secrets (clinics, employers; OAuth 2.0 client credentials).

Secrets are 256-bit random strings we generate, so a fast keyed hash (HMAC-SHA256) is enough:
a slow password hash protects low-entropy human choices, and nobody can brute-force 2^256.
The keyed hash (not a plain SHA-256) also means a leaked table alone is useless.
"""
from __future__ import annotations

import hmac
import secrets

from auth.otp import keyed_hash


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def new_client_id(kind: str) -> str:
    return f"{kind}_{secrets.token_hex(8)}"


def hash_secret(secret: str) -> str:
    return keyed_hash("client-secret", secret)


def verify_secret(stored_hash: str | None, secret: str) -> bool:
    """Constant time; an unknown client (stored_hash None) costs the same and never matches."""
    candidate = hash_secret(secret or "")
    return hmac.compare_digest(candidate, stored_hash or "0" * 64) and stored_hash is not None
