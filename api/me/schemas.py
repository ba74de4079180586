"""Bodies of /me (CONTRACT §2)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.auth.schemas import Otp


class LinkSummarySchema(Schema):
    status = fields.String(metadata={"description": "none | pending_review | linked | rejected"})
    bhxh_code = fields.String(allow_none=True)
    cccd = fields.String(allow_none=True)
    review_id = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)


class MeSchema(Schema):
    id = fields.Integer()
    phone = fields.String()
    full_name = fields.String()
    roles = fields.List(fields.String())
    link = fields.Nested(LinkSummarySchema, metadata={"description": "the CCCD / insurance-code link"})


class TotpSetupSchema(Schema):
    secret = fields.String(metadata={"description": "base32 secret for an authenticator app"})
    otpauth_uri = fields.String(metadata={"description": "otpauth:// URI to show as a QR code"})


_password = {"required": True, "validate": validate.Length(min=1, max=1024),
             "metadata": {"description": "the account's password (a fresh proof, CONTRACT §2a)"}}


class TotpBeginSchema(Schema):
    password = fields.String(**_password)


class TotpConfirmSchema(Schema):
    otp = Otp(required=True)
    password = fields.String(**_password)


class TotpRemoveSchema(Schema):
    password = fields.String(**_password)
