"""Where a card check's cost goes: the real app plus four probe routes, served by a second gunicorn
that `make bench` starts for the cost breakdown only (never part of the product).

Each probe takes the check's own request (clinic token, same JSON body) and answers a card check's
answer-sized JSON, doing one more piece of the check each time, with the check's own statements on
the hot path's runner:

    /bench/probe/echo           bearer token + JSON body in + JSON answer out; no database
    /bench/probe/select         + the check's SELECT (card, holder, facility, staff: one round trip)
    /bench/probe/insert         + the check's INSERT of a CardCheck row, committed (durable)
    /bench/probe/select-insert  both: a check without the decision, the parsing and the card view

Compared with GET /healthz and the real check in the same run, the differences are the cost of
authentication and JSON, of one lookup, of one durable write, and of our own Python.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request

import clock
import db
from app import create_app as create_real_app
from auth.roles import CLINIC, current_actor, roles_required
from card_codes import MESSAGES, ResultCode
from models import new_id
from services import card_check_reads

PROBES = ("echo", "select", "insert", "select-insert")


def _answer() -> dict:
    """A card check's answer with a card in it (same keys, similar sizes)."""
    card = {k: "x" * 12 for k in ("card_number", "bhxh_code", "full_name", "date_of_birth", "gender", "object_code",
                                   "province_code", "area_code", "valid_from", "valid_to", "five_year_date",
                                   "issuing_agency", "status")}
    card.update(benefit_level=4, benefit_rate=80, primary_care_facility={"code": "01901", "name": "x" * 30})
    return {"check_id": new_id(), "result_code": ResultCode.OK, "result_message": MESSAGES[ResultCode.OK],
            "usable": True, "card": card, "renewed_card": None, "checked_at": clock.now().isoformat()}


def _probe(select: bool, insert: bool):
    @roles_required(CLINIC)
    def view():
        body = request.get_json(silent=True) or {}
        actor = current_actor()
        runner = db.hot_path_runner()
        if select:
            runner.rows(card_check_reads._BY["card_number"], {"value": body.get("identifier"), "client_id": actor.subject,
                                                        "staff_cccd": body.get("staff_cccd")})
        if insert:
            runner.execute(card_check_reads._CHECK_INSERT, dict(
                id=new_id(), client_id=actor.subject, facility_code=actor.facility_code,
                staff_cccd=body.get("staff_cccd"), staff_name=body.get("staff_name"), identifier_type="card_number",
                person_id=None, card_id=None, result_code=ResultCode.OK.value, checked_at=clock.now()))
        return jsonify(_answer())

    return view


def create_app():
    app = create_real_app()
    probes = Blueprint("bench_probes", __name__, url_prefix="/bench/probe")
    for name in PROBES:
        probes.add_url_rule(f"/{name}", name.replace("-", "_"), _probe("select" in name, "insert" in name),
                            methods=["POST"])
    app.register_blueprint(probes)
    return app
