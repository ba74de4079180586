"""Employer campaign calls (CONTRACT §12): bulk CCCD updates and the unit's coverage.

Registered on the employer blueprint (api/employer/__init__.py), so the same token scoping holds:
everything is this unit's, another unit's people and batches are invisible (404 / not_employed).
"""
from __future__ import annotations

from flask import request

import db
from api.smorest import accepts
from auth.roles import EMPLOYER, current_actor
from services import campaign_report, idempotency, identity_updates, runtime

from . import parsing
from .identity_schemas import (
    CoverageSchema,
    IdentityUpdateAnswerSchema,
    IdentityUpdateRequestSchema,
)
from .routes import _KEY_PARAM, _answer_doc, _body_doc, _run, _stored, blp

KIND = "identity_update"


@blp.route("/identity-updates", methods=["POST"])
@blp.roles_required(EMPLOYER)
@accepts("application/json", "text/csv")
@blp.doc(parameters=[_KEY_PARAM], requestBody=_body_doc(IdentityUpdateRequestSchema, identity_updates.FIELDS),
         responses=_answer_doc(IdentityUpdateAnswerSchema))
def identity_updates_post():
    """Attach registry-verified CCCDs to the records of up to 10,000 of this unit's employees."""
    key = idempotency.check_key(request.headers.get("Idempotency-Key"))
    rows = parsing.read_rows(request, identity_updates.FIELDS, identity_updates.REQUIRED)
    session = db.session()
    registry = runtime.get().registry
    return _run(KIND, key, rows,
                lambda: identity_updates.prepare(session, rows, registry),
                lambda batch_id, prep, employer: identity_updates.apply(session, batch_id, prep, employer))


@blp.route("/identity-updates/<string:batch_id>", methods=["GET"])
@blp.roles_required(EMPLOYER)
@blp.doc(responses=_answer_doc(IdentityUpdateAnswerSchema))
def identity_update_batch(batch_id: str):
    """The stored answer of a CCCD-update batch of this unit."""
    return _stored(batch_id, KIND)


@blp.route("/coverage", methods=["GET"])
@blp.roles_required(EMPLOYER)
@blp.response(200, CoverageSchema)
def coverage():
    """This unit's active employees: how many carry a verified CCCD, how many have the app linked."""
    return campaign_report.coverage(db.session(), current_actor().unit_code)
