"""A guardian's children: adding one (the registry confirms identity and relation), the list,
the child's card with its signed QR, the child's card checks, and removal (docs/family.md).

Who sees a child: each guardian who added it (one `dependants` row per guardian), until the
day before the child's 18th birthday; nobody else. Every look-up of a child's card or card
checks is audited (`dependant.card_viewed`, `dependant.checks_viewed`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, and_, bindparam, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import clock
import errors
from models import AuditEvent, Card, Dependant, Facility, InsuredPerson
from privacy import mask_tail
from services import audit, cards, people
from services.card_rows import CARD_COLS, COPAY_COLS, PERSON_COLS, card_row, card_view, status_on

if TYPE_CHECKING:
    from db.statements import Runner

ADULT_AGE = 18
MAX_DEPENDANTS = 20  # per guardian account; a family is never larger, an attacker's list would be


NOT_LINKED_DETAIL = "Link your own CCCD first: the registry confirms a child's guardian by CCCD."


class RegistryMismatch(errors.Invalid):
    code = "registry_mismatch"
    detail = "The population registry does not confirm these details."


class AlreadyLinked(errors.Conflict):
    code = "already_linked"
    detail = "This child is already among your dependants."


class TooManyDependants(errors.Conflict):
    code = "too_many_dependants"
    detail = f"An account may hold at most {MAX_DEPENDANTS} dependants."


class DependantNotFound(errors.NotFound):
    code = "not_found"
    detail = "No such dependant."


class NoCard(errors.NotFound):
    code = "no_card"
    detail = "No health-insurance card has been issued for this child yet."


@dataclass(frozen=True)
class ChildInput:
    cccd: str
    full_name: str
    date_of_birth: date
    gender: str


def adult_cutoff(today: date) -> date:
    """Children born on or before this day are 18 today (born 29 February: 18 on 1 March)."""
    try:
        return today.replace(year=today.year - ADULT_AGE)
    except ValueError:  # today is 29 February
        return date(today.year - ADULT_AGE, 2, 28)


def is_minor(date_of_birth: date, today: date) -> bool:
    return adult_cutoff(today) < date_of_birth <= today


def add(session: Session, registry: Any, account_id: int, child: ChildInput, actor: tuple[str, str | None]) -> dict:
    """The registry confirms the child and that this account's person is its parent or guardian.
    Raises a refusal (nothing written but the audit of a refusal) or RegistryUnavailable (nothing)."""
    if not is_minor(child.date_of_birth, clock.today()):
        raise errors.ValidationFailed({"date_of_birth": ["A dependant must be a child under 18."]})
    guardian_cccd = people.linked_person(session, account_id, NOT_LINKED_DETAIL).cccd
    if guardian_cccd is None:
        raise errors.NotLinked(NOT_LINKED_DETAIL)
    if (not registry.verify(session, child.cccd, child.full_name, child.date_of_birth, child.gender)
            or not registry.is_guardian(session, guardian_cccd, child.cccd)):
        raise _refused(session, actor, child, RegistryMismatch())
    official = registry.lookup(session, child.cccd) or (child.full_name, child.date_of_birth, child.gender)
    held = session.scalars(select(Dependant.child_cccd).where(Dependant.guardian_account_id == account_id)).all()
    if child.cccd in held:
        raise _refused(session, actor, child, AlreadyLinked())
    if len(held) >= MAX_DEPENDANTS:
        raise _refused(session, actor, child, TooManyDependants())
    row = Dependant(guardian_account_id=account_id, child_cccd=child.cccd, full_name=official[0],
                    date_of_birth=official[1], gender=official[2], created_at=clock.now())
    session.add(row)
    try:
        session.flush()
    except IntegrityError:  # the same child added twice at once: the unique constraint decides
        session.rollback()
        raise _refused(session, actor, child, AlreadyLinked()) from None
    audit.record(session, actor, "dependant.added", ("dependant", row.id), {"cccd": mask_tail(child.cccd)})
    session.commit()
    return _item(row.id, row.full_name, row.date_of_birth, row.gender, None, None, None)


def _refused(session: Session, actor, child: ChildInput, refusal: errors.AppError) -> errors.AppError:
    session.rollback()
    audit.record(session, actor, "dependant.refused", None, {"outcome": refusal.code, "cccd": mask_tail(child.cccd)})
    session.commit()
    return refusal


def remove(session: Session, account_id: int, dependant_id: str, actor: tuple[str, str | None]) -> None:
    """The guardian removes the child from their own account; another guardian's row stays."""
    row = session.get(Dependant, dependant_id)
    if row is None or row.guardian_account_id != account_id or not is_minor(row.date_of_birth, clock.today()):
        raise DependantNotFound()
    session.delete(row)
    audit.record(session, actor, "dependant.removed", ("dependant", dependant_id), {"cccd": mask_tail(row.child_cccd)})
    session.commit()


