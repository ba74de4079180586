"""Shared arrangements for the link and officer tests."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from models import AuditEvent, Consent, LinkRequest
from tests import factories

URL = "/api/v1/me/link"
AN = {"cccd": "001095012345", "full_name": "Nguyễn Văn An", "date_of_birth": "1995-03-05", "gender": "male"}


def body(**changes) -> dict:
    return {**AN, "bhxh_code": "0123456789", "consent": True, **changes}


def an_in_registry_and_insured(session, **person_changes):
    """The registry knows An; the insurance record 0123456789 is his (without CCCD unless given)."""
    factories.registry_record(session)
    fields = {"bhxh_code": "0123456789", "full_name": "Nguyễn Văn An", "date_of_birth": date(1995, 3, 5),
              "gender": "male", **person_changes}
    return factories.person(session, **fields)


def counts(session) -> tuple[int, int, int]:
    session.expire_all()
    return (session.scalar(select(func.count()).select_from(Consent)),
            session.scalar(select(func.count()).select_from(LinkRequest)),
            session.scalar(select(func.count()).select_from(AuditEvent)))
