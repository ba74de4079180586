"""One-time codes: SMS codes (6 digits, kept only as keyed hashes) and TOTP (authenticator apps).

Every secret we store for later comparison goes through `keyed_hash`: HMAC-SHA256 under a key
derived from SECRET_KEY and a label, so a database dump alone does not let anyone test guesses,
and a hash made for one purpose (OTP, refresh token, client secret) never matches another.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
from flask import current_app
from pyotp.exceptions import OTPVerificationError

from policy import OTP_DIGITS

TOTP_ISSUER = "VssID"


def _key(label: str) -> bytes:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"vssid-key:{label}".encode(), hashlib.sha256).digest()


def keyed_hash(label: str, message: str) -> str:
    """Hex HMAC-SHA256 of `message` under the key for `label` (64 characters)."""
    return hmac.new(_key(label), message.encode(), hashlib.sha256).hexdigest()


def new_code() -> str:
    return f"{secrets.randbelow(10 ** OTP_DIGITS):0{OTP_DIGITS}d}"


def code_hash(challenge_id: str, purpose: str, code: str) -> str:
    """The code is bound to its challenge and purpose: the same digits elsewhere hash differently."""
    return keyed_hash("otp", f"{challenge_id}:{purpose}:{code}")


def code_matches(stored_hash: str | None, challenge_id: str, purpose: str, code: str) -> bool:
    candidate = code_hash(challenge_id, purpose, code)
    # A challenge without a code (register of a taken phone, reset of an unknown one) never matches,
    # but takes the same work to say so.
    return hmac.compare_digest(candidate, stored_hash or "0" * 64) and stored_hash is not None


# --- TOTP (RFC 6238: SHA-1, 6 digits, 30 s; Keycloak's defaults, reference/security.md §5.1) ---

def new_totp_secret() -> str:
    return pyotp.random_base32()  # 32 base32 characters = 160 bits


def provisioning_uri(secret: str, account_name: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account_name, issuer_name=TOTP_ISSUER)


def totp_step(secret: str, code: str, at: datetime, valid_window: int = 1) -> int | None:
    """The time step `code` belongs to (one step of clock drift either way), or None."""
    if not (len(code) == OTP_DIGITS and code.isdigit()):
        return None
    try:
        return pyotp.TOTP(secret).verify_and_get_timecode(code, for_time=at, valid_window=valid_window)
    except OTPVerificationError:
        return None
