"""The current card, its status on a day, its view (CONTRACT §4), and the signed QR payload."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING

from types import SimpleNamespace

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

import clock
from api.errors import ApiError
from models import Card, Facility, InsuredPerson
from services import card_signing, copay
from services.identifiers import BENEFIT_RATES

if TYPE_CHECKING:  # how hot-path statements are run (db/statements.py); services stay free of Flask
    from db.statements import Runner

VN_TZ = timezone(timedelta(hours=7))
ACTIVE, EXPIRED, REVOKED, REPORTED_DECREASED = "active", "expired", "revoked", "reported_decreased"


@dataclass(frozen=True)
class CardRow:
    """A card with what its view needs: the holder and the primary-care facility's name."""

    card: Card
    person: InsuredPerson
    facility_name: str | None
    copay: tuple | None = None  # (year, paid, over_ceiling_on) of the holder's latest copay year


# Hot-path reads (the clinic check, GET /me/card) select only what a card view, a QR and a check
# decision read, and turn rows into plain attribute objects: every column costs a description
# object per row, and the ORM's identity map more than the statement.
_CARD_T, _PERSON_T, _FACILITY_T = Card.__table__, InsuredPerson.__table__, Facility.__table__
CARD_COLS = [_CARD_T.c[n] for n in (
    "id", "card_number", "person_id", "object_code", "benefit_level", "province_code", "area_code",
    "facility_code", "valid_from", "valid_to", "five_year_date", "issuing_agency", "status", "status_reason")]
PERSON_COLS = [_PERSON_T.c[n] for n in ("id", "bhxh_code", "full_name", "date_of_birth", "gender", "address")]
_CARD_KEYS, _PERSON_KEYS = [c.key for c in CARD_COLS], [c.key for c in PERSON_COLS]
_N_CARD, _N_PERSON = len(CARD_COLS), len(PERSON_COLS)
# The co-payment year rides in the same statement (services/copay.py): no extra round trip.
COPAY_COLS = copay.columns(_PERSON_T.c.id)


def card_row(r: tuple) -> CardRow:
    """A CardRow from a row that starts with CARD_COLS, PERSON_COLS, the facility's name and
    COPAY_COLS."""
    card = SimpleNamespace(**dict(zip(_CARD_KEYS, r[:_N_CARD])))
    person = SimpleNamespace(**dict(zip(_PERSON_KEYS, r[_N_CARD:_N_CARD + _N_PERSON])))
    at = _N_CARD + _N_PERSON + 1
    return CardRow(card, person, r[at - 1], tuple(r[at:at + len(COPAY_COLS)]))


def status_on(card: Card, day: date) -> str:
    """An agency decision (revoked, báo giảm) wins over the dates; otherwise expired after valid_to."""
    if card.status in (REVOKED, REPORTED_DECREASED):
        return card.status
    return EXPIRED if card.valid_to < day else ACTIVE


NOT_LINKED = "This account is not linked to an insurance record yet."
NO_CARD = "No health-insurance card has been issued for this record."


def person_of_account(session: Session, account_id: int) -> InsuredPerson:
    found = session.scalar(select(InsuredPerson).where(InsuredPerson.account_id == account_id))
    if found is None:
        raise ApiError(404, "not_linked", NOT_LINKED)
    return found


def card_view(row: CardRow, day: date) -> dict:
    """The card as shown to its holder, and to a clinic once the holder's identity matched."""
    card, person = row.card, row.person
    return {
        "card_number": card.card_number,
        "bhxh_code": person.bhxh_code,
        "full_name": person.full_name,
        "date_of_birth": person.date_of_birth.isoformat(),
        "gender": person.gender,
        "object_code": card.object_code,
        "benefit_level": card.benefit_level,
        "benefit_rate": BENEFIT_RATES.get(card.benefit_level),
        "province_code": card.province_code,
        "area_code": card.area_code,
        "primary_care_facility": {"code": card.facility_code, "name": row.facility_name},
        "valid_from": card.valid_from.isoformat(),
        "valid_to": card.valid_to.isoformat(),
        "five_year_date": card.five_year_date.isoformat() if card.five_year_date else None,
        "issuing_agency": card.issuing_agency,
        "status": status_on(card, day),
    }


def end_of_validity(valid_to: date) -> datetime:
    """The instant the card stops being valid: midnight after valid_to, Vietnam time."""
    return datetime.combine(valid_to + timedelta(days=1), time(0), tzinfo=VN_TZ)


def qr_claims(row: CardRow, now: datetime) -> dict:
    card, person = row.card, row.person
    exp = min(now + card_signing.MAX_QR_LIFETIME, end_of_validity(card.valid_to))
    return {
        "cid": card.id, "cn": card.card_number, "n": person.full_name,
        "dob": person.date_of_birth.isoformat(), "g": person.gender, "f": card.facility_code,
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
_MY_CARD = (select(*CARD_COLS, *PERSON_COLS, _FACILITY_T.c.name, *COPAY_COLS)
            .select_from(_PERSON_T.outerjoin(_CARD_T, _CARD_T.c.id == _CURRENT_CARD_ID)
                         .outerjoin(_FACILITY_T, _FACILITY_T.c.code == _CARD_T.c.facility_code))
            .where(_PERSON_T.c.account_id == bindparam("account_id")))


def my_card(runner: Runner, account_id: int, keys_dir: str) -> dict:
    """GET /me/card: 404 not_linked / no_card, else the view with the QR and its expiry."""
    found = runner.rows(_MY_CARD, {"account_id": account_id})
    if not found:
        raise ApiError(404, "not_linked", NOT_LINKED)
    if found[0][0] is None:
        raise ApiError(404, "no_card", NO_CARD)
    row = card_row(found[0])
    view = card_view(row, clock.today())
    qr, expires_at = signed_qr(row, keys_dir)
    view["qr"] = qr
    view["qr_expires_at"] = expires_at.isoformat() if expires_at else None
    view["co_payment"] = copay.view(row.copay, row.card.five_year_date)
    return view


# The feed's `generated_at` lags `now` by this much: a revocation stamped at T may commit a little
# after T, and a verifier that polls `since=generated_at` must still see it (duplicates are harmless).
FEED_SAFETY_MARGIN = timedelta(seconds=60)
FEED_CODES = {"transfer_out_of_province": "121", "transfer_in_province": "122",
              "reenrolled_same_unit": "123", "stopped": "124"}


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
        "result_code": "110" if status == REVOKED else FEED_CODES.get(reason or "", "120"),
        "changed_at": at.isoformat(),
    } for cid, status, reason, at in rows]
    return {
        "items": items,
        "has_more": has_more,
        "next": {"since": items[-1]["changed_at"], "after": items[-1]["cid"]} if has_more else None,
        "generated_at": (clock.now() - FEED_SAFETY_MARGIN).isoformat(),
    }
