"""The current card, its status on a day, its view (CONTRACT §4), and the signed QR payload."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

import clock
from card_codes import EXPIRED, CardStatus, decided_code
from errors import NotFound, NotLinked
from models import Card, Facility, InsuredPerson
from services import card_signing, people
from services.birth_dates import of_record
from services.card_rows import (
    CARD_COLS,
    PERSON_COLS,
    CardRow,
    card_row,
    card_view,
    status_on,
)

__all__ = ["CARD_COLS", "PERSON_COLS", "CardRow", "card_row", "card_view", "status_on", "EXPIRED"]

if TYPE_CHECKING:  # how hot-path statements are run (db/statements.py); services stay free of Flask
    from db.statements import Runner

VN_TZ = timezone(timedelta(hours=7))
# Kept for their importers; the vocabulary itself is card_codes.CardStatus.
ACTIVE, REVOKED, REPORTED_DECREASED = CardStatus.ACTIVE, CardStatus.REVOKED, CardStatus.REPORTED_DECREASED
_CARD_T, _PERSON_T, _FACILITY_T = Card.__table__, InsuredPerson.__table__, Facility.__table__


class NoCard(NotFound):
    code = "no_card"
    detail = "No health-insurance card has been issued for this record."


def person_of_account(session: Session, account_id: int) -> InsuredPerson:
    return people.linked_person(session, account_id)


def end_of_validity(valid_to: date) -> datetime:
    """The instant the card stops being valid: midnight after valid_to, Vietnam time."""
    return datetime.combine(valid_to + timedelta(days=1), time(0), tzinfo=VN_TZ)


def qr_claims(row: CardRow, now: datetime) -> dict:
    card, person = row.card, row.person
    exp = min(now + card_signing.MAX_QR_LIFETIME, end_of_validity(card.valid_to))
    return {
        "cid": card.id, "cn": card.card_number, "n": person.full_name,
        "dob": of_record(person).iso(), "g": person.gender, "f": card.facility_code,
        "vf": card.valid_from.isoformat(), "vt": card.valid_to.isoformat(),
        "iat": int(now.timestamp()), "exp": int(exp.timestamp()),
    }


def signed_qr(row: CardRow, keys_dir: str) -> tuple[str, datetime] | tuple[None, None]:
    """(payload, expires_at) for an active card; (None, None) for an expired, revoked or reported-
    decreased one: a QR must never vouch for a card the clinic would have to refuse."""
    now = clock.now()
    if status_on(row.card, clock.today()) != ACTIVE:
        return None, None
    claims = qr_claims(row, now)
    return card_signing.sign(keys_dir, claims), datetime.fromtimestamp(claims["exp"], timezone.utc)


_NEWEST = _CARD_T.alias("newest")
_CURRENT_CARD_ID = (select(_NEWEST.c.id).where(_NEWEST.c.person_id == _PERSON_T.c.id)
                    .order_by(_NEWEST.c.valid_from.desc(), _NEWEST.c.created_at.desc()).limit(1)
                    .correlate(_PERSON_T).scalar_subquery())
# GET /me/card in one statement (the app's most opened screen): the account's record, its current
# card (the latest valid_from, then the latest created; older ones answer 003/004 at a clinic) and
# the facility's name; no transaction around it.
_MY_CARD = (select(*CARD_COLS, *PERSON_COLS, _FACILITY_T.c.name)
            .select_from(_PERSON_T.outerjoin(_CARD_T, _CARD_T.c.id == _CURRENT_CARD_ID)
                         .outerjoin(_FACILITY_T, _FACILITY_T.c.code == _CARD_T.c.facility_code))
            .where(_PERSON_T.c.account_id == bindparam("account_id")))


def my_card(runner: Runner, account_id: int, keys_dir: str) -> dict:
    """GET /me/card: 404 not_linked / no_card, else the view with the QR and its expiry."""
    found = runner.rows(_MY_CARD, {"account_id": account_id})
    if not found:
        raise NotLinked()
    if found[0][0] is None:
        raise NoCard()
    row = card_row(found[0])
    view = card_view(row, clock.today())
    qr, expires_at = signed_qr(row, keys_dir)
    view["qr"] = qr
    view["qr_expires_at"] = expires_at.isoformat() if expires_at else None
    return view


# The feed's `generated_at` lags `now` by this much: a revocation stamped at T may commit a little
# after T, and a verifier that polls `since=generated_at` must still see it (duplicates are harmless).
FEED_SAFETY_MARGIN = timedelta(seconds=60)


def revocations(session: Session, since: datetime, after: str | None, limit: int) -> dict:
    """Cards revoked or reported decreased at or after `since` (keyset-paged by (changed_at, cid)),
    leaving out cards past their valid_to: no QR of theirs can still verify offline."""
    changed = Card.status_changed_at
    position = changed >= since if after is None else ((changed > since) | ((changed == since) & (Card.id > after)))
    rows = session.execute(
        select(Card.id, Card.status, Card.status_reason, changed)
        .where(position, Card.status.in_((REVOKED, REPORTED_DECREASED)),
               Card.valid_to >= clock.today() - timedelta(days=1))
        .order_by(changed, Card.id)
        .limit(limit + 1)
    ).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    items = [{
        "cid": cid, "status": status, "reason": reason,
        "result_code": decided_code(status, reason),
        "changed_at": at.isoformat(),
    } for cid, status, reason, at in rows]
    return {
        "items": items,
        "has_more": has_more,
        "next": {"since": items[-1]["changed_at"], "after": items[-1]["cid"]} if has_more else None,
        "generated_at": (clock.now() - FEED_SAFETY_MARGIN).isoformat(),
    }
