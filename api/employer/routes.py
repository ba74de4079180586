"""Employer API (CONTRACT §6): báo tăng / báo giảm batches, the unit's employees, stored batch answers.

Every call is scoped to the token's unit: another unit's people and batches are 404, never 403.
"""
from __future__ import annotations

from flask import current_app, jsonify, request

import db
from api.pagination import paginate
from api.smorest import Blueprint, accepts
from auth.roles import EMPLOYER, current_actor
from services import employers, enrollment, idempotency, runtime, terminations
from services.contributions import Rates

from . import parsing
from .identity_schemas import EmployeeListArgs
from .schemas import (
    EmployeePageSchema,
    EnrollmentAnswerSchema,
    EnrollmentRequestSchema,
    TerminationAnswerSchema,
    TerminationRequestSchema,
)

blp = Blueprint("employer", __name__, url_prefix="/employer", description="Employer enrollment (báo tăng / báo giảm)")

_KEY_PARAM = {"in": "header", "name": "Idempotency-Key", "required": True,
              "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$",
                         "example": "0b6f7c2e-5d1a-4c8e-9f3b-2a7d4e6c1f90"},
              "description": "A fresh random key (e.g. a UUID) per batch; resend the same key to retry safely."}


def _body_doc(schema, fields: tuple[str, ...]) -> dict:
    return {"required": True, "content": {
        "application/json": {"schema": schema},
        "text/csv": {"schema": {"type": "string"},
                     "example": ",".join(fields) + "\n"},
    }}


def _answer_doc(schema) -> dict:
    return {"200": {"description": "Per-row results (replayed as first sent for a repeated key)",
                    "content": {"application/json": {"schema": schema}}}}


def _respond(answer: dict, replayed: bool):
    resp = jsonify(answer)
    if replayed:
        resp.headers["Idempotent-Replayed"] = "true"
    return resp


def _run(kind: str, key: str, raw_rows: list, prepare, apply):
    actor = current_actor()
    session = db.session()
    employer = employers.employer_of(session, actor.subject, actor.unit_code, actor.province_code)
    answer, replayed = employers.run_batch(session, employer, key, kind, raw_rows, prepare, apply,
                                           float(current_app.config["IDEMPOTENCY_WAIT_SECONDS"]))
    return _respond(answer, replayed)


@blp.route("/enrollments", methods=["POST"])
@blp.roles_required(EMPLOYER)
@accepts("application/json", "text/csv")
@blp.doc(parameters=[_KEY_PARAM], requestBody=_body_doc(EnrollmentRequestSchema, enrollment.FIELDS),
         responses=_answer_doc(EnrollmentAnswerSchema))
def enroll():
    """Báo tăng: enroll up to 10,000 employees (JSON or CSV), each row on its own."""
    key = idempotency.check_key(request.headers.get("Idempotency-Key"))
    rows = parsing.read_rows(request, enrollment.FIELDS, enrollment.REQUIRED, ("salary",))
    session = db.session()
    rates = Rates.from_config(current_app.config)
    registry = runtime.get().registry
    return _run("enrollment", key, rows,
                lambda: enrollment.prepare(session, rows, registry),
                lambda batch_id, prep, employer: enrollment.apply(session, batch_id, prep, employer, rates))


@blp.route("/terminations", methods=["POST"])
@blp.roles_required(EMPLOYER)
@accepts("application/json", "text/csv")
@blp.doc(parameters=[_KEY_PARAM], requestBody=_body_doc(TerminationRequestSchema, terminations.FIELDS),
         responses=_answer_doc(TerminationAnswerSchema))
def terminate():
    """Báo giảm: end employments; the cards become reported_decreased with the reason."""
    key = idempotency.check_key(request.headers.get("Idempotency-Key"))
    rows = parsing.read_rows(request, terminations.FIELDS, ("end_month", "reason"))
    session = db.session()
    return _run("termination", key, rows,
                lambda: terminations.prepare(rows),
                lambda batch_id, prep, employer: terminations.apply(session, batch_id, prep, employer))


def _stored(batch_id: str, kind: str):
    return jsonify(employers.stored_answer(db.session(), current_actor().unit_code, batch_id, kind))


@blp.route("/enrollments/<string:batch_id>", methods=["GET"])
@blp.roles_required(EMPLOYER)
@blp.doc(responses=_answer_doc(EnrollmentAnswerSchema))
def enrollment_batch(batch_id: str):
    """The stored answer of an enrollment batch of this unit."""
    return _stored(batch_id, "enrollment")


@blp.route("/terminations/<string:batch_id>", methods=["GET"])
@blp.roles_required(EMPLOYER)
@blp.doc(responses=_answer_doc(TerminationAnswerSchema))
def termination_batch(batch_id: str):
    """The stored answer of a termination batch of this unit."""
    return _stored(batch_id, "termination")


@blp.route("/employees", methods=["GET"])
@blp.roles_required(EMPLOYER)
@blp.arguments(EmployeeListArgs, location="query")
@blp.response(200, EmployeePageSchema)
def employees(args):
    """This unit's active employees, the latest start first; `?missing=cccd|app`: only those still missing it."""
    query = employers.employees_query(current_actor().unit_code, args.get("missing"))
    return paginate(db.session(), query, args, employers.employee_item)
