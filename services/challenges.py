"""OTP challenges: start (send a code), resend (a new code replaces the old), verify (single use).

Rules (CONTRACT §2, reference/security.md §9): 6 digits from `secrets`, 5 minutes, stored as a keyed
hash bound to the challenge and its purpose; 5 wrong codes kill the challenge; a resend no sooner
than 60 s after the last send; at most 5 SMS per phone per hour across all challenges. Sends are
counted in auth/throttle.py (Redis when set); if that store is down, no SMS goes out (fail closed).

Counters and the single use are SQL updates guarded by their own WHERE clause
(`... WHERE consumed_at IS NULL`), so two concurrent requests cannot both win.

Two kinds of challenge carry no code at all, so that the answers give nothing away: a registration
for a phone that already has an account (its SMS says so) and a reset for an unknown phone (no SMS).
Both behave like any other challenge whose code is never right.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from sqlalchemy import case, update
from sqlalchemy.orm import Session, object_session

import clock
from auth import otp, secrets_box
from errors import AppError, BadRequest, ChallengeNotFound, InvalidOtp, RateLimited
from models import Account, OtpChallenge, new_id
from policy import (
    MAX_CHALLENGE_AGE,
    OTP_MAX_ATTEMPTS,
    OTP_TTL,
    RESEND_COOLDOWN_DETAIL,
    RESEND_COOLDOWN_S,
    SMS_PER_PHONE_PER_HOUR,
    SMS_WARNING,
)
from services import outbox

_WARNING = SMS_WARNING
TEXTS = {
    "register": "Mã xác thực VssID của bạn là {code}. " + _WARNING,
    "login": "Mã đăng nhập VssID của bạn là {code}. " + _WARNING,
    "reset": "Mã đặt lại mật khẩu VssID của bạn là {code}. Đặt lại mật khẩu sẽ gỡ ứng dụng xác thực "
             "(nếu có) khỏi tài khoản. " + _WARNING,
}
TAKEN_TEXT = ("Số điện thoại này đã được dùng để đăng ký tài khoản VssID. Nếu bạn quên mật khẩu, hãy chọn "
              "\"Quên mật khẩu\" trong ứng dụng. Nếu không phải bạn yêu cầu, hãy bỏ qua tin nhắn này.")

MODE_TAKEN = "taken"  # register on a phone with an account: SMS without a code
MODE_SILENT = "silent"  # reset on an unknown phone: no SMS


class ChallengeUsed(BadRequest):
    code = "challenge_used"
    detail = "This challenge has already been completed; start again."


class ChallengeLocked(BadRequest):
    code = "challenge_locked"
    detail = "Too many wrong codes; start again to get a new code."


class OtpExpired(BadRequest):
    code = "otp_expired"
    detail = "The code has expired; ask for a new one."


class ResendNotAvailable(BadRequest):
    code = "resend_not_available"
    detail = "This challenge is answered with the authenticator app."


def _check_alive(ch: OtpChallenge) -> None:
    if ch.consumed_at is not None:
        raise ChallengeUsed()
    if ch.locked:
        raise ChallengeLocked()
    if ch.expires_at <= clock.now():
        raise OtpExpired()


def _mode(ch: OtpChallenge) -> str | None:
    return (ch.payload or {}).get("mode")


def _count_send(adapters: Any, challenge_id: str, phone: str) -> None:
    """Take a send slot (per-challenge cooldown, then the hourly cap per phone) or refuse.
    A store that is away raises ThrottleUnavailable (503 otp_unavailable): no SMS then."""
    store = adapters.throttle
    verdict = store.hit(f"otp:cooldown:{challenge_id}", 1, RESEND_COOLDOWN_S)
    if not verdict.allowed:
        raise RateLimited(RESEND_COOLDOWN_DETAIL, retry_after=verdict.retry_after)
    # Keyed hash, not the number: the throttle store (Redis) holds no phone numbers.
    verdict = store.hit(f"otp:phone:{otp.keyed_hash('throttle', phone)[:32]}", SMS_PER_PHONE_PER_HOUR, 3600)
    if not verdict.allowed:
        raise RateLimited("Too many codes sent to this phone; try again later.", retry_after=verdict.retry_after)


def _deliver_and_commit(session: Session, adapters: Any, ch: OtpChallenge, code: str | None) -> None:
    """Queue the SMS in the outbox and commit it with the challenge (the queue sends it after the
    commit); a refusal raised on the way keeps nothing of the challenge's change."""
    try:
        _deliver(adapters, ch, code)
    except AppError:
        session.rollback()
        raise
    session.commit()


def _deliver(adapters: Any, ch: OtpChallenge, code: str | None) -> None:
    mode = _mode(ch)
    if mode == MODE_SILENT:
        return
    text = TAKEN_TEXT if mode == MODE_TAKEN else TEXTS[ch.purpose].format(code=code)
    outbox.add_sms(object_session(ch), ch.phone, text, expires_at=clock.now() + OTP_TTL)  # sent after commit


def start(session: Session, adapters: Any, purpose: str, phone: str, *, account_id: int | None = None,
          payload: dict | None = None, channel: str = "sms") -> OtpChallenge:
    """Create a challenge and send its code (SMS channel). Commits; nothing is kept if sending fails.
    `adapters` carries `.throttle` and `.sms` (services.runtime.Runtime)."""
    now = clock.now()
    ch = OtpChallenge(id=new_id(), purpose=purpose, channel=channel, phone=phone, account_id=account_id,
                      payload=payload, created_at=now, expires_at=now + OTP_TTL)
    code = None
    if channel == "sms":
        if _mode(ch) is None:
            code = otp.new_code()
            ch.code_hash = otp.code_hash(ch.id, purpose, code)
        _count_send(adapters, ch.id, phone)
        ch.last_sent_at = now
    session.add(ch)
    session.flush()
    if channel == "sms":
        _deliver_and_commit(session, adapters, ch, code)
    else:
        session.commit()
    return ch


