"""The insured person of an account: one query, used by every "my ..." endpoint."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from errors import NotLinked
from models import InsuredPerson


def person_of(session: Session, account_id: int) -> InsuredPerson | None:
    """The insured person linked to this account, or None (an account links to at most one)."""
    return session.scalar(select(InsuredPerson).where(InsuredPerson.account_id == account_id))


def linked_person(session: Session, account_id: int, detail: str | None = None) -> InsuredPerson:
    """The person of this account, or 404 not_linked (with `detail` when the endpoint words it its own way)."""
    person = person_of(session, account_id)
    if person is None:
        raise NotLinked(detail)
    return person