# ---- reads (prebuilt statements on the hot-path runner, like GET /me/card) ---------------------

_DEP_T, _PERSON_T, _CARD_T, _FACILITY_T = (Dependant.__table__, InsuredPerson.__table__, Card.__table__,
                                           Facility.__table__)
_MINE = and_(_DEP_T.c.guardian_account_id == bindparam("account_id"), _DEP_T.c.date_of_birth > bindparam("cutoff"))
_WITH_CARD = (_DEP_T.outerjoin(_PERSON_T, _PERSON_T.c.cccd == _DEP_T.c.child_cccd)
              .outerjoin(_CARD_T, _CARD_T.c.id == cards._CURRENT_CARD_ID)
              .outerjoin(_FACILITY_T, _FACILITY_T.c.code == _CARD_T.c.facility_code))
# The list in one statement: each child with its current card's number, state and end.
_LIST = (select(_DEP_T.c.id, _DEP_T.c.full_name, _DEP_T.c.date_of_birth, _DEP_T.c.gender, _CARD_T.c.card_number,
                _CARD_T.c.status, _CARD_T.c.valid_to)
         .select_from(_WITH_CARD).where(_MINE)
         .order_by(_DEP_T.c.date_of_birth, _DEP_T.c.id).limit(MAX_DEPENDANTS))
# One child's card in one statement, only if it is this guardian's child and still a minor.
_ONE = (select(*CARD_COLS, *PERSON_COLS, _FACILITY_T.c.name, *COPAY_COLS, _PERSON_T.c.id.label("holder"))
        .select_from(_WITH_CARD).where(_MINE, _DEP_T.c.id == bindparam("dependant_id")))
_AUDIT = insert(cast(Table, AuditEvent.__table__)).values(
    at=bindparam("at"), actor_type="account", actor_id=bindparam("actor_id"), action=bindparam("action"),
    target_type="dependant", target_id=bindparam("dependant_id"))


def _item(dep_id, name, dob, gender, card_number, status, valid_to) -> dict:
    card = None
    if card_number is not None:
        card = {"card_number": card_number, "valid_to": valid_to.isoformat(),
                "status": status_on(cast(Card, _Status(status, valid_to)), clock.today())}
    return {"id": dep_id, "full_name": name, "date_of_birth": dob.isoformat(), "gender": gender, "card": card}


@dataclass(frozen=True)
class _Status:
    status: str
    valid_to: date


def list_for(runner: Runner, account_id: int, page: int = 1, per_page: int = 20) -> dict:
    """GET /me/dependants: the children this account may still see, youngest last."""
    found = runner.rows(_LIST, {"account_id": account_id, "cutoff": adult_cutoff(clock.today())})
    items = [_item(*r) for r in found]
    start = (page - 1) * per_page
    return {"items": items[start:start + per_page], "page": page, "per_page": per_page, "total": len(items)}


def _one(runner: Runner, account_id: int, dependant_id: str) -> tuple:
    found = runner.rows(_ONE, {"account_id": account_id, "cutoff": adult_cutoff(clock.today()),
                               "dependant_id": dependant_id})
    if not found:
        raise DependantNotFound()
    return found[0]


def _audit(runner: Runner, account_id: int, dependant_id: str, action: str) -> None:
    runner.execute_async_commit(_AUDIT, {"at": clock.now(), "actor_id": str(account_id), "action": action,
                            "dependant_id": dependant_id})


def card(runner: Runner, account_id: int, dependant_id: str, keys_dir: str) -> dict:
    """GET /me/dependants/{id}/card: the child's card as GET /me/card shows one, with its QR."""
    row = _one(runner, account_id, dependant_id)
    if row[0] is None:
        raise NoCard()
    _audit(runner, account_id, dependant_id, "dependant.card_viewed")
    found = card_row(row)
    view = card_view(found, clock.today())
    qr, expires_at = cards.signed_qr(found, keys_dir)
    view["qr"] = qr
    view["qr_expires_at"] = expires_at.isoformat() if expires_at else None
    return view


def holder_for_checks(runner: Runner, account_id: int, dependant_id: str) -> int:
    """The child's insured-person id, for the card-check history (404 no_card without a record)."""
    holder = _one(runner, account_id, dependant_id)[-1]
    if holder is None:
        raise NoCard()
    _audit(runner, account_id, dependant_id, "dependant.checks_viewed")
    return holder
