"""Shapes of POST /clinic/card-checks (documentation only: the body is parsed by the service so that
an ill-formed request is answered 205, as the national gateway does, not 422)."""
from __future__ import annotations

from marshmallow import Schema, fields

from api.birth_dates import BirthDateField
from api.cards.schemas import CardSchema


class CardCheckByIdentifierSchema(Schema):
    identifier = fields.String(required=True, metadata={
        "description": "15-char card number, 10-digit BHXH code or 12-digit CCCD; spaces and dashes ignored"})
    full_name = fields.String(required=True)
    date_of_birth = BirthDateField(required=True, metadata={
        "description": "YYYY-MM-DD, YYYY-MM or YYYY; compared on the parts both the request and the record know "
                       "(any other shape is 205)"})
    staff_cccd = fields.String(required=True)
    staff_name = fields.String(required=True)


class CardCheckByQrSchema(Schema):
    qr = fields.String(required=True, metadata={"description": "the scanned QR text (compact JWS)"})
    staff_cccd = fields.String(required=True)
    staff_name = fields.String(required=True)


class CardCheckResultSchema(Schema):
    check_id = fields.String()
    result_code = fields.String(metadata={"description": "the national gateway's code (000-205)"})
    result_message = fields.String()
    usable = fields.Boolean(metadata={"description": "true for 000-004"})
    card = fields.Nested(CardSchema, allow_none=True, metadata={
        "description": "null unless the holder's identity matched (000-004, 010, 110, 120-124)"})
    renewed_card = fields.Nested(CardSchema, allow_none=True, metadata={"description": "the replacement (003/004)"})
    checked_at = fields.String(metadata={"format": "date-time"})
