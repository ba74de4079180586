"""Access tokens (JWT, HS256, 15 min) via flask-jwt-extended, and their failures as problem documents.

Account tokens carry `sid`, the login session: logout or a reuse alarm revokes the session, and
every access token of it stops working at once (checked on each request by primary key).
Client tokens (clinic, employer) carry their binding (facility / unit + province) instead.
"""
from __future__ import annotations

from flask import Flask
from flask_jwt_extended import JWTManager, create_access_token
from sqlalchemy import bindparam, select

import clock
import db
from errors import BearerUnauthorized
from models import LoginSession
from policy import ACCESS_TOKEN_TTL as ACCESS_TTL

jwt = JWTManager()


def init_app(app: Flask) -> None:
    app.config.update(
        JWT_SECRET_KEY=app.config["SECRET_KEY"],
        JWT_ALGORITHM="HS256",
        JWT_DECODE_ALGORITHMS=["HS256"],  # allow-list: never `none`, never an asymmetric confusion
        JWT_ACCESS_TOKEN_EXPIRES=ACCESS_TTL,
        JWT_TOKEN_LOCATION=["headers"],
        JWT_IDENTITY_CLAIM="sub",
        JWT_ENCODE_ISSUER="vssid-backend",
        JWT_DECODE_ISSUER="vssid-backend",
        JWT_ENCODE_AUDIENCE="vssid-api",
        JWT_DECODE_AUDIENCE="vssid-api",
        JWT_ENCODE_NBF=True,
        PROPAGATE_EXCEPTIONS=False,
    )
    jwt.init_app(app)


def issue_access_token(subject: str, claims: dict) -> str:
    return create_access_token(identity=subject, additional_claims=claims, expires_delta=ACCESS_TTL)


def access_token_ttl_seconds() -> int:
    return int(ACCESS_TTL.total_seconds())


@jwt.token_in_blocklist_loader
def _revoked(_header: dict, payload: dict) -> bool:
    return is_revoked(payload)


_SESSION_STATE = select(LoginSession.revoked_at, LoginSession.expires_at).where(LoginSession.id == bindparam("sid"))


def is_revoked(payload: dict) -> bool:
    """An account token dies with its login session (logout, password reset, refresh reuse).
    Read on every citizen and officer request: one prepared statement outside any transaction."""
    sid = payload.get("sid")
    if sid is None:
        return False
    found = db.hot_path_runner().rows(_SESSION_STATE, {"sid": sid})
    if not found:
        return True
    revoked_at, expires_at = found[0]
    return revoked_at is not None or expires_at <= clock.now()


def _unauthorized(code: str, detail: str):
    # flask-jwt-extended wants a response from its loaders: the API's renderer builds it (no
    # import of api/ here, which sits above auth/).
    from flask import current_app

    return current_app.handle_user_exception(BearerUnauthorized(detail, code=code))


@jwt.unauthorized_loader
def _missing(reason: str):
    return _unauthorized("unauthorized", "A Bearer access token is required.")


@jwt.invalid_token_loader
def _invalid(reason: str):
    return _unauthorized("unauthorized", "The access token is not valid.")


@jwt.expired_token_loader
def _expired(_header, _payload):
    return _unauthorized("token_expired", "The access token has expired.")


@jwt.revoked_token_loader
def _revoked_answer(_header, _payload):
    return _unauthorized("token_revoked", "The access token has been revoked.")


@jwt.needs_fresh_token_loader
def _needs_fresh(_header, _payload):
    return _unauthorized("unauthorized", "A fresh login is required.")


@jwt.user_lookup_error_loader
def _lookup_error(_header, _payload):
    return _unauthorized("unauthorized", "The token's subject no longer exists.")
