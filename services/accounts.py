"""Citizen and officer accounts: registration, login with a second factor, password reset, TOTP.

Login = password, then a one-time code (SMS, or the authenticator app once enrolled). 10
failures (wrong password or wrong login code) within 15 minutes lock that phone for that client
(Keycloak's 15-minute cap; NIST 800-63B §5.2.2 allows up to 100). The count is kept per phone and
per device (auth/devices.py) in the shared throttle store, for unknown phones exactly as for known
ones, so the lock neither tells which phones are registered nor lets a stranger lock the owner's
phone out. A full login from a device resets its count. (Account.failed_logins/locked_until are
no longer written; docs/auth.md.)
"""
from __future__ import annotations

import math
import unicodedata
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import clock
from auth import devices, passwords, sessions
from errors import AccountExists, AppError, ChallengeNotFound, Invalid, RateLimited, Unauthorized, ValidationFailed
from models import Account, OtpChallenge
from policy import LOCK_DURATION, MAX_FAILED_LOGINS
from privacy import mask_tail
from services import audit, authenticator, challenges


class WeakPassword(Invalid):
    code = "weak_password"


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"
    detail = "The phone number or password is not right."


class AccountLocked(RateLimited):
    code = "account_locked"
    detail = "Too many failed logins; this account is locked for a while."

    def __init__(self, retry_after: float) -> None:
        super().__init__(self.detail, retry_after=retry_after, code=self.code)


class AccountGone(Unauthorized):
    detail = "The account no longer exists."


def _phone_ref(phone: str) -> str:
    return mask_tail(phone, 3)


