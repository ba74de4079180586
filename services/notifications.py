"""Citizen notifications (thông báo) and their push delivery (docs/notifications.md).

`notify(session, target, kind, data)` writes a notification in the caller's transaction (and, when
the account has a registered device, an outbox row that pushes it after the commit). Card checks
are not notified from the check itself (the clinic's hot path writes one row and nothing else):
`derive_card_checks` turns new card_checks rows into notifications from a periodic job, and
`expiry_notices` is the daily card-expiry job. Both can run twice without notifying twice
(`source_key` is unique per account).
"""
from __future__ import annotations

import hashlib
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, exists, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

import clock
import errors
from card_codes import ResultCode
from models import (
    Account,
    Card,
    CardCheck,
    Device,
    Facility,
    InsuredPerson,
    JobCursor,
    Notification,
    new_id,
)
from services import outbox

KINDS = ("card_checked", "link_decided", "card_expiring", "enrolled", "reported_decreased", "visit_recorded")
EXPIRY_NOTICE_DAYS = 30
CHECKS_OVERLAP = timedelta(seconds=10)  # a check's row commits a few ms after its checked_at
CHECKS_LAG = timedelta(seconds=1)
CHECKS_BATCH = 5000

Target = Account | InsuredPerson | int


def _account_id(session: Session, target: Target) -> int | None:
    if isinstance(target, Account):
        return target.id
    if isinstance(target, InsuredPerson):
        return target.account_id
    return int(target)


def notify(session: Session, target: Target, kind: str, data: dict[str, Any], *,
           source_key: str | None = None) -> str | None:
    """Tell an account (or the account linked to an insured person) something; the notification's id,
    or None when the person has no account. Part of the caller's transaction: commit it."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    account_id = _account_id(session, target)
    if account_id is None:
        return None
    return _write(session, [(account_id, data, source_key)], kind)[0]


def notify_persons(session: Session, kind: str, data_by_person: dict[int, dict[str, Any]]) -> int:
    """`notify` for many insured persons at once (a batch): one look-up of their accounts."""
    if not data_by_person:
        return 0
    found: list[tuple[int, dict, str | None]] = []
    ids = sorted(data_by_person)
    for start in range(0, len(ids), 1000):
        for pid, account_id in session.execute(
                select(InsuredPerson.id, InsuredPerson.account_id)
                .where(InsuredPerson.id.in_(ids[start:start + 1000]), InsuredPerson.account_id.is_not(None))):
            if account_id is not None:
                found.append((account_id, data_by_person[pid], None))
    _write(session, found, kind)
    return len(found)


def _write(session: Session, items: list[tuple[int, dict, str | None]], kind: str) -> list[str]:
    now = clock.now()
    rows: list[dict[str, Any]] = [{"id": new_id(), "account_id": a, "kind": kind, "data": d, "source_key": k, "created_at": now}
            for a, d, k in items]
    if rows:
        session.execute(insert(Notification), rows)
        _push_later(session, rows)
    return [r["id"] for r in rows]


def _push_later(session: Session, rows: list[dict]) -> None:
    """One outbox row per notification whose account has a device; the worker renders it."""
    accounts = {r["account_id"] for r in rows}
    with_devices = set(session.scalars(select(Device.account_id).where(Device.account_id.in_(accounts)).distinct()))
    for r in rows:
        if r["account_id"] in with_devices:
            outbox.add(session, "push", str(r["account_id"]), r["id"])


def _insert_new(session: Session, rows: list[dict]) -> list[dict]:
    """Insert the rows whose (account, source_key) is new; the ones inserted."""
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (dialect_insert(Notification).values(rows)
            .on_conflict_do_nothing(index_elements=["account_id", "source_key"])
            .returning(Notification.id))
    inserted = set(session.scalars(stmt))
    return [r for r in rows if r["id"] in inserted]


# --- rendering -----------------------------------------------------------------------------------

def render(kind: str, data: dict[str, Any]) -> tuple[str, str]:
    """(title, body) in Vietnamese, the app's language."""
    if kind == "card_checked":
        return ("Thẻ BHYT của bạn vừa được tra cứu",
                f"{data.get('facility_name') or data.get('facility_code')} đã tra cứu thẻ: {data.get('result_message')}.")
    if kind == "link_decided":
        if data.get("status") == "linked":
            return "Liên kết CCCD đã được duyệt", "Số CCCD của bạn đã được liên kết với mã BHXH."
        return "Liên kết CCCD bị từ chối", f"Lý do: {data.get('reason')}"
    if kind == "card_expiring":
        return "Thẻ BHYT sắp hết hạn", f"Thẻ {data.get('card_number')} hết hạn ngày {data.get('valid_to')}."
    if kind == "enrolled":
        return "Bạn đã được báo tăng BHYT", f"Đơn vị {data.get('unit_code')} đã đăng ký tham gia BHYT cho bạn."
    if kind == "reported_decreased":
        return "Thẻ BHYT đã được báo giảm", f"Đơn vị {data.get('unit_code')} đã báo giảm ({data.get('reason')})."
    return "Lượt khám chữa bệnh đã được ghi nhận", f"Tại {data.get('facility_name') or data.get('facility_code')}."


