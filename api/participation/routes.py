"""`GET /me/participation`: the linked citizen's employment history (CONTRACT §6)."""
from __future__ import annotations

import db
from api.pagination import PageArgs, paginate
from api.smorest import Blueprint
from auth.roles import CITIZEN, current_actor
from services import participation as history

from .schemas import ParticipationPageSchema

blp = Blueprint("participation", __name__, url_prefix="/me/participation", description="Participation history")


@blp.route("", methods=["GET"])
@blp.roles_required(CITIZEN)
@blp.arguments(PageArgs, location="query")
@blp.response(200, ParticipationPageSchema)
def participation(args):
    """Employment history across employers, newest first (404 not_linked without a linked record)."""
    session = db.session()
    return paginate(session, history.history_query(session, current_actor().account_id), args, history.item)
