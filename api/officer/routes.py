"""Officer work: link reviews (list, approve, reject) and card revocation (CONTRACT §3)."""
from __future__ import annotations

import db
from api.pagination import page_schema, paginate
from api.smorest import Blueprint
from auth.roles import OFFICER, current_actor
from services import reviews

from .schemas import ApproveSchema, RejectSchema, ReviewListArgs, ReviewSchema, RevokedCardSchema, RevokeSchema

blp = Blueprint("officer", __name__, url_prefix="/officer", description="Officer reviews and card revocation")


@blp.route("/link-reviews", methods=["GET"])
@blp.roles_required(OFFICER)
@blp.arguments(ReviewListArgs, location="query")
@blp.response(200, page_schema(ReviewSchema, "ReviewPage"))
def list_reviews(args: dict):
    """Link reviews by status (pending by default), oldest first."""
    return paginate(db.session(), reviews.list_query(args["status"]), args, reviews.review_item)


@blp.route("/link-reviews/<int:review_id>/approve", methods=["POST"])
@blp.roles_required(OFFICER)
@blp.arguments(ApproveSchema)
@blp.response(200, ReviewSchema)
def approve_review(body: dict, review_id: int):
    """Link the record to the citizen and correct its name, date of birth and gender to the registry's."""
    actor = current_actor()
    return reviews.approve(db.session(), actor.audit_ref, actor.account_id, review_id, body.get("note"))


@blp.route("/link-reviews/<int:review_id>/reject", methods=["POST"])
@blp.roles_required(OFFICER)
@blp.arguments(RejectSchema)
@blp.response(200, ReviewSchema)
def reject_review(body: dict, review_id: int):
    """Refuse the link; the citizen sees the reason in GET /me/link."""
    actor = current_actor()
    return reviews.reject(db.session(), actor.audit_ref, actor.account_id, review_id, body["reason"])


@blp.route("/cards/<string:card_number>/revoke", methods=["POST"])
@blp.roles_required(OFFICER)
@blp.arguments(RevokeSchema)
@blp.response(200, RevokedCardSchema)
def revoke_card(body: dict, card_number: str):
    """Revoke a card (clinics then answer 110)."""
    actor = current_actor()
    return reviews.revoke_card(db.session(), actor.audit_ref, card_number, body["reason"])
