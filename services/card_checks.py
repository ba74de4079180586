"""The clinic card check (CONTRACT §5): one decision order for /clinic/card-checks and the gateway.

Each check costs two statements, each committed on its own (db/statements.py runs them straight
on psycopg on PostgreSQL): one SELECT of the card with its holder, its facility, the holder's
other cards, the staff member's registered name and the clinic client's `active` flag (unique
indexes only; a second SELECT for the staff member when no card is found), then the INSERT of
the CardCheck row, committed before the answer is sent. The CardCheck row IS the audit record of
the look-up (who: client, facility, staff; whose: person, card; what: result; when): a separate
audit_events row would double the writes on the hottest path and say nothing more. An
acknowledged check is a stored check.

The request shapes are parsed in services/card_check_input.py, the reads live in
services/card_check_reads.py, the codes and their messages in card_codes.py; the decision order
is here. Adding a result code: its line in card_codes.py, its case in `_decide` or
`_card_state_code` below.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

import clock
from card_codes import FUND_CODES, MESSAGES, ResultCode, decided_code
from models import CardCheck, Facility, new_id
from services import card_signing
from services.birth_dates import of_record
from services.card_check_input import (  # noqa: F401  (re-exported: the views and tests parse here)
    MAX_NAME,
    CheckInput,
    parse_clinic_body,
    parse_gateway_body,
    parse_gateway_date,
    parse_iso_date,
)
from services.card_check_reads import (
    StoredCheck,
    card_rows,
    require_active,
    same_person_cards,
    staff_only,
    store_check,
)
from services.card_rows import CardRow
from services.card_verifier import VALID
from services.identifiers import (
    BHXH_RE,
    CARD_SHAPE_RE,
    CCCD_RE,
    OBJECT_CODES,
    PROVINCES,
    normalize_identifier,
)
from services.names import initials, same_name

if TYPE_CHECKING:  # the hot path's statement runner (db/statements.py); services stay free of Flask
    from db.statements import Runner

R = ResultCode
_OK, _EXPIRED = ResultCode.OK, ResultCode.EXPIRED  # looked up once: every check reaches one of them


@dataclass
class CheckOutcome:
    check: StoredCheck  # the stored CardCheck's values (id, checked_at, ...)
    result_code: ResultCode
    row: CardRow | None = None  # the card the check is about, when found
    renewed: CardRow | None = None  # its replacement (003/004)

    @property
    def message(self) -> str:
        return MESSAGES[self.result_code]

    @property
    def usable(self) -> bool:
        return self.result_code.usable

    @property
    def identity_matched(self) -> bool:
        return self.result_code.identity_matched


def _identifier_type(identifier: str) -> str:
    if CCCD_RE.match(identifier):
        return "cccd"
    if BHXH_RE.match(identifier):
        return "bhxh_code"
    return "card_number" if CARD_SHAPE_RE.match(identifier) else "invalid"


def _shape_code(identifier: str) -> ResultCode | None:
    """051 / 052 / 053 for a card number that cannot exist (in the contract's order)."""
    if not CARD_SHAPE_RE.match(identifier) or identifier[:2] not in OBJECT_CODES:
        return R.BAD_CARD_NUMBER
    if identifier[3:5] not in PROVINCES:
        return R.BAD_PROVINCE
    if identifier[2] not in "12345":
        return R.BAD_BENEFIT_LEVEL
    return None


def _card_state_code(target: CardRow, current: CardRow | None, today: date) -> tuple[ResultCode, CardRow | None]:
    """After the identity matched: funds, revocation, báo giảm, replacement, expiry, valid."""
    card = target.card
    if card.object_code in FUND_CODES:
        return FUND_CODES[card.object_code], None
    decided = decided_code(card.status, card.status_reason)
    if decided is not None:
        return decided, None
    if current is not None and current.card.id != card.id:
        return (R.RENEWED_OLD_EXPIRED if card.valid_to < today else R.RENEWED_OLD_VALID), current
    if card.valid_to < today:  # status_on's rule, the decided states being answered above
        return _EXPIRED, None
    return _OK, None


def check(conn: Runner, *, client_id: str, facility_code: str, inp: CheckInput, keys_dir: str) -> CheckOutcome:
    """Decide, store the CardCheck and commit; the caller answers only after this returns."""
    code, row, renewed, id_type = _decide(conn, client_id, inp, keys_dir)
    stored = StoredCheck(
        id=new_id(), client_id=client_id, facility_code=facility_code,
        staff_cccd=inp.staff_cccd if inp.staff_cccd and CCCD_RE.match(inp.staff_cccd) else None,
        staff_name=inp.staff_name[:MAX_NAME] if inp.staff_name else None,
        identifier_type=id_type, person_id=row.person.id if row else None,
        card_id=row.card.id if row else None, result_code=code.value, checked_at=clock.now(),
    )
    store_check(conn, stored)
    return CheckOutcome(stored, code, row, renewed)


def _lookup(conn: Runner, inp: CheckInput, id_type: str, staff: tuple, keys_dir: str):
    """(target, current, (staff name, client active), shape code, holder name, date of birth)."""
    full_name, dob, identifier = inp.full_name, inp.date_of_birth, inp.identifier or ""
    target = current = shape = None
    if inp.qr is not None:
        verdict = card_signing.verifier(keys_dir).verify(inp.qr, clock.now().timestamp())
        claims = verdict.claims or {}
        dob = parse_iso_date(claims.get("dob"))
        if verdict.status == VALID and isinstance(claims.get("cid"), str) and dob is not None:
            full_name = str(claims.get("n", ""))
            target, current, desk = same_person_cards(conn, "qr", claims["cid"], staff)
        else:
            desk, shape = staff_only(conn, staff), R.BAD_CARD_NUMBER
    elif id_type in ("cccd", "bhxh_code"):
        rows, desk = card_rows(conn, id_type, identifier, staff)
        target = current = rows[0] if rows else None
    else:
        shape = _shape_code(identifier)
        if shape:
            desk = staff_only(conn, staff)
        else:
            target, current, desk = same_person_cards(conn, "card_number", identifier, staff)
    return target, current, desk, shape, full_name, dob


def _decide(conn: Runner, client_id: str, inp: CheckInput, keys_dir: str):
    """(code, card row or None, renewed row or None, identifier type)."""
    if inp.qr is not None:
        id_type = "qr"
    elif inp.identifier is not None:
        inp.identifier = normalize_identifier(inp.identifier)
        id_type = _identifier_type(inp.identifier)
    else:
        id_type = "invalid"
    staff = (client_id, inp.staff_cccd)
    if inp.invalid:
        require_active(staff_only(conn, staff))
        return R.BAD_FORMAT, None, None, id_type
    target, current, desk, shape, full_name, dob = _lookup(conn, inp, id_type, staff, keys_dir)
    staff_name = require_active(desk)

    # The contract's order: the staff member first, then the identifier's shape, then the card.
    if staff_name is None:
        return R.STAFF_UNKNOWN, None, None, id_type
    if not same_name(staff_name, inp.staff_name):
        return R.STAFF_NAME_MISMATCH, None, None, id_type
    if shape:
        return shape, None, None, id_type
    if target is None:
        return R.NO_CARD, None, None, id_type
    holder = target.person
    if not same_name(holder.full_name, full_name):
        code = R.WRONG_NAME_INITIALS if initials(holder.full_name) == initials(full_name) else R.WRONG_NAME
        return code, target, None, id_type
    if dob is None or not dob.matches(of_record(holder)):  # only the parts both sides know
        return R.WRONG_DOB, target, None, id_type
    code, renewed = _card_state_code(target, current, clock.today())
    return code, target, renewed, id_type


def history_stmt(person_id: int):
    """The checks of one person's cards, newest first (GET /me/card-checks)."""
    return (
        select(CardCheck.id, CardCheck.checked_at, CardCheck.facility_code, Facility.name, CardCheck.result_code)
        .outerjoin(Facility, Facility.code == CardCheck.facility_code)
        .where(CardCheck.person_id == person_id)
        .order_by(CardCheck.checked_at.desc(), CardCheck.id.desc())
    )


def recent_checks_of_card(session: Session, card_id: str, limit: int = 10) -> list[CardCheck]:
    return list(session.scalars(
        select(CardCheck).where(CardCheck.card_id == card_id)
        .order_by(CardCheck.checked_at.desc(), CardCheck.id.desc()).limit(limit)
    ))
