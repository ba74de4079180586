"""POST/GET /me/link: tie the citizen's account and CCCD to their insurance record (CONTRACT §3)."""
from __future__ import annotations

from flask.views import MethodView

import db
from api.errors import ApiError, rate_limited
from auth.roles import CITIZEN, current_actor, roles_required
from auth.throttle import ThrottleUnavailable
from integrations.registry import RegistryUnavailable
from services import linking, runtime
from api.smorest import Blueprint

from .schemas import LinkRequestSchema, LinkResultSchema, LinkStatusSchema

blp = Blueprint("links", __name__, url_prefix="/me/link", description="Link a CCCD to an insurance record")

ATTEMPTS_PER_HOUR = 5
_STATUS = {"registry_mismatch": 422, "insurance_record_not_found": 404, "already_linked": 409}


@blp.route("")
class Link(MethodView):
    @blp.doc(security=[{"bearer": []}])
    @roles_required(CITIZEN)
    @blp.response(200, LinkStatusSchema)
    def get(self):
        """Where my link stands: none, pending_review, linked or rejected (with the officer's reason)."""
        return linking.link_status(db.session(), current_actor().account_id)

    @blp.doc(security=[{"bearer": []}])
    @roles_required(CITIZEN)
    @blp.arguments(LinkRequestSchema)
    @blp.response(200, LinkResultSchema)
    @blp.alt_response(202, schema=LinkResultSchema, description="Pending an officer's review")
    def post(self, body: dict):
        """Link my CCCD to my insurance record (checked against the population registry)."""
        actor = current_actor()
        account_id = actor.account_id
        rt = runtime.get()
        try:
            verdict = rt.throttle.hit(f"link:{account_id}", ATTEMPTS_PER_HOUR, 3600)
        except ThrottleUnavailable:
            raise ApiError(503, "service_unavailable", "Cannot count link attempts right now; try again later.",
                           headers={"Retry-After": "30"})
        if not verdict.allowed:
            raise rate_limited(verdict.retry_after, detail="At most 5 link attempts per hour.")
        data = linking.LinkInput(cccd=body["cccd"], full_name=body["full_name"], date_of_birth=body["date_of_birth"],
                                 gender=body["gender"], bhxh_code=body.get("bhxh_code"))
        session = db.session()
        try:
            result = linking.link(session, rt.registry, account_id, data, actor.audit_ref)
        except RegistryUnavailable as exc:
            session.rollback()
            raise ApiError(503, "registry_unavailable", "The population registry is not answering; try again later.",
                           headers={"Retry-After": str(exc.retry_after)}, extra={"retry_after": exc.retry_after})
        except linking.LinkError as exc:
            raise ApiError(_STATUS[exc.code], exc.code, exc.detail)
        return result, (200 if result["status"] == "linked" else 202)
