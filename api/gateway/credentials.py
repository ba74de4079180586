"""The gateway's credentials, one decorator for every /api/egw/* view (and any later /api/* gateway
call): query-string `token`, `id_token`, `username`, `password` (in any order, as HIS systems send
them, encoded or not) or a Bearer header; the answers in the gateway's own dialect.

- Missing, bad or expired credentials, a deactivated client, an address outside the client's
  allow-list: HTTP 401 with `{"maKetQua": "401", "ghiChu": ...}`. HTTP 401 (not 200) because
  VIMES and csr refresh their token only on a 401 status, and qlbv reads a 4xx body as the answer.
- The per-client / per-staff limits: HTTP 429, `Retry-After`, `{"maKetQua": "429"}`.
- A request that never reached the check (too large, wrong content type, a NUL byte): the
  service's problem document (JSON, 413 / 415 / 422) as on every endpoint; an ill-formed field is
  `maKetQua` `205` with HTTP 200.
- Anything unexpected: HTTP 500 `{"maKetQua": "500"}`. Never an HTML page.

The query's `password` is not re-hashed on each call (Argon2id at every check would cost more
than the check): the token was issued against it, and `username`, when sent, must be the token's.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from flask import current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from api.clinic.desk import require_allowed_address
from api.errors import handle_app_error, handle_http_exception
from auth import gateway as gateway_auth
from auth.roles import CLINIC, Actor
from errors import AdapterUnavailable, AppError

log = logging.getLogger(__name__)
MESSAGES = {
    "401": "Lỗi xác thực tài khoản: token không đúng hoặc đã hết hạn",
    "429": "Quá nhiều lượt tra cứu; thử lại sau",
    "500": "Lỗi máy chủ",
}


class GatewayRefusal(Exception):
    """A gateway credential problem; the reason goes to the log, the client sees "401"."""


def gateway_answer(code: str, status: int, headers: dict | None = None, note: str | None = None):
    resp = jsonify({"maKetQua": code, "ghiChu": note or MESSAGES[code]})
    resp.status_code = status
    resp.headers.update(headers or {})
    return resp


def _token() -> str | None:
    token = request.args.get("token")
    if token:
        return token.strip()
    scheme, _, bearer = request.headers.get("Authorization", "").partition(" ")
    return bearer.strip() if scheme.lower() == "bearer" and bearer.strip() else None


def gateway_actor() -> Actor:
    """The clinic whose credentials this request carries, or GatewayRefusal."""
    token = _token()
    if not token:
        raise GatewayRefusal("no token")
    claims = gateway_auth.verified_claims(current_app.extensions.setdefault("verified_gateway_tokens", {}), token)
    if claims is None or claims.get("typ") != "access" or claims.get("role") != CLINIC:
        raise GatewayRefusal("token not valid or not a clinic's")
    if "gid" in claims:  # a token from /api/token/take: the pair and the user must agree
        if request.args.get("id_token", "").strip() != claims["gid"] and "token" in request.args:
            raise GatewayRefusal("id_token does not match")
        username = request.args.get("username")
        if username is not None and username.strip() != claims.get("gwu"):
            raise GatewayRefusal("username does not match")
    return Actor(role=CLINIC, subject=str(claims["sub"]), facility_code=claims.get("fac"))


def gateway_credentials(fn: Callable) -> Callable:
    """Guard a gateway view; the actor is then in `auth.roles.current_actor()`."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            actor = gateway_actor()
        except GatewayRefusal as exc:
            log.info("gateway credentials refused: %s", exc)
            return gateway_answer("401", 401)
        require_allowed_address(actor.subject)
        g.actor = actor
        return fn(*args, **kwargs)

    wrapper._roles = frozenset({CLINIC})  # type: ignore[attr-defined]  # read by the OpenAPI and matrix checks
    return wrapper


def _app_error(error: AppError):
    if error.status == 401:
        return gateway_answer("401", 401)
    if error.status == 429:
        return gateway_answer("429", 429, {"Retry-After": error.headers.get("Retry-After", "60")})
    if 400 <= error.status < 500:  # the body never reached the check (size, type, NUL): as everywhere
        return handle_app_error(error)
    if isinstance(error, AdapterUnavailable):
        log.warning("gateway: %s unavailable: %s", type(error).__name__, error)
    return gateway_answer("500", error.status, {k: v for k, v in error.headers.items() if k == "Retry-After"})


def _http_error(error: HTTPException):
    code = error.code or 500
    if code == 401:
        return gateway_answer("401", 401)
    return handle_http_exception(error) if 400 <= code < 500 else gateway_answer("500", code)


def _unexpected(error: Exception):
    if isinstance(error, HTTPException):
        return _http_error(error)
    if isinstance(error, AppError):
        return _app_error(error)
    log.exception("gateway: unhandled error: %s", type(error).__name__)
    return gateway_answer("500", 500)


def install_error_answers(blp) -> None:
    """Every failure under this blueprint is a gateway JSON answer, never a problem page."""
    blp.register_error_handler(AppError, _app_error)
    blp.register_error_handler(HTTPException, _http_error)
    blp.register_error_handler(Exception, _unexpected)
