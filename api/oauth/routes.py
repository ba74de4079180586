"""`POST /oauth/token`: clinics and employers trade their client credentials for an access token."""
from __future__ import annotations

from urllib.parse import unquote_plus

from flask import request
from marshmallow import ValidationError

import db
from api.limits import address_limit
from api.smorest import Blueprint, accepts
from auth.tokens import access_token_ttl_seconds, issue_access_token
from errors import ValidationFailed
from services import api_clients

from .schemas import ClientTokenSchema, TokenRequestSchema

blp = Blueprint("oauth", __name__, url_prefix="/oauth", description="API clients (client credentials)")

FORM = "application/x-www-form-urlencoded"


def _body() -> dict:
    if request.mimetype == FORM:
        return request.form.to_dict()
    if not request.content_length:
        return {}
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationFailed({"_body": ["The body must be a JSON object (or a form)."]})
    return data


@blp.route("/token", methods=["POST"])
@blp.public
@accepts("application/json", FORM)
@address_limit("OAUTH")
@blp.response(200, ClientTokenSchema)
@blp.doc(requestBody={"required": True, "content": {
    FORM: {"schema": TokenRequestSchema}, "application/json": {"schema": TokenRequestSchema}}})
def token():
    """Client-credentials grant: `grant_type=client_credentials&client_id=…&client_secret=…`.

    The credentials may also come as HTTP Basic authentication (RFC 6749 §2.3.1).
    """
    try:
        data = TokenRequestSchema().load(_body())
    except ValidationError as exc:
        raise ValidationFailed(exc.messages) from exc
    if data["grant_type"] != "client_credentials":
        raise api_clients.UnsupportedGrantType()
    basic = request.authorization if request.authorization and request.authorization.type == "basic" else None
    client_id = unquote_plus(basic.username or "") if basic else data.get("client_id", "")
    secret = unquote_plus(basic.password or "") if basic else data.get("client_secret", "")
    client = api_clients.authenticate(db.session(), client_id, secret)
    if client is None:
        raise api_clients.InvalidClient(basic_auth=basic is not None)
    access = issue_access_token(client.client_id, api_clients.token_claims(client))
    return {"access_token": access, "token_type": "Bearer", "expires_in": access_token_ttl_seconds()}
