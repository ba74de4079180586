"""POST/GET /me/link: tie the citizen's account and CCCD to their insurance record (CONTRACT §3)."""
from __future__ import annotations

from flask.views import MethodView

import db
from api.smorest import Blueprint
from auth.roles import CITIZEN, current_actor
from services import linking, runtime

from .schemas import LinkRequestSchema, LinkResultSchema, LinkStatusSchema

blp = Blueprint("links", __name__, url_prefix="/me/link", description="Link a CCCD to an insurance record")


@blp.route("")
class Link(MethodView):
    @blp.roles_required(CITIZEN)
    @blp.response(200, LinkStatusSchema)
    def get(self):
        """Where my link stands: none, pending_review, linked or rejected (with the officer's reason)."""
        return linking.link_status(db.session(), current_actor().account_id)

    @blp.roles_required(CITIZEN)
    @blp.arguments(LinkRequestSchema)
    @blp.response(200, LinkResultSchema)
    @blp.alt_response(202, schema=LinkResultSchema, description="Pending an officer's review")
    def post(self, body: dict):
        """Link my CCCD to my insurance record (checked against the population registry)."""
        actor = current_actor()
        rt = runtime.get()
        linking.count_attempt(rt.throttle, actor.account_id)
        data = linking.LinkInput(cccd=body["cccd"], full_name=body["full_name"], date_of_birth=body["date_of_birth"],
                                 gender=body["gender"], bhxh_code=body.get("bhxh_code"))
        result = linking.link(db.session(), rt.registry, actor.account_id, data, actor.audit_ref)
        return result, (200 if result["status"] == "linked" else 202)
