"""Per-client-address request limits (Flask-Limiter), shared by all workers through Redis when set."""
from __future__ import annotations

from flask import Flask, request
from flask_limiter import Limiter


def client_address() -> str:
    return request.remote_addr or "unknown"


limiter = Limiter(key_func=client_address, default_limits=[], headers_enabled=False)


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", app.config.get("RATELIMIT_KEY_PREFIX", "vssid"))
    # Redis away must not take the whole API down: the address limits fail open, while the
    # OTP throttles (auth/throttle.py) fail closed.
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    limiter.init_app(app)
