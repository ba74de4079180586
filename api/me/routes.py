"""The signed-in account: profile and authenticator-app enrollment (CONTRACT §2)."""
from __future__ import annotations

from flask_smorest import Blueprint

import db
from auth.roles import CITIZEN, OFFICER, current_actor, roles_required
from services import accounts

from .schemas import MeSchema, TotpConfirmSchema, TotpSetupSchema

blp = Blueprint("me", __name__, url_prefix="/me", description="The signed-in account")

_NO_LINK = {"status": "none", "bhxh_code": None, "cccd": None, "review_id": None, "reason": None}


def _link(session, account_id: int) -> dict:
    try:  # services/linking.py (issue 3) owns the link state; imported late so /me works without it
        from services.linking import link_status
    except ImportError:
        return dict(_NO_LINK)
    return link_status(session, account_id)


@blp.route("", methods=["GET"])
@roles_required(CITIZEN, OFFICER)
@blp.response(200, MeSchema)
@blp.doc(security=[{"bearer": []}])
def me():
    """Who I am, my roles, and the state of my CCCD / insurance link."""
    session = db.session()
    account_id = current_actor().account_id
    return accounts.profile(session, account_id, _link(session, account_id))


@blp.route("/totp", methods=["POST"])
@roles_required(CITIZEN, OFFICER)
@blp.response(200, TotpSetupSchema)
@blp.doc(security=[{"bearer": []}])
def totp_begin():
    """A new authenticator-app secret; not used for login until confirmed with a code."""
    return accounts.totp_begin(db.session(), current_actor().account_id)


@blp.route("/totp/confirm", methods=["POST"])
@roles_required(CITIZEN, OFFICER)
@blp.arguments(TotpConfirmSchema)
@blp.response(204)
@blp.doc(security=[{"bearer": []}])
def totp_confirm(data):
    """Confirm the app with a current code; from now on login asks for an app code, not an SMS."""
    accounts.totp_confirm(db.session(), current_actor().account_id, data["otp"])
