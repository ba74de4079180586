"""`POST /births`: the birth-registration system pushes a registration; the newborn gets a TE1 card."""
from __future__ import annotations

import db
import errors
from api.smorest import Blueprint
from auth.roles import BIRTH_REGISTRY, current_actor
from models import ApiClient
from services import births

from .schemas import BirthResultSchema, BirthSchema

blp = Blueprint("births", __name__, url_prefix="/births", description="Birth registrations (newborn TE1 cards)")


@blp.route("", methods=["POST"])
@blp.roles_required(BIRTH_REGISTRY)
@blp.arguments(BirthSchema)
@blp.response(201, BirthResultSchema)
@blp.alt_response(200, schema=BirthResultSchema, description="A re-sent registration: the first answer")
def register_birth(body: dict):
    """One birth registration: 201 with the new card, 200 when re-sent, 409 `registration_conflict` /
    `already_insured`, 422 `validation_error` (also when no facility can be chosen)."""
    session = db.session()
    client_id = current_actor().subject
    client = session.get(ApiClient, client_id)
    if client is None or not client.active or client.kind != BIRTH_REGISTRY:
        raise errors.Unauthorized("This client is not active.", headers={"WWW-Authenticate": "Bearer"})
    answer, created = births.register_one(session, births.Birth(**body), client_id)
    return answer, (201 if created else 200)
