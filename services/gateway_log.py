"""The gateway's lookup log (`dsLichSuKT2018`): the checks of one card made by the calling facility
only; another facility's look-ups of the same person are not this facility's business."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import CardCheck


def facility_checks_of_card(session: Session, card_id: str, facility_code: str | None,
                            limit: int = 10) -> list[CardCheck]:
    return list(session.scalars(
        select(CardCheck).where(CardCheck.card_id == card_id, CardCheck.facility_code == facility_code)
        .order_by(CardCheck.checked_at.desc(), CardCheck.id.desc()).limit(limit)
    ))
