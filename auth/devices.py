"""Device tokens: OWASP's "device cookie" for a mobile app (docs/auth.md "Lockout").

A full login (password and second factor) answers a `device_token`, which the app keeps and sends
with its next logins. It is bound to the phone number and signed (HMAC under SECRET_KEY, label
"device"); it is valid for DEVICE_TOKEN_TTL. Failed logins are counted per phone and per device:
a client with a valid device token for this phone has its own counter, every other client shares
the phone's "untrusted" counter. So a stranger's failures lock out strangers, never the owner's
phone that logged in before; and the per-address failure budget does not apply to a known device.
"""
from __future__ import annotations

import hmac
import secrets

import clock
from auth.otp import keyed_hash
from policy import DEVICE_TOKEN_TTL

_VERSION = "d1"
UNTRUSTED = "untrusted"


def _mac(phone: str, issued: int, nonce: str) -> str:
    return keyed_hash("device", f"{phone}|{issued}|{nonce}")[:40]


def issue(phone: str) -> str:
    issued, nonce = int(clock.now().timestamp()), secrets.token_urlsafe(12)
    return f"{_VERSION}.{issued}.{nonce}.{_mac(phone, issued, nonce)}"


def verify(token: str | None, phone: str) -> str | None:
    """The device's id (its nonce) when `token` is a valid, unexpired token for `phone`, else None."""
    if not token or len(token) > 200:
        return None
    parts = token.split(".")
    if len(parts) != 4 or parts[0] != _VERSION or not parts[1].isdigit():
        return None
    _, issued, nonce, mac = parts
    if not hmac.compare_digest(mac, _mac(phone, int(issued), nonce)):
        return None
    if int(issued) + DEVICE_TOKEN_TTL.total_seconds() < clock.now().timestamp():
        return None
    return nonce


def failure_key(phone: str, device: str | None) -> str:
    """The throttle key of this phone's failed logins from this device (or from untrusted clients).
    A keyed hash, not the number: the store holds no phone numbers, known or unknown."""
    return f"login:fail:{keyed_hash('throttle', phone)[:32]}:{device or UNTRUSTED}"