def clean_name(full_name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", full_name or "").split())


def require_strong_password(password: str, field: str = "password") -> None:
    problems = passwords.password_problems(password)
    if problems:
        raise WeakPassword(problems[0], errors={field: problems})


def _invalid_credentials() -> InvalidCredentials:
    return InvalidCredentials()


def _lock_window() -> float:
    return LOCK_DURATION.total_seconds()


def _check_not_locked(adapters: Any, key: str) -> None:
    verdict = adapters.throttle.peek(key, MAX_FAILED_LOGINS, _lock_window())
    if not verdict.allowed:
        raise AccountLocked(math.ceil(verdict.retry_after))


def _count_failure(session: Session, adapters: Any, key: str, account_id: int | None, factor: str) -> AppError:
    """Count one failed login for this phone and device, known phone or not (the same work either
    way: no enumeration by status, body or time); the error to answer (the 10th in the window locks)."""
    audit.record(session, ("account", None if account_id is None else str(account_id)), "account.login_failed",
                 ("account", account_id), {"factor": factor})
    session.commit()  # first: on SQLite the store's write would wait for this session's
    adapters.throttle.hit(key, MAX_FAILED_LOGINS, _lock_window())
    try:
        _check_not_locked(adapters, key)
    except AccountLocked as locked:
        return locked
    return _invalid_credentials()


# --- registration -------------------------------------------------------------------------------

def register(session: Session, adapters: Any, phone: str, password: str, full_name: str) -> OtpChallenge:
    """Start a registration. A phone that has an account gets an SMS saying so, and the same answer.
    `adapters`: the throttle store and SMS sender (services.runtime.Runtime)."""
    require_strong_password(password)
    password_hash = passwords.hash_password(password)  # hashed either way: same time for both cases
    taken = session.scalar(select(Account.id).where(Account.phone == phone)) is not None
    payload = {"mode": challenges.MODE_TAKEN} if taken else \
        {"password_hash": password_hash, "full_name": clean_name(full_name)}
    return challenges.start(session, adapters, "register", phone, payload=payload)


def verify_registration(session: Session, challenge_id: str, code: str) -> tuple[Account, dict]:
    ch = challenges.verify(session, challenge_id, "register", code)
    data = ch.payload or {}
    account = Account(phone=ch.phone, password_hash=data["password_hash"], full_name=data["full_name"],
                      role="citizen", created_at=clock.now(), failed_logins=0)
    session.add(account)
    try:
        session.flush()
    except IntegrityError as exc:  # the same phone registered through another challenge meanwhile
        session.rollback()
        raise AccountExists("This phone number already has an account; log in instead.") from exc
    tokens = sessions.start(session, account)
    audit.record(session, ("account", str(account.id)), "account.register", ("account", account.id),
                 {"phone": _phone_ref(account.phone)})
    session.commit()
    return account, {**tokens, "device_token": devices.issue(account.phone)}


# --- login --------------------------------------------------------------------------------------

def login(session: Session, adapters: Any, phone: str, password: str, device_token: str | None = None) -> OtpChallenge:
    """Check the password; on success start the second-factor challenge (SMS or TOTP).
    An unknown phone takes the same steps as a known one with a wrong password (Argon2 on a dummy
    hash, the same counter and answer), and failures count per phone and device (auth/devices.py)."""
    device = devices.verify(device_token, phone)
    key = devices.failure_key(phone, device)
    account = session.scalar(select(Account).where(Account.phone == phone))
    right = passwords.verify_password(account.password_hash if account else None, password)
    _check_not_locked(adapters, key)
    if account is None or not right:
        raise _count_failure(session, adapters, key, account.id if account else None, "password")
    if passwords.needs_rehash(account.password_hash):
        account.password_hash = passwords.hash_password(password)
        session.commit()  # before the SMS is counted: on SQLite a write held open would block the store
    channel = "totp" if account.totp_enabled else "sms"
    return challenges.start(session, adapters, "login", account.phone, account_id=account.id, channel=channel,
                            payload={"device": device} if device else None)


def verify_login(session: Session, adapters: Any, challenge_id: str, code: str) -> dict:
    def key_of(ch: OtpChallenge) -> str:
        return devices.failure_key(ch.phone, (ch.payload or {}).get("device"))

    def before(ch: OtpChallenge) -> None:
        if session.get(Account, ch.account_id) is None:
            raise ChallengeNotFound()
        _check_not_locked(adapters, key_of(ch))

    def on_wrong(ch: OtpChallenge) -> AppError | None:
        error = _count_failure(session, adapters, key_of(ch), ch.account_id, ch.channel)
        return error if isinstance(error, AccountLocked) else None

    ch = challenges.verify(session, challenge_id, "login", code, before_check=before, on_wrong=on_wrong)
    account = session.get(Account, ch.account_id, populate_existing=True)
    tokens = sessions.start(session, account)
    audit.record(session, ("account", str(account.id)), "account.login", ("account", account.id),
                 {"factor": ch.channel})
    session.commit()
    adapters.throttle.forget(key_of(ch))  # a full login from this device starts its count afresh
    return {**tokens, "device_token": devices.issue(account.phone)}


def logout(session: Session, account_id: int, session_id: str | None) -> None:
    if session_id:
        sessions.revoke(session, session_id, "logout")
    audit.record(session, ("account", str(account_id)), "account.logout", ("login_session", session_id))
    session.commit()


# --- password reset -----------------------------------------------------------------------------

def forgot_password(session: Session, adapters: Any, phone: str) -> OtpChallenge:
    """Always a challenge; an unknown phone gets one whose code is never right (and no SMS)."""
    account = session.scalar(select(Account).where(Account.phone == phone))
    payload = None if account else {"mode": challenges.MODE_SILENT}
    return challenges.start(session, adapters, "reset", phone, account_id=account.id if account else None,
                            payload=payload)


def reset_password(session: Session, adapters: Any, challenge_id: str, code: str, new_password: str) -> None:
    require_strong_password(new_password, "new_password")
    ch = challenges.verify(session, challenge_id, "reset", code)
    account = session.get(Account, ch.account_id)
    account.password_hash = passwords.hash_password(new_password)
    had_totp = account.totp_enabled
    authenticator.clear(account)  # ... with the phone alone, even if a thief enrolled an app
    revoked = sessions.revoke_all(session, account.id, "password_reset")
    audit.record(session, ("account", str(account.id)), "account.password_reset", ("account", account.id),
                 {"sessions_revoked": revoked, "authenticator_removed": had_totp})
    session.commit()
    adapters.throttle.forget(devices.failure_key(account.phone, None))  # the code proves the phone: back in


# --- officers and profile -----------------------------------------------------------------------

def create_account(session: Session, phone: str, password: str, full_name: str, role: str = "officer") -> Account:
    """An account made by an operator (no OTP): `flask officers create`. Commits."""
    require_strong_password(password)
    name = clean_name(full_name)
    if not name or len(name) > 200:
        raise ValidationFailed({"full_name": ["1 to 200 characters."]}, "The name must be 1 to 200 characters.")
    if session.scalar(select(Account.id).where(Account.phone == phone)) is not None:
        raise AccountExists()
    account = Account(phone=phone, password_hash=passwords.hash_password(password), full_name=name, role=role,
                      created_at=clock.now(), failed_logins=0)
    session.add(account)
    session.flush()
    audit.record(session, ("system", None), f"account.create_{role}", ("account", account.id),
                 {"phone": _phone_ref(phone)})
    session.commit()
    return account


def profile(session: Session, account_id: int, link: dict) -> dict:
    account = session.get(Account, account_id)
    if account is None:
        raise AccountGone()
    return {"id": account.id, "phone": account.phone, "full_name": account.full_name,
            "roles": [account.role], "link": link}
