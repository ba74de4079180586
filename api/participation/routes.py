"""`GET /me/participation`: the linked citizen's employment history (CONTRACT §6)."""
from __future__ import annotations

from sqlalchemy import select

import db
from api.errors import ApiError
from api.pagination import PageArgs, paginate
from auth.roles import CITIZEN, current_actor, roles_required
from models import Employment, InsuredPerson
from services.enrollment import month_str
from api.smorest import Blueprint

from .schemas import ParticipationPageSchema

blp = Blueprint("participation", __name__, url_prefix="/me/participation", description="Participation history")


@blp.route("", methods=["GET"])
@blp.doc(security=[{"bearer": []}])
@roles_required(CITIZEN)
@blp.arguments(PageArgs, location="query")
@blp.response(200, ParticipationPageSchema)
def participation(args):
    """Employment history across employers, newest first (404 not_linked without a linked record)."""
    session = db.session()
    person_id = session.scalar(select(InsuredPerson.id).where(InsuredPerson.account_id == current_actor().account_id))
    if person_id is None:
        raise ApiError(404, "not_linked", "Link your CCCD to an insurance record first (POST /me/link).")
    stmt = (select(Employment).where(Employment.person_id == person_id)
            .order_by(Employment.from_month.desc(), Employment.id.desc()))
    return paginate(session, stmt, args, lambda e: {
        "unit_code": e.unit_code, "unit_name": e.unit_name, "from_month": month_str(e.from_month),
        "to_month": month_str(e.to_month), "salary": e.salary, "job_title": e.job_title,
    })
