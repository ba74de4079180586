"""POST /clinic/card-checks: the card check for clinics (CONTRACT §5)."""
from __future__ import annotations

from flask import current_app, jsonify, request

import clock
import db
from api.smorest import Blueprint
from auth.client_state import checks_client_active
from auth.roles import CLINIC, current_actor
from services import card_checks, copay, scan
from services.cards import card_view

from .desk import count_check, require_allowed_address
from .schemas import CardCheckByIdentifierSchema, CardCheckByQrSchema, CardCheckByScanSchema, CardCheckResultSchema

blp = Blueprint("clinic", __name__, url_prefix="/clinic", description="Clinic card checks")


def answer(outcome: card_checks.CheckOutcome) -> dict:
    today = clock.today()
    matched = outcome.identity_matched and outcome.row is not None
    return {
        "check_id": outcome.check.id,
        "result_code": outcome.result_code,
        "result_message": outcome.message,
        "usable": outcome.usable,
        "card": card_view(outcome.row, today) if matched else None,
        "renewed_card": card_view(outcome.renewed, today) if matched and outcome.renewed else None,
        "checked_at": outcome.check.checked_at.isoformat(),
        "co_payment": copay.of_card(outcome.row, outcome.renewed) if matched else None,
    }


@blp.route("/card-checks", methods=["POST"])
@blp.roles_required(CLINIC)
@checks_client_active  # its one SELECT reads the client's active flag
@blp.doc(requestBody={"required": True, "content": {"application/json": {
    "schema": {"oneOf": [CardCheckByIdentifierSchema, CardCheckByQrSchema, CardCheckByScanSchema]}}}})
@blp.alt_response(200, schema=CardCheckResultSchema,
                  description="the decision (always 200; 205 for an ill-formed request)")
def create_card_check():
    """Check a card by identifier + name + date of birth, by a signed QR, or by what the desk's
    scanner typed (`scan`: chip-CCCD QR, legacy card QR, signed QR); the check is stored.

    A field missing or ill-formed (and a body that is not a JSON object at all) is answered 200 with
    result_code 205, as the national gateway does. 401 from an address outside the client's
    allow-list; 429 rate_limited past the per-client or per-staff limits."""
    actor = current_actor()
    require_allowed_address(actor.subject)
    inp = scan.parse_clinic_request(request.get_json(silent=True))
    count_check(actor.subject, inp.staff_cccd)
    outcome = card_checks.check(db.hot_path_runner(), client_id=actor.subject, facility_code=actor.facility_code,
                                inp=inp, keys_dir=current_app.config["CARD_KEYS_DIR"])
    return jsonify(answer(outcome))
