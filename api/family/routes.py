"""A guardian's children (`/me/dependants...`) and the household quote (`/me/household/...`)."""
from __future__ import annotations

from flask import Response, current_app
from flask.views import MethodView

import db
from api.pagination import PageArgs, paginate
from api.smorest import Blueprint
from auth.roles import CITIZEN, current_actor
from policy import LINK_OR_CHILD_LIMIT_DETAIL
from services import card_checks, dependants, household, linking, runtime

from .schemas import (
    ChildSchema,
    DependantCardSchema,
    DependantCheckPageSchema,
    DependantPageSchema,
    DependantSchema,
    QuoteArgs,
    QuoteSchema,
)

blp = Blueprint("family", __name__, url_prefix="/me", description="Children under a guardian's account; household")


@blp.after_request
def _no_store(resp: Response) -> Response:
    resp.headers["Cache-Control"] = "no-store"
    return resp


@blp.route("/dependants")
class Dependants(MethodView):
    @blp.roles_required(CITIZEN)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, DependantPageSchema)
    def get(self, args):
        """My children under 18, each with its current card's number and state."""
        return dependants.list_for(db.hot_path_runner(), current_actor().account_id, args["page"], args["per_page"])

    @blp.roles_required(CITIZEN)
    @blp.arguments(ChildSchema)
    @blp.response(201, DependantSchema)
    def post(self, body: dict):
        """Add my child: the population registry must confirm the child and that I am a parent or guardian.

        422 `registry_mismatch`, 409 `already_linked`, 404 `not_linked` (link my own CCCD first),
        429 (the link attempts' budget), 503 `registry_unavailable`."""
        actor = current_actor()
        rt = runtime.get()
        # Adding a child asks the registry about a CCCD as linking does: it spends the same per-account
        # budget (one counter for both), so neither becomes an identity oracle.
        linking.count_attempt(rt.throttle, actor.account_id, LINK_OR_CHILD_LIMIT_DETAIL)
        child = dependants.ChildInput(body["cccd"], body["full_name"], body["date_of_birth"], body["gender"])
        return dependants.add(db.session(), rt.registry, actor.account_id, child, actor.audit_ref)


@blp.route("/dependants/<string:dependant_id>", methods=["DELETE"])
@blp.roles_required(CITIZEN)
@blp.response(204)
def remove_dependant(dependant_id: str):
    """Remove a child from my account (another guardian of the child keeps theirs)."""
    actor = current_actor()
    dependants.remove(db.session(), actor.account_id, dependant_id, actor.audit_ref)


@blp.route("/dependants/<string:dependant_id>/card")
@blp.roles_required(CITIZEN)
@blp.response(200, DependantCardSchema)
def dependant_card(dependant_id: str):
    """My child's current card with a fresh signed QR (404 `not_found`, 404 `no_card`)."""
    return dependants.card(db.hot_path_runner(), current_actor().account_id, dependant_id,
                           current_app.config["CARD_KEYS_DIR"])


@blp.route("/dependants/<string:dependant_id>/card-checks")
@blp.roles_required(CITIZEN)
@blp.arguments(PageArgs, location="query")
@blp.response(200, DependantCheckPageSchema)
def dependant_card_checks(args, dependant_id: str):
    """Every clinic check of my child's cards, newest first."""
    holder = dependants.holder_for_checks(db.hot_path_runner(), current_actor().account_id, dependant_id)
    return paginate(db.session(), card_checks.history_stmt(holder), args, lambda r: {
        "check_id": r[0], "checked_at": r[1].isoformat(), "facility_code": r[2],
        "facility_name": r[3], "result_code": r[4],
    })


@blp.route("/household/contribution-quote")
@blp.roles_required(CITIZEN)
@blp.arguments(QuoteArgs, location="query")
@blp.response(200, QuoteSchema)
def household_quote(args):
    """What renewing my household's BHYT costs for `months` (1-12) from `start_month`, member by member."""
    actor = current_actor()
    return household.quote(db.session(), runtime.get().registry, actor.account_id, args["months"],
                           args.get("start"), actor.audit_ref)
