"""Per-client-address limits, counted in the shared throttle store (auth/throttle.py: Redis when
REDIS_URL is set, else the database), so every gunicorn worker and process shares the counts.

Why not the Flask-Limiter extension: it runs a before_request hook on every request of every
endpoint (~0.2 ms, measured on the card check, which has no address limit), and with headers
enabled it rewrites `Retry-After` to its own window. Here a limited view answers its own 429
(rate_limited + Retry-After) and nothing else pays. These limits fail open when the store is down;
the per-phone SMS throttle fails closed instead.

Fairness (many phones behind one carrier NAT address): a limit made with `failures_only=True`
counts only the requests that were refused (a 4xx problem other than 429), so people who log in
successfully never use up the address's budget, and a caller `exempt` from it (a device that
logged in before: auth/devices.py) is never refused by it.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from flask import current_app, request
from limits import parse

from errors import AdapterUnavailable, AppError, RateLimited

log = logging.getLogger(__name__)
DETAIL = "Too many requests from this address; try again later."


def client_address() -> str:
    return request.remote_addr or "unknown"


def init_app(app) -> None:
    """Nothing to set up: every RATELIMIT_<NAME> is declared in config.load (the numbers in
    policy.ADDRESS_LIMITS); the counts live in the app's throttle store (services.runtime)."""


def _rule(name: str) -> tuple[str, int, int]:
    item = parse(current_app.config[f"RATELIMIT_{name}"])
    return f"address:{name.lower()}:{client_address()}", item.amount, item.get_expiry()


def _ask(name: str, count: bool) -> None:
    from services import runtime

    key, amount, window = _rule(name)
    store = runtime.get().throttle
    try:
        verdict = store.hit(key, amount, window) if count else store.peek(key, amount, window)
    except AdapterUnavailable as exc:  # store unreachable: fail open (see module docstring)
        log.warning("address limit store unavailable (%s); not limiting", type(exc).__name__)
        return
    if not verdict.allowed:
        raise RateLimited(DETAIL, retry_after=verdict.retry_after)


def check(name: str) -> None:
    """Count this request against `RATELIMIT_<NAME>` for the client address (429 when over)."""
    _ask(name, count=True)


def _is_failure(exc: AppError) -> bool:
    return 400 <= exc.status < 500 and exc.status != 429


def address_limit(name: str, *, failures_only: bool = False, exempt: Callable[[], bool] | None = None):
    def decorate(fn):
        @wraps(fn)
        def wrapper(*args, **kwargs):
            if exempt is not None and exempt():
                return fn(*args, **kwargs)
            if not failures_only:
                check(name)
                return fn(*args, **kwargs)
            _ask(name, count=False)
            try:
                return fn(*args, **kwargs)
            except AppError as exc:
                if _is_failure(exc):
                    _ask_after_failure(name)
                raise

        wrapper._address_limit = name  # api/openapi.py documents its 429 from this
        return wrapper

    return decorate


def _ask_after_failure(name: str) -> None:
    try:
        _ask(name, count=True)
    except RateLimited:  # this failure filled the budget: its own answer stays the view's
        pass