def item(n: Notification) -> dict:
    title, body = render(n.kind, n.data)
    return {"id": n.id, "kind": n.kind, "title": title, "body": body, "data": n.data,
            "created_at": n.created_at, "read": n.read_at is not None, "read_at": n.read_at}


def list_query(account_id: int):
    return (select(Notification).where(Notification.account_id == account_id)
            .order_by(Notification.read_at.is_not(None), Notification.created_at.desc(), Notification.id))


def mark_read(session: Session, account_id: int, notification_id: str) -> None:
    n = session.get(Notification, notification_id) if len(notification_id) <= 32 else None
    if n is None or n.account_id != account_id:  # someone else's is as absent as a made-up id
        raise errors.NotFound("No such notification.", code="notification_not_found")
    if n.read_at is None:
        n.read_at = clock.now()
    session.commit()


def register_device(session: Session, account_id: int, platform: str, token: str) -> Device:
    """One row per token: a token seen again (re-install, another account on the phone) moves here."""
    now = clock.now()
    digest = hashlib.sha256(token.encode("utf-8")).hexdigest()
    device = session.scalars(select(Device).where(Device.token_hash == digest)).first()
    if device is None:
        device = Device(id=new_id(), account_id=account_id, platform=platform, token=token, token_hash=digest,
                        created_at=now, last_seen_at=now)
        session.add(device)
    else:
        device.account_id, device.platform, device.last_seen_at = account_id, platform, now
    session.commit()
    return device


# --- the periodic jobs ---------------------------------------------------------------------------

def derive_card_checks(session: Session) -> int:
    """Notifications for card checks since the last run (of linked holders whose identity matched)."""
    now = clock.now()
    cursor = session.get(JobCursor, "card_checks")
    since = (cursor.position if cursor else now - timedelta(hours=1)) - CHECKS_OVERLAP
    until = now - CHECKS_LAG
    rows = session.execute(
        select(CardCheck.id, CardCheck.facility_code, CardCheck.result_code, CardCheck.checked_at,
               InsuredPerson.account_id, Facility.name)
        .join(InsuredPerson, InsuredPerson.id == CardCheck.person_id)
        .outerjoin(Facility, Facility.code == CardCheck.facility_code)
        .where(CardCheck.checked_at > since, CardCheck.checked_at <= until, InsuredPerson.account_id.is_not(None))
        .order_by(CardCheck.checked_at).limit(CHECKS_BATCH)).all()
    new = _insert_new(session, [{
        "id": new_id(), "account_id": r.account_id, "kind": "card_checked", "source_key": f"check:{r.id}",
        "created_at": now, "data": {"check_id": r.id, "facility_code": r.facility_code, "facility_name": r.name,
                                    "result_code": r.result_code, "result_message": _message(r.result_code),
                                    "checked_at": r.checked_at.isoformat()}} for r in rows])
    _push_later(session, new)
    position = rows[-1].checked_at if len(rows) == CHECKS_BATCH else until
    if cursor is None:
        session.add(JobCursor(name="card_checks", position=position))
    else:
        cursor.position = max(cursor.position, position)
    session.commit()
    return len(new)


def _message(code: str) -> str:
    try:
        return ResultCode(code).message
    except ValueError:
        return code


def expiry_notices(session: Session, today: date | None = None) -> int:
    """Tell holders whose current card ends within 30 days (once per card and end date)."""
    today = today or clock.today()
    newer = aliased(Card)
    rows = session.execute(
        select(Card.id, Card.card_number, Card.valid_to, InsuredPerson.account_id)
        .join(InsuredPerson, InsuredPerson.id == Card.person_id)
        .where(Card.status == "active", Card.valid_to >= today,
               Card.valid_to <= today + timedelta(days=EXPIRY_NOTICE_DAYS), InsuredPerson.account_id.is_not(None),
               ~exists().where(and_(newer.person_id == Card.person_id, newer.valid_to > Card.valid_to)))).all()
    now = clock.now()
    new = _insert_new(session, [{
        "id": new_id(), "account_id": r.account_id, "kind": "card_expiring", "created_at": now,
        "source_key": f"expiry:{r.id}:{r.valid_to.isoformat()}",
        "data": {"card_number": r.card_number, "valid_to": r.valid_to.isoformat()}} for r in rows])
    _push_later(session, new)
    session.commit()
    return len(new)


# --- push delivery (runs in the queue worker) ----------------------------------------------------

def deliver_push(session: Session, sender: Any, account_id: str, notification_id: str, key: str) -> int:
    """Push one notification to every device of its account; how many devices took it."""
    from integrations.push import PushTokenInvalid

    n = session.get(Notification, notification_id)
    if n is None:  # the account was deleted meanwhile
        return 0
    title, body = render(n.kind, n.data)
    data = {"notification_id": n.id, "kind": n.kind}
    sent = 0
    for device in session.scalars(select(Device).where(Device.account_id == int(account_id))).all():
        try:
            sender.send(device.token, title, body, data, key)
            sent += 1
        except PushTokenInvalid:
            session.delete(device)
    session.commit()
    return sent
