"""The card as the app reads and writes it: typed rows, the one card view, the one new-card builder.

`CardValues` and `PersonValues` name the columns the hot paths read (the clinic check, the
gateway, GET /me/card); their fields ARE the column keys, and `CARD_COLS` / `PERSON_COLS` are
looked up from the tables by those names, so a field that is not a column fails at import. Rows
come back from db/statements.py as plain tuples and become NamedTuples with `_make` (no dict,
no ORM identity map: cheaper than the statement on the hot path).

Adding a field to the card: the column in models/insurance.py (+ its migration), the field here
(in `CardValues`, in `card_view`, and a default in `new_card_values`), its line in
api/cards/schemas.py. Every endpoint that shows a card uses `card_view`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, NamedTuple

from card_codes import EXPIRED, CardStatus
from models import Card, InsuredPerson
from services.birth_dates import of_record
from services.identifiers import BENEFIT_RATES

if TYPE_CHECKING:
    from sqlalchemy import Column


class CardValues(NamedTuple):
    id: str
    card_number: str
    person_id: int
    object_code: str
    benefit_level: int
    province_code: str
    area_code: str | None
    facility_code: str
    valid_from: date
    valid_to: date
    five_year_date: date | None
    issuing_agency: str
    status: str
    status_reason: str | None


class PersonValues(NamedTuple):
    id: int
    bhxh_code: str
    full_name: str
    date_of_birth: date
    gender: str
    address: str | None
    date_of_birth_precision: str


def _columns(table, row_type: type[tuple]) -> list[Column]:
    return [table.c[name] for name in row_type._fields]  # type: ignore[attr-defined]


CARD_COLS = _columns(Card.__table__, CardValues)
PERSON_COLS = _columns(InsuredPerson.__table__, PersonValues)
_N_CARD, _N_PERSON = len(CARD_COLS), len(PERSON_COLS)


@dataclass(frozen=True)
class CardRow:
    """A card with what its view needs: the holder and the primary-care facility's name."""

    card: CardValues | Card
    person: PersonValues | InsuredPerson
    facility_name: str | None


def card_row(r: tuple) -> CardRow:
    """A CardRow from a row that starts with CARD_COLS, PERSON_COLS and the facility's name."""
    return CardRow(CardValues._make(r[:_N_CARD]), PersonValues._make(r[_N_CARD:_N_CARD + _N_PERSON]),
                   r[_N_CARD + _N_PERSON])


_DECIDED = frozenset({CardStatus.REVOKED.value, CardStatus.REPORTED_DECREASED.value})
_ACTIVE = CardStatus.ACTIVE.value


def status_on(card: CardValues | Card, day: date) -> str:
    """An agency decision (revoked, báo giảm) wins over the dates; otherwise expired after valid_to."""
    if card.status in _DECIDED:
        return card.status
    return EXPIRED if card.valid_to < day else _ACTIVE


def card_view(row: CardRow, day: date) -> dict:
    """The card as every endpoint shows it: GET /me/card, the clinic answer, the gateway's fields."""
    card, person = row.card, row.person
    return {
        "card_number": card.card_number,
        "bhxh_code": person.bhxh_code,
        "full_name": person.full_name,
        "date_of_birth": of_record(person).iso(),  # in the precision held
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


def new_card_values(*, id: str, card_number: str, person_id: int, object_code: str, benefit_level: int,
                    province_code: str, facility_code: str, valid_from: date, valid_to: date,
                    issuing_agency: str, now: datetime, area_code: str | None = None,
                    five_year_date: date | None = None, status: str = CardStatus.ACTIVE,
                    status_reason: str | None = None, status_changed_at: datetime | None = None) -> dict:
    """Every column of a new `cards` row (enrollment, imports, the synthetic seed write these).

    A card that starts in a decided state (revoked, báo giảm) is stamped `status_changed_at`
    (`now` unless given), so offline verifiers polling the revocation feed see it."""
    status = CardStatus(status).value
    if status_changed_at is None and status != CardStatus.ACTIVE:
        status_changed_at = now
    return {
        "id": id, "card_number": card_number, "person_id": person_id, "object_code": object_code,
        "benefit_level": benefit_level, "province_code": province_code, "area_code": area_code,
        "facility_code": facility_code, "valid_from": valid_from, "valid_to": valid_to,
        "five_year_date": five_year_date, "issuing_agency": issuing_agency, "status": status,
        "status_reason": status_reason, "status_changed_at": status_changed_at, "created_at": now,
    }
