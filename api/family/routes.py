"""A guardian's children (`/me/dependants...`) and the household quote (`/me/household/...`)."""
from __future__ import annotations

from flask import Response, current_app
from flask.views import MethodView

import db
import errors
from api.links.routes import ATTEMPTS_PER_HOUR
from api.pagination import PageArgs, paginate
from api.smorest import Blueprint
from auth.roles import CITIZEN, current_actor, roles_required
from auth.throttle import ThrottleUnavailable
from integrations.registry import RegistryUnavailable
from services import card_checks, dependants, household, runtime

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
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]


class RegistryDown(errors.Unavailable):
    code = "registry_unavailable"
    detail = "The population registry is not answering; try again later."


@blp.after_request
def _no_store(resp: Response) -> Response:
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _count_attempt(account_id: int) -> None:
    """Adding a child asks the registry about a CCCD as linking does: it spends the same
    per-account budget (one counter for both), so neither becomes an identity oracle."""
    try:
        verdict = runtime.get().throttle.hit(f"link:{account_id}", ATTEMPTS_PER_HOUR, 3600)
    except ThrottleUnavailable:
        raise errors.Unavailable("Cannot count attempts right now; try again later.") from None
    if not verdict.allowed:
        raise errors.RateLimited(f"At most {ATTEMPTS_PER_HOUR} link or add-a-child attempts per hour.",
                                 retry_after=verdict.retry_after)


def _registry_down(exc: RegistryUnavailable) -> RegistryDown:
    db.session().rollback()
    return RegistryDown(headers={"Retry-After": str(exc.retry_after)}, extra={"retry_after": exc.retry_after})


@blp.route("/dependants")
class Dependants(MethodView):
    @blp.doc(security=BEARER)
    @roles_required(CITIZEN)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, DependantPageSchema)
    def get(self, args):
        """My children under 18, each with its current card's number and state."""
        return dependants.list_for(db.hot_path_runner(), current_actor().account_id, args["page"], args["per_page"])

    @blp.doc(security=BEARER)
    @roles_required(CITIZEN)
    @blp.arguments(ChildSchema)
    @blp.response(201, DependantSchema)
    def post(self, body: dict):
        """Add my child: the population registry must confirm the child and that I am a parent or guardian.

        422 `registry_mismatch`, 409 `already_linked`, 404 `not_linked` (link my own CCCD first),
        429 (the link attempts' budget), 503 `registry_unavailable`."""
        actor = current_actor()
        _count_attempt(actor.account_id)
        child = dependants.ChildInput(body["cccd"], body["full_name"], body["date_of_birth"], body["gender"])
        try:
            return dependants.add(db.session(), runtime.get().registry, actor.account_id, child, actor.audit_ref)
        except RegistryUnavailable as exc:
            raise _registry_down(exc) from exc


@blp.route("/dependants/<string:dependant_id>", methods=["DELETE"])
@blp.doc(security=BEARER)
@roles_required(CITIZEN)
@blp.response(204)
def remove_dependant(dependant_id: str):
    """Remove a child from my account (another guardian of the child keeps theirs)."""
    actor = current_actor()
    dependants.remove(db.session(), actor.account_id, dependant_id, actor.audit_ref)


@blp.route("/dependants/<string:dependant_id>/card")
@blp.doc(security=BEARER)
@roles_required(CITIZEN)
@blp.response(200, DependantCardSchema)
def dependant_card(dependant_id: str):
    """My child's current card with a fresh signed QR (404 `not_found`, 404 `no_card`)."""
    return dependants.card(db.hot_path_runner(), current_actor().account_id, dependant_id,
                           current_app.config["CARD_KEYS_DIR"])


@blp.route("/dependants/<string:dependant_id>/card-checks")
@blp.doc(security=BEARER)
@roles_required(CITIZEN)
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
@blp.doc(security=BEARER)
@roles_required(CITIZEN)
@blp.arguments(QuoteArgs, location="query")
@blp.response(200, QuoteSchema)
def household_quote(args):
    """What renewing my household's BHYT costs for `months` (1-12) from `start_month`, member by member."""
    actor = current_actor()
    try:
        return household.quote(db.session(), runtime.get().registry, actor.account_id, args["months"],
                               args.get("start"), actor.audit_ref)
    except RegistryUnavailable as exc:
        raise _registry_down(exc) from exc
