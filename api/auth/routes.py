"""Registration, login with a one-time code, token refresh, logout, password reset (CONTRACT §2)."""
from __future__ import annotations

from flask import request

import db
from api.errors import ApiError
from auth import otp, sessions
from auth.roles import CITIZEN, OFFICER, current_actor, roles_required
from services import accounts, challenges

from api import limits as address_limits
from api.smorest import Blueprint
from .schemas import (
    ChallengeSchema, ForgotAnswerSchema, ForgotSchema, LoginChallengeSchema, LoginSchema, RegisteredSchema,
    RegisterSchema, ResendSchema, ResetSchema, TokenPairSchema, VerifySchema,
)

blp = Blueprint("auth", __name__, url_prefix="/auth", description="Citizen and officer accounts, OTP login")

# Per client address. Carriers and clinics put many people behind one address (CONTRACT §2 asks for
# at least 100 registrations and 300 logins an hour), so these only stop floods; the per-phone and
# per-account rules in services/ do the real work. Overridable for tests and operators.
LIMITS = {
    "REGISTER": "200/hour",
    "LOGIN": "600/hour",
    "VERIFY": "1200/hour",
    "RESEND": "300/hour",
    "FORGOT": "200/hour",
}


def address_limit(name: str):
    return address_limits.address_limit(name, LIMITS[name])


def _challenge(ch) -> dict:
    return {"challenge_id": ch.id, "expires_in": challenges.expires_in(ch), "resend_after": otp.RESEND_COOLDOWN_S}


@blp.route("/register", methods=["POST"])
@address_limit("REGISTER")
@blp.arguments(RegisterSchema)
@blp.response(202, ChallengeSchema)
@blp.doc(security=[])
def register(data):
    """Start a registration: an SMS code goes to the phone.

    The answer is the same for a phone that already has an account (its SMS says so, with no code).
    """
    return _challenge(accounts.register(db.session(), data["phone"], data["password"], data["full_name"]))


@blp.route("/register/verify", methods=["POST"])
@address_limit("VERIFY")
@blp.arguments(VerifySchema)
@blp.response(201, RegisteredSchema)
@blp.doc(security=[])
def register_verify(data):
    """Finish a registration with the SMS code: the account and a first token pair."""
    account, tokens = accounts.verify_registration(db.session(), data["challenge_id"], data["otp"])
    return {"account": {"id": account.id, "phone": account.phone, "full_name": account.full_name,
                        "roles": [account.role]}, **tokens}


@blp.route("/login", methods=["POST"])
@address_limit("LOGIN")
@blp.arguments(LoginSchema)
@blp.response(202, LoginChallengeSchema)
@blp.doc(security=[])
def login(data):
    """Check phone and password; then a code is needed (SMS, or the authenticator app: `channel`)."""
    ch = accounts.login(db.session(), data["phone"], data["password"])
    return {"challenge_id": ch.id, "channel": ch.channel, "expires_in": challenges.expires_in(ch)}


@blp.route("/login/verify", methods=["POST"])
@address_limit("VERIFY")
@blp.arguments(VerifySchema)
@blp.response(200, TokenPairSchema)
@blp.doc(security=[])
def login_verify(data):
    """Finish a login with the code: an access token (15 min) and a refresh token."""
    return accounts.verify_login(db.session(), data["challenge_id"], data["otp"])


@blp.route("/otp/resend", methods=["POST"])
@address_limit("RESEND")
@blp.arguments(ResendSchema)
@blp.response(202, ChallengeSchema)
@blp.doc(security=[])
def otp_resend(data):
    """A new SMS code for a challenge (60 s after the last one at the earliest); the old code dies."""
    return _challenge(challenges.resend(db.session(), data["challenge_id"]))


@blp.route("/refresh", methods=["POST"])
@blp.response(200, TokenPairSchema)
@blp.doc(security=[{"bearer": []}], description="Send the refresh token as `Authorization: Bearer <refresh_token>`.")
def refresh():
    """A new token pair for a refresh token, which dies; a dead one again revokes the whole login."""
    scheme, _, raw = (request.headers.get("Authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise ApiError(401, "unauthorized", "Send the refresh token as a Bearer token.",
                       headers={"WWW-Authenticate": "Bearer"})
    return sessions.refresh(db.session(), raw.strip())


@blp.route("/logout", methods=["POST"])
@roles_required(CITIZEN, OFFICER)
@blp.response(204)
@blp.doc(security=[{"bearer": []}])
def logout():
    """End this login: its access token and refresh tokens stop working at once."""
    actor = current_actor()
    accounts.logout(db.session(), actor.account_id, actor.session_id)


@blp.route("/password/forgot", methods=["POST"])
@address_limit("FORGOT")
@blp.arguments(ForgotSchema)
@blp.response(202, ForgotAnswerSchema)
@blp.doc(security=[])
def password_forgot(data):
    """Start a password reset; the answer is the same whether or not the phone has an account."""
    ch = accounts.forgot_password(db.session(), data["phone"])
    return {"challenge_id": ch.id}


@blp.route("/password/reset", methods=["POST"])
@address_limit("VERIFY")
@blp.arguments(ResetSchema)
@blp.response(204)
@blp.doc(security=[])
def password_reset(data):
    """Set a new password with the SMS code; every login of the account is ended."""
    accounts.reset_password(db.session(), data["challenge_id"], data["otp"], data["new_password"])
