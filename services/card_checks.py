"""The clinic card check (CONTRACT §5): one decision order for /clinic/card-checks and the gateway.

Each check costs two statements, each committed on its own (db/statements.py runs them straight
on psycopg on PostgreSQL): one SELECT of the card with its holder, its facility, the holder's
other cards, the staff member's registered name and the clinic client's `active` flag (unique
indexes only; a second SELECT for the staff member when no card is found), then the INSERT of
the CardCheck row, committed before the answer is sent. The CardCheck row IS the audit record of
the look-up (who: client, facility, staff; whose: person, card; what: result; when): a separate
audit_events row would double the writes on the hottest path and say nothing more. An
acknowledged check is a stored check.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import SimpleNamespace
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session

import clock
from api.errors import ApiError
from models import ApiClient, Card, CardCheck, ClinicStaff, Facility, InsuredPerson, new_id
from card_codes import ResultCode
from services import card_signing, child_checks
from services.card_verifier import VALID
from services.cards import CARD_COLS, PERSON_COLS, CardRow, card_row, status_on
from services.identifiers import BHXH_RE, CCCD_RE, OBJECT_CODES, PROVINCES, check_cccd, normalize_identifier
from services.names import initials, same_name

if TYPE_CHECKING:  # the hot path's statement runner (db/statements.py); services stay free of Flask
    from db.statements import Runner

# Verbatim from the official Annex 03 §4 (reference/domain.md §3.4).
MESSAGES = {
    "000": "Thông tin thẻ BHYT chính xác",
    "001": "Thẻ do BHXH Bộ Quốc phòng quản lý, đề nghị kiểm tra thẻ và giấy tờ tùy thân",
    "002": "Thẻ do BHXH Bộ Công an quản lý, đề nghị kiểm tra thẻ và giấy tờ tùy thân",
    "003": "Thẻ cũ hết giá trị sử dụng, được cấp thẻ mới",
    "004": "Thẻ cũ còn giá trị sử dụng, được cấp thẻ mới",
    "010": "Thẻ hết giá trị sử dụng",
    "050": "Không có thông tin thẻ BHYT",
    "051": "Mã thẻ BHYT không đúng",
    "052": "Mã tỉnh cấp thẻ (ký tự thứ 4,5) không đúng",
    "053": "Mã quyền lợi (ký tự thứ 3) không đúng",
    "054": "Số CCCD của cán bộ tra cứu không tồn tại trong danh sách người sử dụng do CSKCB đăng ký",
    "055": "Họ và tên của cán bộ tra cứu không khớp với số CCCD",
    "060": "Thẻ sai họ tên",
    "061": "Thẻ sai họ tên (đúng ký tự đầu)",
    "070": "Thẻ sai ngày sinh",
    "110": "Thẻ đã thu hồi",
    "120": "Thẻ đã báo giảm",
    "121": "Báo giảm chuyển ngoại tỉnh",
    "122": "Báo giảm chuyển nội tỉnh",
    "123": "Báo giảm do tăng lại cùng đơn vị",
    "124": "Báo giảm ngừng tham gia",
    "130": ResultCode.CHILD_WITHOUT_CARD.message,
    "205": "Lỗi sai định dạng tham số",
}
USABLE = frozenset({"000", "001", "002", "003", "004"})
# The holder's identity matched: only then does the answer carry the card.
IDENTITY_MATCHED = USABLE | {"010", "110", "120", "121", "122", "123", "124"}
DECREASE_CODES = {"transfer_out_of_province": "121", "transfer_in_province": "122",
                  "reenrolled_same_unit": "123", "stopped": "124"}
FUND_CODES = {"QN": "001", "CY": "001", "CA": "002"}
MAX_NAME = 200
_CARD_SHAPE = re.compile(r"^[A-Z]{2}\d{13}$")
_DMY = re.compile(r"^(\d{2})/?(\d{2})/?(\d{4})$")


@dataclass
class CheckInput:
    """A request reduced to plain values; `invalid` names the fields that make it a 205."""

    identifier: str | None = None
    full_name: str | None = None
    date_of_birth: date | None = None
    staff_cccd: str | None = None
    staff_name: str | None = None
    qr: str | None = None
    invalid: list[str] = field(default_factory=list)


@dataclass
class CheckOutcome:
    check: Any  # the stored CardCheck's values (id, checked_at, ...)
    result_code: str
    row: CardRow | None = None  # the card the check is about, when found
    renewed: CardRow | None = None  # its replacement (003/004)

    @property
    def message(self) -> str:
        return MESSAGES[self.result_code]

    @property
    def usable(self) -> bool:
        return self.result_code in USABLE

    @property
    def identity_matched(self) -> bool:
        return self.result_code in IDENTITY_MATCHED


# ---- parsing (the two request shapes) --------------------------------------------------------

def _text(body: dict, name: str, invalid: list[str], max_len: int = MAX_NAME) -> str | None:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip() or len(value) > max_len:
        invalid.append(name)
        return None
    return value.strip()


def _staff_cccd(body: dict, name: str, invalid: list[str]) -> str | None:
    value = _text(body, name, invalid, 32)
    if value is not None and check_cccd(value):
        invalid.append(name)
        return None
    return value


def parse_iso_date(value: Any) -> date | None:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def parse_gateway_date(value: Any) -> date | None:
    """`dd/mm/yyyy` or `ddmmyyyy` (the gateway's spec and its own example disagree; take both)."""
    found = _DMY.fullmatch(value.strip()) if isinstance(value, str) else None
    if not found:
        return None
    try:
        return date(int(found.group(3)), int(found.group(2)), int(found.group(1)))
    except ValueError:
        return None


def parse_clinic_body(body: Any) -> CheckInput:
    """`{identifier, full_name, date_of_birth, staff_cccd, staff_name}` or `{qr, staff_cccd, staff_name}`.
    Anything else (not an object, both or neither shape, unknown fields) is a 205."""
    if not isinstance(body, dict):
        return CheckInput(invalid=["_body"])
    inp = CheckInput()
    inp.staff_cccd = _staff_cccd(body, "staff_cccd", inp.invalid)
    inp.staff_name = _text(body, "staff_name", inp.invalid)
    if "qr" in body:
        allowed = {"qr", "staff_cccd", "staff_name"}
        inp.qr = _text(body, "qr", inp.invalid, 4096)
    else:
        allowed = {"identifier", "full_name", "date_of_birth", "staff_cccd", "staff_name"}
        inp.identifier = _text(body, "identifier", inp.invalid, 64)
        inp.full_name = _text(body, "full_name", inp.invalid)
        inp.date_of_birth = parse_iso_date(body.get("date_of_birth"))
        if inp.date_of_birth is None:
            inp.invalid.append("date_of_birth")
    inp.invalid.extend(sorted(set(body) - allowed))
    return inp


def parse_gateway_body(body: Any) -> CheckInput:
    """The gateway's `{maThe, hoTen, ngaySinh, hoTenCb, cccdCb}`; extra fields are ignored (HIS
    systems send their own)."""
    if not isinstance(body, dict):
        return CheckInput(invalid=["_body"])
    inp = CheckInput()
    inp.staff_cccd = _staff_cccd(body, "cccdCb", inp.invalid)
    inp.staff_name = _text(body, "hoTenCb", inp.invalid)
    inp.identifier = _text(body, "maThe", inp.invalid, 64)
    inp.full_name = _text(body, "hoTen", inp.invalid)
    inp.date_of_birth = parse_gateway_date(body.get("ngaySinh"))
    if inp.date_of_birth is None:
        inp.invalid.append("ngaySinh")
    return inp


# ---- look-ups --------------------------------------------------------------------------------
# Core statements, run by the hot path's runner (db/statements.py), rows turned into plain
# attribute objects: the ORM's identity map and unit of work cost more than the statements
# themselves on this path.
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
_CHECK_INSERT = insert(CardCheck.__table__).values({c.key: bindparam(c.key) for c in CardCheck.__table__.c})


def _rows(conn: Runner, kind: str, value: str, staff: tuple[str, str]) -> tuple[list[CardRow], tuple]:
    """The cards found for `kind`/`value` (newest valid_from first) with holder and facility name,
    and (the staff member's registered name, whether the client is active) from the same
    statement: one round trip for the whole check when the card exists."""
    params = {"value": value, "client_id": staff[0], "staff_cccd": staff[1]}
    rows, desk = [], None
    for r in conn.rows(_BY[kind], params):
        rows.append(card_row(r))
        desk = r[-2:]
    if not rows:
        desk = _staff_only(conn, staff)
    return rows, desk


def _same_person_cards(conn: Runner, kind: str, value: str, staff) -> tuple[CardRow | None, CardRow | None, Any]:
    """(the card asked for, the holder's current card, (staff name, client active)), from all the
    holder's cards."""
    rows, desk = _rows(conn, kind, value, staff)
    attr = "id" if kind == "qr" else kind
    target = next((r for r in rows if getattr(r.card, attr) == value), None)
    return target, (rows[0] if rows else None), desk


def _staff_only(conn: Runner, staff: tuple[str, str | None]) -> tuple[str | None, bool | None]:
    """(the staff member's registered name, whether the clinic client is active)."""
    return tuple(conn.rows(_STAFF_ONLY, {"client_id": staff[0], "staff_cccd": staff[1]})[0])


def _require_active(desk: tuple[str | None, bool | None]) -> str | None:
    """The staff member's name, once the clinic client is known to be active (nothing is stored
    for a deactivated client's request)."""
    staff_name, active = desk
    if not active:
        raise ApiError(401, "unauthorized", "This clinic client is not active.",
                       headers={"WWW-Authenticate": "Bearer"})
    return staff_name


def _identifier_type(identifier: str) -> str:
    if CCCD_RE.match(identifier):
        return "cccd"
    if BHXH_RE.match(identifier):
        return "bhxh_code"
    return "card_number" if _CARD_SHAPE.match(identifier) else "invalid"


def _shape_code(identifier: str) -> str | None:
    """051 / 052 / 053 for a card number that cannot exist (in the contract's order)."""
    if not _CARD_SHAPE.match(identifier) or identifier[:2] not in OBJECT_CODES:
        return "051"
    if identifier[3:5] not in PROVINCES:
        return "052"
    if identifier[2] not in "12345":
        return "053"
    return None


# ---- the decision ----------------------------------------------------------------------------

def _card_state_code(target: CardRow, current: CardRow | None, today: date) -> tuple[str, CardRow | None]:
    """After the identity matched: funds, revocation, báo giảm, replacement, expiry, valid."""
    card = target.card
    if card.object_code in FUND_CODES:
        return FUND_CODES[card.object_code], None
    if card.status == "revoked":
        return "110", None
    if card.status == "reported_decreased":
        return DECREASE_CODES.get(card.status_reason or "", "120"), None
    if current is not None and current.card.id != card.id:
        return ("003" if card.valid_to < today else "004"), current
    if status_on(card, today) == "expired":
        return "010", None
    return "000", None


def check(conn: Runner, *, client_id: str, facility_code: str, inp: CheckInput, keys_dir: str) -> CheckOutcome:
    """Decide, store the CardCheck and commit; the caller answers only after this returns."""
    code, row, renewed, id_type = _decide(conn, client_id, inp, keys_dir)
    values = dict(
        id=new_id(), client_id=client_id, facility_code=facility_code,
        staff_cccd=inp.staff_cccd if inp.staff_cccd and CCCD_RE.match(inp.staff_cccd) else None,
        staff_name=inp.staff_name[:MAX_NAME] if inp.staff_name else None,
        identifier_type=id_type, person_id=row.person.id if row else None,
        card_id=row.card.id if row else None, result_code=code, checked_at=clock.now(),
    )
    conn.execute(_CHECK_INSERT, values)  # committed when it returns (db/statements.py)
    return CheckOutcome(SimpleNamespace(**values), code, row, renewed)


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
        _require_active(_staff_only(conn, staff))
        return "205", None, None, id_type

    full_name, dob = inp.full_name, inp.date_of_birth
    target = current = shape = None
    if inp.qr is not None:
        verdict = card_signing.verifier(keys_dir).verify(inp.qr, clock.now().timestamp())
        claims = verdict.claims or {}
        dob = parse_iso_date(claims.get("dob"))
        if verdict.status == VALID and isinstance(claims.get("cid"), str) and dob is not None:
            full_name = str(claims.get("n", ""))
            target, current, desk = _same_person_cards(conn, "qr", claims["cid"], staff)
        else:
            desk, shape = _staff_only(conn, staff), "051"
    elif id_type in ("cccd", "bhxh_code"):
        rows, desk = _rows(conn, id_type, inp.identifier, staff)
        target = current = rows[0] if rows else None
    else:
        shape = _shape_code(inp.identifier)
        if shape:
            desk = _staff_only(conn, staff)
        else:
            target, current, desk = _same_person_cards(conn, "card_number", inp.identifier, staff)
    staff_name = _require_active(desk)

    # The contract's order: the staff member first, then the identifier's shape, then the card.
    if staff_name is None:
        return "054", None, None, id_type
    if not same_name(staff_name, inp.staff_name):
        return "055", None, None, id_type
    if shape:
        return shape, None, None, id_type
    if target is None:  # 050, or 130 for a child under 6 without a card yet (services/child_checks.py)
        code = child_checks.code_without_card(conn, id_type, inp.identifier, full_name, dob, clock.today())
        return code, None, None, id_type
    holder = target.person
    if not same_name(holder.full_name, full_name):
        return ("061" if initials(holder.full_name) == initials(full_name) else "060"), target, None, id_type
    if holder.date_of_birth != dob:
        return "070", target, None, id_type
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
