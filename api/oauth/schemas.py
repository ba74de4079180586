"""OAuth 2.0 client-credentials bodies (RFC 6749 §4.4; CONTRACT §5)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate


class TokenRequestSchema(Schema):
    grant_type = fields.String(required=True, validate=validate.Length(max=64), metadata={
        "enum": ["client_credentials"], "description": "any other value is 400 unsupported_grant_type"})
    client_id = fields.String(validate=validate.Length(min=1, max=64))
    client_secret = fields.String(validate=validate.Length(min=1, max=256))
    scope = fields.String(validate=validate.Length(max=256), metadata={"description": "accepted and ignored"})


class ClientTokenSchema(Schema):
    access_token = fields.String()
    token_type = fields.String(metadata={"example": "Bearer"})
    expires_in = fields.Integer()
