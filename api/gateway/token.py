"""POST /api/token/take: the national gateway's login, for the gateway accounts of clinic clients.

JSON or form, field names in any case (`username`/`Username`), `password` the MD5 hex of the
password in either case. Always HTTP 200: `{"maKetQua": "200", "APIKey": {...}}`, or
`{"maKetQua": "401", "ghiChu": ...}` for wrong credentials (qlbv's legacy login throws on a 4xx).
"""
from __future__ import annotations

import json

from flask import jsonify, request

import db
from api.clinic.desk import require_allowed_address
from api.limits import address_limit
from api.smorest import Blueprint, accepts
from auth import gateway as gateway_auth
from services import gateway_accounts

from .credentials import MESSAGES, install_error_answers

blp = Blueprint("gateway_token", __name__, url_prefix="/api/token",
                description="National-gateway-compatible login (token/take)")
install_error_answers(blp)
_MAX_FIELD = 256


def _fields() -> dict[str, str]:
    """The body's fields, names lower-cased: JSON object or form, whatever the Content-Type says."""
    raw: object = None
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raw = request.form.to_dict()
    else:
        try:
            raw = json.loads(request.get_data(cache=True) or b"null")
        except ValueError:
            raw = None
    if not isinstance(raw, dict):
        return {}
    return {str(k).lower(): v for k, v in raw.items() if isinstance(v, str) and len(v) <= _MAX_FIELD}


@blp.route("/take", methods=["POST"])
@blp.public
@address_limit("LOGIN")
@accepts("application/json", "application/x-www-form-urlencoded", "multipart/form-data", "text/plain")
@blp.doc(requestBody={"required": True, "content": {
    "application/json": {"schema": {"type": "object", "properties": {
        "username": {"type": "string"}, "password": {"type": "string", "description": "MD5 hex, either case"}}}},
    "application/x-www-form-urlencoded": {"schema": {"type": "object"}}}})
@blp.alt_response(200, description='{"maKetQua": "200", "APIKey": {...}} or {"maKetQua": "401", ...}')
@blp.alt_response(401, description='{"maKetQua": "401"}: the account\'s client refuses this address')
def take_token():
    """Log a gateway account in; `APIKey.expires_in` is the expiry instant (ISO-8601 UTC, `Z`)."""
    fields = _fields()
    found = gateway_accounts.authenticate(db.session(), fields.get("username", "").strip(),
                                          fields.get("password", "").strip())
    if found is None:
        return jsonify({"maKetQua": "401", "ghiChu": MESSAGES["401"], "APIKey": None})
    account, client = found
    require_allowed_address(client.client_id)
    return jsonify({"maKetQua": "200", "APIKey": gateway_auth.issue(client.client_id, client.facility_code,
                                                                     account.username)})
