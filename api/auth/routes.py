"""Registration, login with a one-time code, token refresh, logout, password reset (CONTRACT §2)."""
from __future__ import annotations

from flask import request

import db
from api import limits as address_limits
from api.smorest import Blueprint
from auth import devices, sessions
from auth.roles import CITIZEN, OFFICER, current_actor
from errors import BearerUnauthorized
from policy import ADDRESS_LIMITS, RESEND_COOLDOWN_S
from services import accounts, challenges, runtime
from services.identifiers import normalize_phone

from .schemas import (
    ChallengeSchema,
    ForgotAnswerSchema,
    ForgotSchema,
    LoginChallengeSchema,
    LoginSchema,
    LoginTokensSchema,
    RegisteredSchema,
    RegisterSchema,
    ResendSchema,
    ResetSchema,
    TokenPairSchema,
    VerifySchema,
)

blp = Blueprint("auth", __name__, url_prefix="/auth", description="Citizen and officer accounts, OTP login")

LIMITS = ADDRESS_LIMITS  # per client address; the numbers and why they are so high: policy.py
address_limit = address_limits.address_limit


def known_device() -> bool:
    """The login comes from a device that logged in to this phone before (valid device token):
    the address's failure budget does not apply to it (api/limits.py, auth/devices.py)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("device_token"), str):
        return False
    phone = normalize_phone(str(body.get("phone", ""))[:20])
    return phone is not None and devices.verify(body["device_token"], phone) is not None


def _challenge(ch) -> dict:
    return {"challenge_id": ch.id, "expires_in": challenges.expires_in(ch), "resend_after": RESEND_COOLDOWN_S}


@blp.route("/register", methods=["POST"])
@blp.public
@address_limit("REGISTER")
@blp.arguments(RegisterSchema)
@blp.response(202, ChallengeSchema)
def register(data):
    """Start a registration: an SMS code goes to the phone.

    The answer is the same for a phone that already has an account (its SMS says so, with no code).
    """
    ch = accounts.register(db.session(), runtime.get(), data["phone"], data["password"], data["full_name"])
    return _challenge(ch)


@blp.route("/register/verify", methods=["POST"])
@blp.public
@address_limit("VERIFY")
@blp.arguments(VerifySchema)
@blp.response(201, RegisteredSchema)
def register_verify(data):
    """Finish a registration with the SMS code: the account and a first token pair."""
    account, tokens = accounts.verify_registration(db.session(), data["challenge_id"], data["otp"])
    return {"account": {"id": account.id, "phone": account.phone, "full_name": account.full_name,
                        "roles": [account.role]}, **tokens}


@blp.route("/login", methods=["POST"])
@blp.public
@address_limit("LOGIN", failures_only=True, exempt=known_device)
@blp.arguments(LoginSchema)
@blp.response(202, LoginChallengeSchema)
def login(data):
    """Check phone and password; then a code is needed (SMS, or the authenticator app: `channel`)."""
    ch = accounts.login(db.session(), runtime.get(), data["phone"], data["password"], data.get("device_token"))
    return {"challenge_id": ch.id, "channel": ch.channel, "expires_in": challenges.expires_in(ch)}


@blp.route("/login/verify", methods=["POST"])
@blp.public
@address_limit("VERIFY")
@blp.arguments(VerifySchema)
@blp.response(200, LoginTokensSchema)
def login_verify(data):
    """Finish a login with the code: an access token (15 min) and a refresh token."""
    return accounts.verify_login(db.session(), runtime.get(), data["challenge_id"], data["otp"])


@blp.route("/otp/resend", methods=["POST"])
@blp.public
@address_limit("RESEND")
@blp.arguments(ResendSchema)
@blp.response(202, ChallengeSchema)
def otp_resend(data):
    """A new SMS code for a challenge (60 s after the last one at the earliest); the old code dies."""
    return _challenge(challenges.resend(db.session(), runtime.get(), data["challenge_id"]))


@blp.route("/refresh", methods=["POST"])
@blp.bearer_checked_by_view
@blp.response(200, TokenPairSchema)
@blp.doc(description="Send the refresh token as `Authorization: Bearer <refresh_token>`.")
def refresh():
    """A new token pair for a refresh token, which dies; a dead one again revokes the whole login."""
    scheme, _, raw = (request.headers.get("Authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise BearerUnauthorized("Send the refresh token as a Bearer token.")
    return sessions.refresh(db.session(), raw.strip())


@blp.route("/logout", methods=["POST"])
@blp.roles_required(CITIZEN, OFFICER)
@blp.response(204)
def logout():
    """End this login: its access token and refresh tokens stop working at once."""
    actor = current_actor()
    accounts.logout(db.session(), actor.account_id, actor.session_id)


@blp.route("/password/forgot", methods=["POST"])
@blp.public
@address_limit("FORGOT")
@blp.arguments(ForgotSchema)
@blp.response(202, ForgotAnswerSchema)
def password_forgot(data):
    """Start a password reset; the answer is the same whether or not the phone has an account."""
    ch = accounts.forgot_password(db.session(), runtime.get(), data["phone"])
    return {"challenge_id": ch.id}


@blp.route("/password/reset", methods=["POST"])
@blp.public
@address_limit("VERIFY")
@blp.arguments(ResetSchema)
@blp.response(204)
def password_reset(data):
    """Set a new password with the SMS code; every login of the account is ended."""
    accounts.reset_password(db.session(), runtime.get(), data["challenge_id"], data["otp"], data["new_password"])
