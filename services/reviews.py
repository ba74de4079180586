"""Officer decisions: link reviews (approve / reject) and card revocation. Each is audited in the
same transaction as the change it makes."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import clock
from errors import AlreadyLinked, AppError, Conflict, NotFound
from models import Card, InsuredPerson, LinkRequest
from privacy import mask_tail
from services import audit
from services.birth_dates import of_record, stored_columns
from services.linking import link_conflict

# The query word -> the stored status of a LinkRequest.
REVIEW_FILTERS = {"pending": "pending_review", "approved": "linked", "rejected": "rejected"}


class ReviewNotFound(NotFound):
    code = "review_not_found"
    detail = "No such link review."


class ReviewNotPending(Conflict):
    code = "review_not_pending"


class CardNotFound(NotFound):
    code = "card_not_found"
    detail = "No card has this number."


class AlreadyRevoked(Conflict):
    code = "already_revoked"
    detail = "This card is already revoked."


def list_query(status: str) -> Select:
    """Reviews with their record, oldest first (the queue order). `approved` = linked after a review."""
    stmt = select(LinkRequest, InsuredPerson).join(InsuredPerson, InsuredPerson.id == LinkRequest.person_id)
    stmt = stmt.where(LinkRequest.status == REVIEW_FILTERS[status])
    if status == "approved":
        stmt = stmt.where(LinkRequest.reviewer_id.is_not(None))
    return stmt.order_by(LinkRequest.created_at, LinkRequest.id)


def review_item(row: Any) -> dict:
    req, person = row
    return {
        "id": req.id,
        "status": {"pending_review": "pending", "linked": "approved"}.get(req.status, req.status),
        "created_at": req.created_at,
        "decided_at": req.decided_at,
        "account_id": req.account_id,
        "bhxh_code": person.bhxh_code,
        "cccd": req.cccd,
        "record": {"full_name": person.full_name, "date_of_birth": of_record(person), "gender": person.gender,
                   "cccd": person.cccd},
        "registry": {"full_name": req.registry_full_name, "date_of_birth": of_record(req, "registry_"),
                     "gender": req.registry_gender},
        "reason": req.reason,
        "note": req.note,
    }


MAX_ID = 2**31 - 1  # an INTEGER key: a larger id cannot exist, and would not fit the query parameter


def _pending(session: Session, review_id: int) -> LinkRequest:
    if not 1 <= review_id <= MAX_ID:
        raise ReviewNotFound()
    req = session.scalars(select(LinkRequest).where(LinkRequest.id == review_id).with_for_update()
                          .execution_options(populate_existing=True)).first()
    if req is None:
        raise ReviewNotFound()
    if req.status != "pending_review":
        raise ReviewNotPending(f"This review is already decided ({req.status}).")
    return req


def approve(session: Session, actor: tuple[str, str | None], officer_id: int, review_id: int,
            note: str | None) -> dict:
    """Link the record to the citizen and correct its name, date of birth and gender to the registry's."""
    try:
        req = _pending(session, review_id)
        person = session.scalars(select(InsuredPerson).where(InsuredPerson.id == req.person_id).with_for_update()
                                 .execution_options(populate_existing=True)).one()
        why = link_conflict(session, person, req.cccd, req.account_id)
        if why is not None:
            raise AlreadyLinked(f"Cannot approve: {why}.")
        now = clock.now()
        before = {"full_name": person.full_name, "date_of_birth": of_record(person).iso(),
                  "gender": person.gender}
        person.full_name = req.registry_full_name
        # The registry's date, unless it only knows less of the same date than the record does.
        for key, value in stored_columns(of_record(person).finer(of_record(req, "registry_"))).items():
            setattr(person, key, value)
        person.gender = req.registry_gender
        person.cccd = req.cccd
        person.account_id = req.account_id
        person.linked_at = now
        person.updated_at = now
        req.status = "linked"
        req.reviewer_id = officer_id
        req.decided_at = now
        req.note = note
        audit.record(session, actor, "link_review.approved", ("link_request", req.id), {
            "person_id": person.id, "account_id": req.account_id, "cccd": mask_tail(req.cccd),
            "bhxh_code": mask_tail(person.bhxh_code), "corrected": before != {
                "full_name": person.full_name, "date_of_birth": of_record(person).iso(),
                "gender": person.gender},
            "note": note,
        })
        session.commit()
    except IntegrityError:
        session.rollback()
        raise AlreadyLinked("Cannot approve: the CCCD or record was linked meanwhile.") from None
    except AppError:
        session.rollback()
        raise
    return review_item((req, person))


def reject(session: Session, actor: tuple[str, str | None], officer_id: int, review_id: int, reason: str) -> dict:
    try:
        req = _pending(session, review_id)
    except AppError:
        session.rollback()
        raise
    req.status = "rejected"
    req.reason = reason
    req.reviewer_id = officer_id
    req.decided_at = clock.now()
    audit.record(session, actor, "link_review.rejected", ("link_request", req.id),
                 {"account_id": req.account_id, "cccd": mask_tail(req.cccd), "reason": reason})
    session.commit()
    person = session.get(InsuredPerson, req.person_id)
    return review_item((req, person))


def revoke_card(session: Session, actor: tuple[str, str | None], card_number: str, reason: str) -> Card:
    """Status revoked (clinic code 110); offline verifiers see it through status_changed_at.
    The number as typed: surrounding blanks and lower case are forgiven."""
    card_number = card_number.strip().upper()
    card = session.scalars(select(Card).where(Card.card_number == card_number).with_for_update()
                           .execution_options(populate_existing=True)).first()
    if card is None:
        session.rollback()
        raise CardNotFound()
    if card.status == "revoked":
        session.rollback()
        raise AlreadyRevoked()
    previous = card.status
    card.status = "revoked"
    card.status_reason = reason
    card.status_changed_at = clock.now()
    audit.record(session, actor, "card.revoked", ("card", card.id),
                 {"card_number": mask_tail(card.card_number), "previous_status": previous, "reason": reason})
    session.commit()
    return card
