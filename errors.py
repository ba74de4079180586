"""Refusals, at the bottom of the house: every layer raises these, only `api/errors.py` renders them.

Each family has a class-level HTTP `status` and a default `code`; a typed refusal is a subclass
that sets its own `code` (and usually its `detail`):

    class AlreadyLinked(Conflict):
        code = "already_linked"
        detail = "This CCCD is already linked to another account."

    raise AlreadyLinked()                       # the class's own detail
    raise AlreadyLinked("Something more exact")  # or one given here

Adapters (registry, SMS, push) raise `Unavailable` subclasses, so one handler maps each of them
to one answer wherever it surfaces. Nothing here knows Flask: the CLI prints the same errors.
"""
from __future__ import annotations

import math
from typing import Any, ClassVar


class AppError(Exception):
    """A refusal with a stable snake_case `code`, told to the client as a problem document."""

    status: ClassVar[int] = 400
    code: str = "bad_request"
    detail: str | None = None
    title: ClassVar[str | None] = None

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        errors: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        if detail is not None:
            self.detail = detail
        if code is not None:
            self.code = code
        self.errors = errors
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})
        super().__init__(self.detail or self.code)


# ---- families (one per HTTP status) ------------------------------------------------------------

class BadRequest(AppError):
    status = 400
    code = "bad_request"


class Unauthorized(AppError):
    status = 401
    code = "unauthorized"


class Forbidden(AppError):
    status = 403
    code = "forbidden"


class NotFound(AppError):
    status = 404
    code = "not_found"


class Conflict(AppError):
    status = 409
    code = "conflict"


class PayloadTooLarge(AppError):
    status = 413
    code = "payload_too_large"


class Invalid(AppError):
    """422: the request is well-formed but its values break a rule."""

    status = 422
    code = "validation_error"
    detail = "The request has invalid fields."


class RateLimited(AppError):
    """429 with `Retry-After` (whole seconds, at least 1) in the header and the body."""

    status = 429
    code = "rate_limited"

    def __init__(self, detail: str | None = None, *, retry_after: float, code: str | None = None,
                 **kwargs: Any) -> None:
        self.retry_after = max(1, math.ceil(retry_after))
        super().__init__(detail or f"Too many requests; try again in {self.retry_after} s.", code=code, **kwargs)
        self.headers.setdefault("Retry-After", str(self.retry_after))
        self.extra.setdefault("retry_after", self.retry_after)


class Unavailable(AppError):
    """503: something this service depends on is not answering; the client may retry.

    `Retry-After` always; `retry_after` in the body too when the class sets `tells_retry_after`."""

    status = 503
    code = "service_unavailable"
    retry_after: int = 5
    tells_retry_after: ClassVar[bool] = False

    def __init__(self, detail: str | None = None, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(detail, **kwargs)
        if retry_after is not None:
            self.retry_after = max(1, int(retry_after))
        self.headers.setdefault("Retry-After", str(self.retry_after))
        if self.tells_retry_after:
            self.extra.setdefault("retry_after", self.retry_after)


class AdapterUnavailable(Unavailable):
    """Raised by an adapter (registry, SMS, throttle store). The first argument is the internal
    reason, for the logs only: the client gets the class's own `detail`, the same wherever it surfaces."""

    def __init__(self, reason: str = "", retry_after: float | None = None) -> None:
        super().__init__(retry_after=retry_after)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason or self.code


# ---- refusals shared by several layers ---------------------------------------------------------

class ValidationFailed(Invalid):
    """422 validation_error with `errors: {field: [messages]}`."""

    def __init__(self, errors: dict[str, Any], detail: str | None = None) -> None:
        super().__init__(detail, errors=errors)


class DatabaseUnavailable(Unavailable):
    code = "database_unavailable"
    detail = "The database is briefly unavailable; retry shortly."
    retry_after = 2


class BearerUnauthorized(Unauthorized):
    """401 with `WWW-Authenticate: Bearer` (RFC 6750); `code` says which: unauthorized, token_expired, ..."""

    def __init__(self, detail: str | None = None, *, code: str | None = None, **kwargs: Any) -> None:
        super().__init__(detail, code=code, **kwargs)
        self.headers.setdefault("WWW-Authenticate", "Bearer")


class NotLinked(NotFound):
    code = "not_linked"
    detail = "This account is not linked to an insurance record yet."


class AlreadyLinked(Conflict):
    code = "already_linked"
    detail = "This CCCD or insurance record is already linked."


class ChallengeNotFound(NotFound):
    code = "challenge_not_found"
    detail = "No such challenge; start again."


class AccountExists(Conflict):
    code = "account_exists"
    detail = "This phone number already has an account."


class InvalidOtp(BadRequest):
    code = "invalid_otp"
    detail = "The code is not right."
