"""The card check's reads: prebuilt statements run by the hot path's runner (db/statements.py).

Core statements, rows turned into typed NamedTuples (services/card_rows.py): the ORM's identity
map and unit of work cost more than the statements themselves on this path.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from sqlalchemy import Table, bindparam, insert, select

from errors import BearerUnauthorized
from models import ApiClient, Card, CardCheck, ClinicStaff, Facility, InsuredPerson
from services.card_rows import CARD_COLS, PERSON_COLS, CardRow, card_row

if TYPE_CHECKING:  # the hot path's statement runner (db/statements.py); services stay free of Flask
    from db.statements import Runner

_CARD_T, _PERSON_T, _FACILITY_T, _STAFF_T, _CLIENT_T = (
    Card.__table__, InsuredPerson.__table__, Facility.__table__, ClinicStaff.__table__, ApiClient.__table__)


# Built once: a statement object keeps its compiled form and cache key, so a check pays neither
# the construction nor the cache-key walk of a five-table SELECT. Values are bound per call.
_STAFF_NAME = (select(_STAFF_T.c.full_name)
               .where(_STAFF_T.c.client_id == bindparam("client_id"), _STAFF_T.c.cccd == bindparam("staff_cccd"))
               .scalar_subquery())
# The clinic client's `active` flag rides along: a deactivated clinic's tokens stop working at
# once (401), not when they expire, at no extra round trip.
_CLIENT_ACTIVE = (select(_CLIENT_T.c.active).where(_CLIENT_T.c.client_id == bindparam("client_id"))
                  .scalar_subquery())
_STAFF_ONLY = select(_STAFF_NAME, _CLIENT_ACTIVE)


def _cards_where(where, limit: int | None = None):
    stmt = (
        select(*CARD_COLS, *PERSON_COLS, _FACILITY_T.c.name, _STAFF_NAME, _CLIENT_ACTIVE)
        .select_from(_CARD_T.join(_PERSON_T, _PERSON_T.c.id == _CARD_T.c.person_id)
                     .outerjoin(_FACILITY_T, _FACILITY_T.c.code == _CARD_T.c.facility_code))
        .where(where)
        .order_by(_CARD_T.c.valid_from.desc(), _CARD_T.c.created_at.desc())
    )
    return stmt.limit(limit) if limit else stmt


def _same_person(column):
    """All cards of the holder of the card whose `column` equals :value."""
    return _cards_where(_CARD_T.c.person_id == select(_CARD_T.c.person_id).where(column == bindparam("value"))
                        .scalar_subquery())


_BY = {
    "card_number": _same_person(_CARD_T.c.card_number),
    "qr": _same_person(_CARD_T.c.id),
    "cccd": _cards_where(_PERSON_T.c.cccd == bindparam("value"), limit=1),
    "bhxh_code": _cards_where(_PERSON_T.c.bhxh_code == bindparam("value"), limit=1),
}


class StoredCheck(NamedTuple):
    """A stored CardCheck row's values (its fields are the columns; the INSERT is built from them)."""

    id: str
    client_id: str
    facility_code: str
    staff_cccd: str | None
    staff_name: str | None
    identifier_type: str
    person_id: int | None
    card_id: str | None
    result_code: str
    checked_at: datetime


_CHECK_T = cast(Table, CardCheck.__table__)
_CHECK_INSERT = insert(_CHECK_T).values({name: bindparam(name) for name in StoredCheck._fields})


def card_rows(conn: Runner, kind: str, value: str, staff: tuple[str, str]) -> tuple[list[CardRow], tuple]:
    """The cards found for `kind`/`value` (newest valid_from first) with holder and facility name,
    and (the staff member's registered name, whether the client is active) from the same
    statement: one round trip for the whole check when the card exists."""
    params = {"value": value, "client_id": staff[0], "staff_cccd": staff[1]}
    rows: list[CardRow] = []
    desk: tuple = ()
    for r in conn.rows(_BY[kind], params):
        rows.append(card_row(r))
        desk = r[-2:]
    if not rows:
        desk = staff_only(conn, staff)
    return rows, desk


def same_person_cards(conn: Runner, kind: str, value: str, staff) -> tuple[CardRow | None, CardRow | None, Any]:
    """(the card asked for, the holder's current card, (staff name, client active)), from all the
    holder's cards."""
    rows, desk = card_rows(conn, kind, value, staff)
    attr = "id" if kind == "qr" else kind
    target = next((r for r in rows if getattr(r.card, attr) == value), None)
    return target, (rows[0] if rows else None), desk


def staff_only(conn: Runner, staff: tuple[str, str | None]) -> tuple[str | None, bool | None]:
    """(the staff member's registered name, whether the clinic client is active)."""
    return tuple(conn.rows(_STAFF_ONLY, {"client_id": staff[0], "staff_cccd": staff[1]})[0])


def require_active(desk: tuple[str | None, bool | None]) -> str | None:
    """The staff member's name, once the clinic client is known to be active (nothing is stored
    for a deactivated client's request)."""
    staff_name, active = desk
    if not active:
        raise BearerUnauthorized("This clinic client is not active.")
    return staff_name


def store_check(conn: Runner, check: StoredCheck) -> None:
    """The CardCheck row, committed when this returns (db/statements.py)."""
    conn.execute(_CHECK_INSERT, check._asdict())
