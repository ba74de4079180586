"""Login sessions and their refresh tokens (CONTRACT §2; ASVS 10.4.5, 10.4.8, 7.2.3).

A login session is the family of refresh tokens rotating from one login. A refresh token is an
opaque 256-bit random string, stored only as a keyed hash, good for one use. Presenting a used one
again means it was copied: the whole session (every access and refresh token of it) is revoked.
Access tokens carry the session id (`sid`), so revoking the session kills them at once
(auth/tokens.py checks it on every request).
"""
from __future__ import annotations

import secrets

from sqlalchemy import update
from sqlalchemy.orm import Session

import clock
from auth.otp import keyed_hash
from auth.tokens import access_token_ttl_seconds, issue_access_token
from errors import BearerUnauthorized
from models import Account, LoginSession, RefreshToken
from policy import SESSION_EXPIRED_DETAIL, SESSION_LIFETIME


def _hash(raw: str) -> str:
    return keyed_hash("refresh", raw)


def _unauthorized(code: str, detail: str) -> BearerUnauthorized:
    return BearerUnauthorized(detail, code=code)


def _pair(session: Session, account: Account, login: LoginSession) -> dict:
    raw = secrets.token_urlsafe(32)
    session.add(RefreshToken(token_hash=_hash(raw), session_id=login.id, created_at=clock.now()))
    access = issue_access_token(str(account.id), {"typ": "access", "role": account.role, "sid": login.id})
    return {"access_token": access, "refresh_token": raw, "token_type": "Bearer",
            "expires_in": access_token_ttl_seconds()}


def start(session: Session, account: Account) -> dict:
    """A new login: a session and its first token pair (the caller commits)."""
    now = clock.now()
    login = LoginSession(account_id=account.id, created_at=now, expires_at=now + SESSION_LIFETIME)
    session.add(login)
    session.flush()
    return _pair(session, account, login)


def refresh(session: Session, raw: str) -> dict:
    """Rotate: the presented token dies, a new pair is answered. Commits."""
    now = clock.now()
    token = session.get(RefreshToken, _hash(raw)) if raw else None
    if token is None:
        raise _unauthorized("unauthorized", "The refresh token is not valid.")
    login = session.get(LoginSession, token.session_id)
    if login.revoked_at is not None:
        raise _unauthorized("token_revoked", "This login has been ended; sign in again.")
    if login.expires_at <= now:
        raise _unauthorized("token_expired", SESSION_EXPIRED_DETAIL)
    # Atomic single use: of two concurrent presentations only one sees used_at still empty.
    used = session.execute(
        update(RefreshToken).where(RefreshToken.token_hash == token.token_hash, RefreshToken.used_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False)
    ).rowcount
    if used != 1:
        session.rollback()
        revoke(session, login.id, "token_reused")
        session.commit()
        raise _unauthorized("token_reused", "This refresh token was already used; every token of this login "
                                            "has been revoked. Sign in again.")
    account = session.get(Account, login.account_id)
    pair = _pair(session, account, login)
    session.commit()
    return pair


def revoke(session: Session, session_id: str, reason: str) -> None:
    session.execute(
        update(LoginSession).where(LoginSession.id == session_id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=clock.now(), revoked_reason=reason).execution_options(synchronize_session=False)
    )


def revoke_all(session: Session, account_id: int, reason: str) -> int:
    """End every live login of an account (password reset, account disabled)."""
    return session.execute(
        update(LoginSession).where(LoginSession.account_id == account_id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=clock.now(), revoked_reason=reason).execution_options(synchronize_session=False)
    ).rowcount
