"""Liveness and readiness probes."""
from __future__ import annotations

from flask import jsonify
from marshmallow import Schema, fields
from sqlalchemy import text

import db
from api.smorest import Blueprint
from errors import DatabaseUnavailable

blp = Blueprint("health", __name__, url_prefix="/", description="Liveness and readiness")


class ProbeSchema(Schema):
    status = fields.String(metadata={"enum": ["ok", "ready"]})


@blp.route("/healthz")
@blp.public
@blp.alt_response(200, schema=ProbeSchema, description="OK")
def healthz():
    """Process alive (no database, no Redis): the ceiling a request can reach on this server."""
    return jsonify(status="ok")  # no serializer: this is the cheapest request there is


@blp.route("/readyz")
@blp.public
@blp.alt_response(200, schema=ProbeSchema, description="OK")
def readyz():
    """Database reachable; 503 when it is not."""
    try:
        with db.get().engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means "not ready"
        raise DatabaseUnavailable("The database is not reachable.", retry_after=5) from exc
    return jsonify(status="ready")


def register(api) -> None:
    api.register_blueprint(blp)
