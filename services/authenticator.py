"""The authenticator app (TOTP) of an account: enrol, confirm, remove; each behind a fresh proof of
the password, and each change told to the owner by SMS (CONTRACT §2a).

Why the password: an access token lives 15 minutes and can be stolen (a shared phone, a log);
without a step-up the thief could bind his own authenticator and own the account for good. Why the
SMS: the owner learns of a change he did not make, and a password reset (SMS code) removes the
authenticator again (services.accounts.reset_password), so whoever holds the phone gets back in.

Step-up attempts are counted per account in the shared throttle store, right or wrong, at most
`STEPUP_ATTEMPTS_PER_HOUR` (these actions are rare), so a stolen token cannot guess the password;
they never count toward the login lockout, so the thief cannot lock the owner out either.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

import clock
from auth import otp, passwords, secrets_box
from errors import AppError, Conflict, InvalidOtp, RateLimited
from models import Account
from policy import STEPUP_ATTEMPTS_PER_HOUR
from services import audit

ENROLLED_TEXT = ("VssID: một ứng dụng xác thực vừa được gắn vào tài khoản của bạn. Nếu không phải bạn, hãy "
                 "chọn \"Quên mật khẩu\" ngay: đặt lại mật khẩu sẽ gỡ ứng dụng này.")
REMOVED_TEXT = ("VssID: ứng dụng xác thực đã được gỡ khỏi tài khoản của bạn; mã đăng nhập sẽ gửi qua SMS. "
                "Nếu không phải bạn, hãy chọn \"Quên mật khẩu\" ngay.")


class TotpAlreadyEnabled(Conflict):
    code = "totp_already_enabled"
    detail = "An authenticator app is already enrolled."


class TotpNotStarted(Conflict):
    code = "totp_not_started"
    detail = "Call POST /me/totp first to get a secret."


class TotpNotEnabled(Conflict):
    code = "totp_not_enabled"
    detail = "No authenticator app is enrolled."


def _account(session: Session, account_id: int) -> Account:
    from services.accounts import AccountGone

    account = session.get(Account, account_id)
    if account is None:
        raise AccountGone()
    return account


def _prove_password(session: Session, adapters: Any, account: Account, password: str) -> None:
    from services.accounts import InvalidCredentials

    verdict = adapters.throttle.hit(f"stepup:{account.id}", STEPUP_ATTEMPTS_PER_HOUR, 3600)
    if not verdict.allowed:
        raise RateLimited("Too many password checks; try again later.", retry_after=verdict.retry_after)
    if not passwords.verify_password(account.password_hash, password):
        audit.record(session, ("account", str(account.id)), "account.stepup_failed", ("account", account.id))
        session.commit()
        raise InvalidCredentials("The password is not right.")


def _notify_and_commit(session: Session, adapters: Any, account: Account, text: str) -> None:
    """The notice goes out before the change is kept: no SMS gateway, no silent change."""
    try:
        adapters.sms.send(account.phone, text)
    except AppError:
        session.rollback()
        raise
    session.commit()


def begin(session: Session, adapters: Any, account_id: int, password: str) -> dict:
    account = _account(session, account_id)
    _prove_password(session, adapters, account, password)
    if account.totp_enabled:
        raise TotpAlreadyEnabled()
    secret = otp.new_totp_secret()
    account.totp_secret = secrets_box.seal_totp(account.id, secret)  # envelope-encrypted at rest
    session.commit()
    return {"secret": secret, "otpauth_uri": otp.provisioning_uri(secret, account.phone)}


def confirm(session: Session, adapters: Any, account_id: int, password: str, code: str) -> None:
    account = _account(session, account_id)
    _prove_password(session, adapters, account, password)
    if account.totp_enabled:
        raise TotpAlreadyEnabled()
    if not account.totp_secret:
        raise TotpNotStarted()
    step = otp.totp_step(secrets_box.totp_secret(account.id, account.totp_secret), code, clock.now())
    if step is None:
        raise InvalidOtp("The code is not right; check the time on the phone.")
    account.totp_enabled = True
    account.totp_last_step = step
    audit.record(session, ("account", str(account.id)), "account.totp_enabled", ("account", account.id))
    _notify_and_commit(session, adapters, account, ENROLLED_TEXT)


def remove(session: Session, adapters: Any, account_id: int, password: str) -> None:
    """Remove the app (or a secret never confirmed); login codes go by SMS again."""
    account = _account(session, account_id)
    _prove_password(session, adapters, account, password)
    if not account.totp_enabled and not account.totp_secret:
        raise TotpNotEnabled()
    was_enabled = account.totp_enabled
    clear(account)
    audit.record(session, ("account", str(account.id)), "account.totp_removed", ("account", account.id))
    if was_enabled:
        _notify_and_commit(session, adapters, account, REMOVED_TEXT)
    else:
        session.commit()


def clear(account: Account) -> None:
    """Forget the authenticator (no commit): removal, and every password reset."""
    account.totp_enabled = False
    account.totp_secret = None
    account.totp_last_step = None
