"""POST /clinic/visits (a clinic reports visits), GET /clinic/visits/{ma_lk} (one of its own) and
GET /me/visits (a citizen's history)."""
from __future__ import annotations

from flask import Response, request

import db
from api.pagination import PageArgs, page_schema, paginate
from api.smorest import Blueprint
from auth.roles import CITIZEN, CLINIC, current_actor
from errors import ValidationFailed
from services import visits
from services.cards import person_of_account

from .schemas import RecordedSchema, VisitFileSchema, VisitSchema

blp = Blueprint("visits", __name__, url_prefix="/", description="Medical visits (lịch sử KCB)")


@blp.after_request
def _no_store(resp: Response) -> Response:
    """Visits are health data (sensitive personal data): never kept by a cache."""
    resp.headers["Cache-Control"] = "no-store"
    return resp


@blp.route("/clinic/visits", methods=["POST"])
@blp.roles_required(CLINIC)
@blp.alt_response(200, schema=RecordedSchema, description="every visit recorded")
@blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": VisitFileSchema}}})
def submit_visits():
    """Report visits (the XML1 summary) as JSON: all are recorded, or none (422 naming each error).

    Re-sending a MA_LK replaces that visit; MA_CSKCB must be this clinic's facility."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or set(body) != {"visits"}:
        raise ValidationFailed({"_body": ["The body must be {\"visits\": [...]}."]})
    done = visits.record(db.session(), current_actor().facility_code, body["visits"])
    return {"submission_id": done.submission_id, "received_at": done.received_at.isoformat(),
            "recorded": len(done.visits),
            "visits": [{"ma_lk": v.ma_lk, "visit_id": v.visit_id, "replaced": v.replaced} for v in done.visits]}


@blp.route("/clinic/visits/<string:ma_lk>")
@blp.roles_required(CLINIC)
@blp.response(200, VisitSchema)
def clinic_visit(ma_lk: str):
    """One visit this clinic recorded (404 `visit_not_found` for another facility's)."""
    return visits.clinic_visit(db.session(), current_actor().facility_code or "", ma_lk)


@blp.route("/me/visits")
@blp.roles_required(CITIZEN)
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(VisitSchema, "VisitPage"))
def my_visits(args):
    """My insured visits, newest first: facility, dates, diagnosis, totals (404 `not_linked`)."""
    session = db.session()
    person = person_of_account(session, current_actor().account_id)
    return paginate(session, visits.person_visits_stmt(person.id), args, visits.item)
