"""Stored secrets under the key ring of auth/secrets_box.py: moving them to the ring's current key."""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from auth import secrets_box
from models import Account

CHUNK = 1000


def rewrap_totp_secrets(session: Session, folder: str) -> int:
    """Every account's TOTP box rewrapped with the current key (a plain secret sealed); committed in
    chunks, each row updated only if it still holds the value read (a concurrent enrolment wins).
    Returns how many rows changed."""
    changed, last_id = 0, 0
    while True:
        rows = session.execute(select(Account.id, Account.totp_secret)
                               .where(Account.totp_secret.is_not(None), Account.id > last_id)
                               .order_by(Account.id).limit(CHUNK)).all()
        if not rows:
            return changed
        for account_id, stored in rows:
            if stored is None:
                continue
            owner = secrets_box.totp_owner(account_id)
            new = (secrets_box.rewrap(folder, stored, owner) if secrets_box.is_box(stored)
                   else secrets_box.seal(folder, stored, owner))
            if new != stored:
                result = session.execute(update(Account).where(
                    Account.id == account_id, Account.totp_secret == stored).values(totp_secret=new))
                changed += result.rowcount  # type: ignore[attr-defined]  # a CursorResult for an UPDATE
        last_id = rows[-1][0]
        session.commit()