def resend(session: Session, adapters: Any, challenge_id: str) -> OtpChallenge:
    """A new code (and 5 new minutes) for the same challenge; the old code stops working. Commits."""
    ch = session.get(OtpChallenge, challenge_id)
    if ch is None:
        raise ChallengeNotFound()
    if ch.consumed_at is not None or ch.locked:
        _check_alive(ch)
    if ch.channel != "sms":
        raise ResendNotAvailable()
    now = clock.now()
    if now - ch.created_at > MAX_CHALLENGE_AGE:
        raise OtpExpired("This challenge is too old; start again.")
    code = None if _mode(ch) else otp.new_code()
    new_hash = otp.code_hash(ch.id, ch.purpose, code) if code else None
    _count_send(adapters, ch.id, ch.phone)
    replaced = session.execute(
        update(OtpChallenge)
        .where(OtpChallenge.id == ch.id, OtpChallenge.consumed_at.is_(None), OtpChallenge.locked.is_(False))
        .values(code_hash=new_hash, expires_at=now + OTP_TTL, last_sent_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if replaced != 1:
        session.rollback()
        session.refresh(ch)
        _check_alive(ch)
    _deliver_and_commit(session, adapters, ch, code)
    session.refresh(ch)
    return ch


class OtpAlreadyUsed(BadRequest):
    code = "otp_already_used"
    detail = "This code was already used; wait for the app to show the next one."


def _totp_once(session: Session, ch: OtpChallenge, code: str) -> bool:
    """A TOTP code is right for this account's secret and its time step was not used before.
    A right code of a step already spent is OtpAlreadyUsed: not a guess, so no attempt is counted."""
    account = session.get(Account, ch.account_id)
    step = (otp.totp_step(secrets_box.totp_secret(account.id, account.totp_secret), code, clock.now())
            if account and account.totp_secret else None)
    if step is None:
        return False
    taken = session.execute(
        update(Account)
        .where(Account.id == account.id,
               (Account.totp_last_step.is_(None)) | (Account.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        session.rollback()
        raise OtpAlreadyUsed()
    return True


def verify(session: Session, challenge_id: str, purpose: str, code: str, *,
           before_check: Callable[[OtpChallenge], None] | None = None,
           on_wrong: Callable[[OtpChallenge], AppError | None] | None = None) -> OtpChallenge:
    """Consume the challenge if `code` is right, else count the attempt and raise.

    On success the challenge is marked consumed in the caller's open transaction: the caller does
    its work (create the account, start a session) and commits, so both happen or neither does.
    `on_wrong` runs in the same transaction as the attempt counter (the login lockout); an error it
    returns wins over invalid_otp.
    """
    ch = session.get(OtpChallenge, challenge_id, populate_existing=True) if challenge_id else None
    if ch is None or ch.purpose != purpose:
        raise ChallengeNotFound()
    _check_alive(ch)
    if before_check:
        before_check(ch)
    now = clock.now()
    if ch.channel == "totp":
        right = _totp_once(session, ch, code)
        guard = ()
    else:
        right = otp.code_matches(ch.code_hash, ch.id, purpose, code)
        guard = (OtpChallenge.code_hash == ch.code_hash,)  # a resend in between makes the old code fail
    if right:
        consumed = session.execute(
            update(OtpChallenge)
            .where(OtpChallenge.id == ch.id, OtpChallenge.consumed_at.is_(None), OtpChallenge.locked.is_(False),
                   OtpChallenge.expires_at > now, *guard)
            .values(consumed_at=now).execution_options(synchronize_session=False)
        ).rowcount
        if consumed == 1:
            return ch
        session.rollback()
        session.refresh(ch)
        _check_alive(ch)
        raise InvalidOtp("The code is no longer valid; ask for a new one.",
                         extra={"attempts_left": max(0, OTP_MAX_ATTEMPTS - ch.attempts)})
    session.rollback()  # drop a TOTP step claim of a code that was not right after all
    attempts = _count_wrong(session, ch)
    extra_error = on_wrong(ch) if on_wrong else None
    session.commit()
    if extra_error is not None:
        raise extra_error
    if attempts is None or attempts >= OTP_MAX_ATTEMPTS:
        raise ChallengeLocked()
    raise InvalidOtp(extra={"attempts_left": OTP_MAX_ATTEMPTS - attempts})


def _count_wrong(session: Session, ch: OtpChallenge) -> int | None:
    """Count this wrong code; the attempt number it got, or None when the challenge was already dead."""
    return session.execute(
        update(OtpChallenge)
        .where(OtpChallenge.id == ch.id, OtpChallenge.consumed_at.is_(None), OtpChallenge.locked.is_(False))
        .values(attempts=OtpChallenge.attempts + 1,
                locked=case((OtpChallenge.attempts + 1 >= OTP_MAX_ATTEMPTS, True), else_=False))
        .returning(OtpChallenge.attempts)
        .execution_options(synchronize_session=False)
    ).scalar()


def expires_in(ch: OtpChallenge) -> int:
    return max(0, math.ceil((ch.expires_at - clock.now()).total_seconds()))
