"""Liveness and readiness probes."""
from __future__ import annotations

from flask import jsonify
from flask_smorest import Blueprint
from sqlalchemy import text

import db
from api.errors import ApiError

blp = Blueprint("health", __name__, url_prefix="/", description="Liveness and readiness")


@blp.route("/healthz")
@blp.doc(security=[])
def healthz():
    """Process alive (no database, no Redis): the ceiling a request can reach on this server."""
    return jsonify(status="ok")


@blp.route("/readyz")
@blp.doc(security=[])
def readyz():
    """Database reachable; 503 when it is not."""
    try:
        with db.get().engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means "not ready"
        raise ApiError(503, "database_unavailable", "The database is not reachable.",
                       headers={"Retry-After": "5"}) from exc
    return jsonify(status="ready")


def register(api) -> None:
    api.register_blueprint(blp)
