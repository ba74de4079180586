"""Linking a citizen's account and CCCD to their insurance record (CONTRACT §3, rules 2-7).

The view has already checked the body (rule 1); `count_attempt` is rule 8. Here:
registry (2), record (3), conflicts (4), then linked (5) or pending review (6). The registry is
asked before anything is written, so a registry outage (7) leaves the database untouched.

Race safety: the insured person's row is read FOR UPDATE, so concurrent attempts on one record
queue up and each sees the previous one's result; the unique constraints on
`insured_persons.cccd` and `.account_id` are the last line (IntegrityError -> already_linked).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import clock
from errors import AlreadyLinked, AppError, Invalid, NotFound, RateLimited
from models import Consent, InsuredPerson, LinkRequest
from policy import LINK_ATTEMPTS_PER_HOUR, LINK_LIMIT_DETAIL
from privacy import mask_tail
from services import audit
from services.birth_dates import BirthDate, coerce, of_record, stored_columns
from services.names import same_name
from services.people import person_of

CONSENT_PURPOSE = "cccd_link"
CONSENT_TEXT_VERSION = "cccd-link-2025-01"
CONSENT_TEXT = (
    "Tôi đồng ý để BHXH Việt Nam dùng số định danh cá nhân/CCCD, họ tên, ngày sinh và giới tính của "
    "tôi để đối chiếu với Cơ sở dữ liệu quốc gia về dân cư và gắn vào hồ sơ BHXH, BHYT của tôi. "
    "(I consent to BHXH Vietnam using my CCCD, name, date of birth and gender to check them against "
    "the national population database and to attach them to my insurance record.)"
)


class ConsentRequired(Invalid):
    """Rule 1: no link without consent to the registry check (with every other field error)."""

    code = "consent_required"
    detail = "Consent to the CCCD check and link is required."


class RegistryMismatch(Invalid):
    code = "registry_mismatch"
    detail = "The population registry does not confirm these details."


class RecordNotFound(NotFound):
    code = "insurance_record_not_found"
    detail = "No insurance record matches."


def count_attempt(throttle: Any, account_id: int) -> None:
    """Rule 8: at most LINK_ATTEMPTS_PER_HOUR attempts per account and hour (429), counted before
    anything is asked; a throttle store that is away raises ThrottleUnavailable (503, fail closed)."""
    verdict = throttle.hit(f"link:{account_id}", LINK_ATTEMPTS_PER_HOUR, 3600)
    if not verdict.allowed:
        raise RateLimited(LINK_LIMIT_DETAIL, retry_after=verdict.retry_after)


@dataclass(frozen=True)
class LinkInput:
    cccd: str
    full_name: str
    date_of_birth: BirthDate
    gender: str
    bhxh_code: str | None = None


def _lock_person(session: Session, *where) -> InsuredPerson | None:
    stmt = select(InsuredPerson).where(*where).with_for_update().execution_options(populate_existing=True)
    return session.scalars(stmt).first()


def _same_identity(person: InsuredPerson, name: str, dob: BirthDate | date, gender: str) -> bool:
    """The record agrees with the registry; a birth date only on the parts both know."""
    return same_name(person.full_name, name) and of_record(person).matches(coerce(dob)) and person.gender == gender


def link_conflict(session: Session, person: InsuredPerson, cccd: str, account_id: int) -> str | None:
    """Why this account may not take this record with this CCCD (rule 4), or None."""
    if person.cccd is not None and person.cccd != cccd:
        return "the insurance record carries another CCCD"
    if person.account_id is not None and person.account_id != account_id:
        return "the insurance record is linked to another account"
    other = session.scalar(select(InsuredPerson.id).where(InsuredPerson.cccd == cccd, InsuredPerson.id != person.id))
    if other is not None:
        return "the CCCD is on another insurance record"
    mine = session.scalar(select(InsuredPerson.id).where(InsuredPerson.account_id == account_id,
                                                         InsuredPerson.id != person.id))
    if mine is not None:
        return "this account is linked to another insurance record"
    return None


def _consent(session: Session, account_id: int) -> Consent:
    consent = Consent(account_id=account_id, purpose=CONSENT_PURPOSE, text_version=CONSENT_TEXT_VERSION,
                      given_at=clock.now())
    session.add(consent)
    session.flush()
    return consent


def _refuse(session: Session, actor: tuple[str, str | None], account_id: int, data: LinkInput,
            error: AppError, person_id: int | None = None) -> AppError:
    """Record the refusal (consent used for the registry check + audit) and hand back the error."""
    _consent(session, account_id)
    audit.record(session, actor, "link.refused", ("account", account_id),
                 {"outcome": error.code, "cccd": mask_tail(data.cccd), "bhxh_code": mask_tail(data.bhxh_code),
                  "person_id": person_id})
    session.commit()
    return error


def link(session: Session, registry: Any, account_id: int, data: LinkInput,
         actor: tuple[str, str | None]) -> dict:
    """Rules 2-6. Returns the answer body; raises a refusal (errors.AppError, audited) or
    RegistryUnavailable (nothing written)."""
    request_id = uuid.uuid4().hex
    # Rule 2 (and 7: RegistryUnavailable propagates before any write).
    if not registry.verify(session, data.cccd, data.full_name, data.date_of_birth, data.gender,
                           consent=True, request_id=request_id):
        raise _refuse(session, actor, account_id, data, RegistryMismatch())
    # The registry's own spelling where it tells us (local); else what it just confirmed.
    official = registry.lookup(session, data.cccd) or (data.full_name, data.date_of_birth, data.gender)
    reg_name, reg_dob, reg_gender = official

    try:
        # Rule 3: by BHXH code, else the record that already carries the CCCD.
        if data.bhxh_code:
            person = _lock_person(session, InsuredPerson.bhxh_code == data.bhxh_code)
        else:
            person = _lock_person(session, InsuredPerson.cccd == data.cccd)
        if person is None:
            raise _refuse(session, actor, account_id, data, RecordNotFound())
        # Rule 4.
        why = link_conflict(session, person, data.cccd, account_id)
        if why is not None:
            raise _refuse(session, actor, account_id, data, AlreadyLinked(), person.id)
        if person.account_id == account_id and person.cccd == data.cccd:
            session.rollback()
            return _linked_body(person)  # a repeat of a done link: same answer, nothing new

        if _same_identity(person, reg_name, reg_dob, reg_gender):
            return _link_now(session, actor, account_id, person, data, official)
        return _open_review(session, actor, account_id, person, data, official)
    except IntegrityError:
        session.rollback()
        raise _refuse(session, actor, account_id, data, AlreadyLinked()) from None


def _linked_body(person: InsuredPerson) -> dict:
    return {"status": "linked", "bhxh_code": person.bhxh_code, "cccd": person.cccd, "linked_at": person.linked_at}


def _link_now(session: Session, actor, account_id: int, person: InsuredPerson, data: LinkInput, official) -> dict:
    """Rule 5: the record now carries the CCCD and belongs to this account."""
    now = clock.now()
    consent = _consent(session, account_id)
    person.cccd = data.cccd
    person.account_id = account_id
    person.linked_at = now
    person.updated_at = now
    req = LinkRequest(account_id=account_id, person_id=person.id, consent_id=consent.id, cccd=data.cccd,
                      registry_full_name=official[0], **stored_columns(official[1], "registry_"),
                      registry_gender=official[2], status="linked", created_at=now, decided_at=now)
    session.add(req)
    session.flush()
    audit.record(session, actor, "link.linked", ("insured_person", person.id),
                 {"cccd": mask_tail(data.cccd), "bhxh_code": mask_tail(person.bhxh_code),
                  "link_request_id": req.id, "account_id": account_id})
    session.commit()
    return _linked_body(person)


def _open_review(session: Session, actor, account_id: int, person: InsuredPerson, data: LinkInput,
                 official) -> dict:
    """Rule 6: the registry knows the person, the record disagrees; an officer decides."""
    existing = session.scalar(select(LinkRequest).where(
        LinkRequest.account_id == account_id, LinkRequest.person_id == person.id,
        LinkRequest.cccd == data.cccd, LinkRequest.status == "pending_review"))
    if existing is not None:
        session.rollback()
        return {"status": "pending_review", "review_id": existing.id}
    now = clock.now()
    consent = _consent(session, account_id)
    req = LinkRequest(account_id=account_id, person_id=person.id, consent_id=consent.id, cccd=data.cccd,
                      registry_full_name=official[0], **stored_columns(official[1], "registry_"),
                      registry_gender=official[2], status="pending_review", created_at=now)
    session.add(req)
    session.flush()
    audit.record(session, actor, "link.review_opened", ("link_request", req.id),
                 {"cccd": mask_tail(data.cccd), "bhxh_code": mask_tail(person.bhxh_code),
                  "person_id": person.id, "account_id": account_id})
    session.commit()
    return {"status": "pending_review", "review_id": req.id}


def link_status(session: Session, account_id: int) -> dict:
    """What GET /me/link (and GET /me's `link`) shows: {status, bhxh_code, cccd, review_id, reason}."""
    person = person_of(session, account_id)
    if person is not None:
        via_review = session.scalar(
            select(LinkRequest.id).where(LinkRequest.account_id == account_id, LinkRequest.person_id == person.id,
                                         LinkRequest.status == "linked", LinkRequest.reviewer_id.is_not(None))
            .order_by(LinkRequest.id.desc()).limit(1))
        return {"status": "linked", "bhxh_code": person.bhxh_code, "cccd": person.cccd,
                "review_id": via_review, "reason": None}
    latest = session.execute(
        select(LinkRequest, InsuredPerson.bhxh_code).join(InsuredPerson, InsuredPerson.id == LinkRequest.person_id)
        .where(LinkRequest.account_id == account_id, LinkRequest.status.in_(("pending_review", "rejected")))
        .order_by(LinkRequest.created_at.desc(), LinkRequest.id.desc()).limit(1)).first()
    if latest is None:
        return {"status": "none", "bhxh_code": None, "cccd": None, "review_id": None, "reason": None}
    req, bhxh_code = latest
    return {"status": req.status, "bhxh_code": bhxh_code, "cccd": req.cccd, "review_id": req.id,
            "reason": req.reason if req.status == "rejected" else None}
