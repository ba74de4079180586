"""The signed-in account: profile and authenticator-app enrollment (CONTRACT §2)."""
from __future__ import annotations

from flask import jsonify

import db
from api.smorest import Blueprint
from auth.roles import CITIZEN, OFFICER, current_actor
from services import accounts, authenticator, runtime, subject_access
from services.linking import link_status

from .schemas import MeSchema, TotpBeginSchema, TotpConfirmSchema, TotpRemoveSchema, TotpSetupSchema

blp = Blueprint("me", __name__, url_prefix="/me", description="The signed-in account")


@blp.route("", methods=["GET"])
@blp.roles_required(CITIZEN, OFFICER)
@blp.response(200, MeSchema)
def me():
    """Who I am, my roles, and the state of my CCCD / insurance link."""
    session = db.session()
    account_id = current_actor().account_id
    return accounts.profile(session, account_id, link_status(session, account_id))


@blp.route("/totp", methods=["POST"])
@blp.roles_required(CITIZEN, OFFICER)
@blp.arguments(TotpBeginSchema)
@blp.response(200, TotpSetupSchema)
def totp_begin(data):
    """A new authenticator-app secret (password needed); not used for login until confirmed."""
    return authenticator.begin(db.session(), runtime.get(), current_actor().account_id, data["password"])


@blp.route("/totp/confirm", methods=["POST"])
@blp.roles_required(CITIZEN, OFFICER)
@blp.arguments(TotpConfirmSchema)
@blp.response(204)
def totp_confirm(data):
    """Confirm the app with a current code and the password; login then asks for an app code, and
    the owner gets an SMS notice."""
    authenticator.confirm(db.session(), runtime.get(), current_actor().account_id, data["password"], data["otp"])


@blp.route("/totp", methods=["DELETE"])
@blp.roles_required(CITIZEN, OFFICER)
@blp.arguments(TotpRemoveSchema)
@blp.response(204)
def totp_remove(data):
    """Remove the authenticator app (password needed); login codes go by SMS again, and the owner
    gets an SMS notice."""
    authenticator.remove(db.session(), runtime.get(), current_actor().account_id, data["password"])


@blp.route("/data", methods=["GET"])
@blp.roles_required(CITIZEN)
@blp.response(200, description="Everything held about me, as one JSON document")
def my_data():
    """Data-subject access: my account, logins, consents, link requests, insurance record, cards,
    every check of my cards and my employment history (no secrets). The export is audited."""
    actor = current_actor()
    resp = jsonify(subject_access.export_for(db.session(), actor.audit_ref, actor.account_id))
    resp.headers["Cache-Control"] = "no-store"
    return resp
