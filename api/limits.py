"""Per-client-address limits, with `limits` (the library under Flask-Limiter) on
RATELIMIT_STORAGE_URI: Redis when REDIS_URL is set, so every gunicorn worker shares the counts.

Why not the Flask-Limiter extension: it runs a before_request hook on every request of every
endpoint (~0.2 ms, measured on the card check, which has no address limit), and with headers
enabled it rewrites `Retry-After` to its own window, which would turn a 40 s resend cooldown or a
15 min account lock into an hour. Here a limited view answers its own 429 (rate_limited +
Retry-After) and nothing else pays. These limits fail open when the store is down; the per-phone
SMS throttle (auth/throttle.py) fails closed instead.
"""
from __future__ import annotations

import logging
import threading
import time
from functools import wraps

from flask import Flask, current_app, request
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from errors import RateLimited

log = logging.getLogger(__name__)
_lock = threading.Lock()


def client_address() -> str:
    return request.remote_addr or "unknown"


def init_app(app: Flask) -> None:
    """Nothing to set up: RATELIMIT_STORAGE_URI, RATELIMIT_KEY_PREFIX and every RATELIMIT_<NAME> are
    declared in config.load (the numbers in policy.ADDRESS_LIMITS); the store opens on first use."""


def _strategy() -> FixedWindowRateLimiter:
    app = current_app
    strategy = app.extensions.get("address_limits")
    if strategy is None:
        with _lock:
            strategy = app.extensions.get("address_limits")
            if strategy is None:
                uri = app.config["RATELIMIT_STORAGE_URI"]
                options = {"socket_timeout": 1, "socket_connect_timeout": 1} if uri.startswith("redis") else {}
                strategy = FixedWindowRateLimiter(storage_from_string(uri, **options))
                app.extensions["address_limits"] = strategy
    return strategy


def check(name: str) -> None:
    """Count this request against `RATELIMIT_<NAME>` (config; defaults in policy.py) for the client address."""
    item = parse(current_app.config[f"RATELIMIT_{name}"])
    keys = (current_app.config["RATELIMIT_KEY_PREFIX"], "address", name.lower(), client_address())
    strategy = _strategy()
    try:
        allowed = strategy.hit(item, *keys)
        reset_at = None if allowed else strategy.get_window_stats(item, *keys).reset_time
    except Exception as exc:  # store unreachable: fail open (see module docstring)
        log.warning("address limit store unavailable (%s); not limiting", type(exc).__name__)
        return
    if reset_at is not None:
        raise RateLimited("Too many requests from this address; try again later.", retry_after=reset_at - time.time())


def address_limit(name: str):
    def decorate(fn):
        @wraps(fn)
        def wrapper(*args, **kwargs):
            check(name)
            return fn(*args, **kwargs)

        wrapper._address_limit = name  # api/openapi.py documents its 429 from this
        return wrapper

    return decorate
