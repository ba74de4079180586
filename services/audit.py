"""Append to the audit log inside the caller's transaction: the event commits with the change it
describes, or not at all. `detail` must hold no secrets; mask identifiers with privacy.mask_tail."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

import clock
from models import AuditEvent


def record(
    session: Session,
    actor: tuple[str, str | None],
    action: str,
    target: tuple[str, str | int | None] | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """actor = (actor_type, actor_id): ("account", "12"), ("client", "cli_…"), ("system", None)."""
    target_type, target_id = target if target else (None, None)
    event = AuditEvent(
        at=clock.now(),
        actor_type=actor[0],
        actor_id=None if actor[1] is None else str(actor[1]),
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        detail=detail,
    )
    session.add(event)
    return event
