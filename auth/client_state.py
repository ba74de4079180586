"""Whether an API client (clinic, employer, or any later kind) may still use its tokens.

A client token carries no login session, so `flask clients deactivate` could not end it before
its expiry; every request with a client token now reads the client's `active` flag (one prepared
statement outside any transaction), except views whose own statement already reads it (the card
check: `services/card_check_reads.py`), which say so with `checks_client_active`.
"""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import bindparam, select

import db
from errors import BearerUnauthorized
from models import ApiClient

_ACTIVE = select(ApiClient.__table__.c.active).where(ApiClient.__table__.c.client_id == bindparam("client_id"))


class ClientInactive(BearerUnauthorized):
    code = "unauthorized"
    detail = "This client is not active."


def checks_client_active(fn: Callable) -> Callable:
    """Mark a view whose own statement refuses a deactivated client (no second round trip)."""
    fn._checks_client_active = True  # type: ignore[attr-defined]
    return fn


def require_active(client_id: str) -> None:
    found = db.hot_path_runner().rows(_ACTIVE, {"client_id": client_id})
    if not found or not found[0][0]:
        raise ClientInactive()
