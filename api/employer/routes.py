"""Employer API (CONTRACT §6): báo tăng / báo giảm batches, the unit's employees, stored batch answers.

Every call is scoped to the token's unit: another unit's people and batches are 404, never 403.
"""
from __future__ import annotations

from flask import current_app, jsonify, request
from sqlalchemy import select

import db
from api.errors import ApiError
from api.pagination import paginate
from api.smorest import accepts
from auth.roles import EMPLOYER, current_actor, roles_required
from integrations.registry import RegistryUnavailable
from models import ApiClient, Batch, Card, Employment, InsuredPerson
from services import campaign_report, enrollment, idempotency, runtime, terminations
from services.contributions import Rates
from services.enrollment import month_str
from api.smorest import Blueprint

from . import parsing
from .identity_schemas import EmployeeListArgs
from .schemas import (
    EmployeePageSchema, EnrollmentAnswerSchema, EnrollmentRequestSchema, TerminationAnswerSchema,
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


def _employer() -> enrollment.Employer:
    actor = current_actor()
    client = db.session().get(ApiClient, actor.subject)
    if client is None or not client.active or not actor.unit_code or not actor.province_code:
        raise ApiError(401, "unauthorized", "This employer client is not active.")
    return enrollment.Employer(actor.subject, actor.unit_code, actor.province_code, client.name)


def _respond(answer: dict, replayed: bool):
    resp = jsonify(answer)
    if replayed:
        resp.headers["Idempotent-Replayed"] = "true"
    return resp


def _run(kind: str, raw_rows: list, prepare, apply):
    employer = _employer()
    key = idempotency.check_key(request.headers.get("Idempotency-Key"))
    scope = idempotency.Scope(employer.client_id, employer.unit_code, kind, key)
    req_hash = idempotency.request_hash(kind, raw_rows)
    try:
        answer, replayed = idempotency.execute(
            db.session(), scope, req_hash, prepare, lambda batch_id, prep: apply(batch_id, prep, employer),
            wait_seconds=float(current_app.config.get("IDEMPOTENCY_WAIT_SECONDS", idempotency.DEFAULT_WAIT_SECONDS)),
        )
    except RegistryUnavailable as exc:
        db.session().rollback()
        seconds = max(1, int(exc.retry_after))
        raise ApiError(503, "registry_unavailable", "The population registry is not answering; nothing was written.",
                       headers={"Retry-After": str(seconds)}, extra={"retry_after": seconds}) from None
    return _respond(answer, replayed)


@blp.route("/enrollments", methods=["POST"])
@blp.doc(security=[{"bearer": []}], parameters=[_KEY_PARAM],
         requestBody=_body_doc(EnrollmentRequestSchema, enrollment.FIELDS),
         responses=_answer_doc(EnrollmentAnswerSchema))
@accepts("application/json", "text/csv")
@roles_required(EMPLOYER)
def enroll():
    """Báo tăng: enroll up to 10,000 employees (JSON or CSV), each row on its own."""
    idempotency.check_key(request.headers.get("Idempotency-Key"))
    rows = parsing.read_rows(request, enrollment.FIELDS, enrollment.REQUIRED, ("salary",))
    session = db.session()
    rates = Rates.from_config(current_app.config)
    registry = runtime.get().registry
    return _run("enrollment", rows,
                lambda: enrollment.prepare(session, rows, registry),
                lambda batch_id, prep, employer: enrollment.apply(session, batch_id, prep, employer, rates))


@blp.route("/terminations", methods=["POST"])
@blp.doc(security=[{"bearer": []}], parameters=[_KEY_PARAM],
         requestBody=_body_doc(TerminationRequestSchema, terminations.FIELDS),
         responses=_answer_doc(TerminationAnswerSchema))
@accepts("application/json", "text/csv")
@roles_required(EMPLOYER)
def terminate():
    """Báo giảm: end employments; the cards become reported_decreased with the reason."""
    idempotency.check_key(request.headers.get("Idempotency-Key"))
    rows = parsing.read_rows(request, terminations.FIELDS, ("end_month", "reason"))
    session = db.session()
    return _run("termination", rows,
                lambda: terminations.prepare(rows),
                lambda batch_id, prep, employer: terminations.apply(session, batch_id, prep, employer))


def _stored(batch_id: str, kind: str):
    actor = current_actor()
    batch = db.session().get(Batch, batch_id) if len(batch_id) <= 32 else None
    if batch is None or batch.unit_code != actor.unit_code or batch.kind != kind or batch.status != "done":
        raise ApiError(404, "not_found", "No such batch of this unit.")
    return jsonify(batch.response)


@blp.route("/enrollments/<string:batch_id>", methods=["GET"])
@blp.doc(security=[{"bearer": []}], responses=_answer_doc(EnrollmentAnswerSchema))
@roles_required(EMPLOYER)
def enrollment_batch(batch_id: str):
    """The stored answer of an enrollment batch of this unit."""
    return _stored(batch_id, "enrollment")


@blp.route("/terminations/<string:batch_id>", methods=["GET"])
@blp.doc(security=[{"bearer": []}], responses=_answer_doc(TerminationAnswerSchema))
@roles_required(EMPLOYER)
def termination_batch(batch_id: str):
    """The stored answer of a termination batch of this unit."""
    return _stored(batch_id, "termination")


@blp.route("/employees", methods=["GET"])
@blp.doc(security=[{"bearer": []}])
@roles_required(EMPLOYER)
@blp.arguments(EmployeeListArgs, location="query")
@blp.response(200, EmployeePageSchema)
def employees(args):
    """This unit's active employees, the latest start first; `?missing=cccd|app`: only those still missing it."""
    actor = current_actor()
    stmt = (
        select(Employment, InsuredPerson.bhxh_code, InsuredPerson.cccd, InsuredPerson.full_name, Card.card_number)
        .join(InsuredPerson, InsuredPerson.id == Employment.person_id)
        .outerjoin(Card, Card.id == Employment.card_id)
        .where(Employment.unit_code == actor.unit_code, Employment.active.is_(True))
        .order_by(Employment.from_month.desc(), Employment.id.desc())
    )
    if args.get("missing"):
        stmt = stmt.where(campaign_report.missing_filter(args["missing"]))

    def item(row):
        emp, bhxh_code, cccd, full_name, number = row
        return {"bhxh_code": bhxh_code, "cccd": cccd, "full_name": full_name, "start_month": month_str(emp.from_month),
                "salary": emp.salary, "job_title": emp.job_title, "card_number": number}

    return paginate(db.session(), stmt, args, item)
