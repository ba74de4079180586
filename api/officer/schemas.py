"""Officer bodies and answers: link reviews and card revocation."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.birth_dates import BirthDateField
from api.pagination import PageArgs


class ReviewListArgs(PageArgs):
    status = fields.String(load_default="pending", validate=validate.OneOf(("pending", "approved", "rejected")))


class _Identity(Schema):
    full_name = fields.String()
    date_of_birth = BirthDateField()
    gender = fields.String()


class _RecordIdentity(_Identity):
    cccd = fields.String(allow_none=True, metadata={"description": "the CCCD the record carries now, if any"})


class ReviewSchema(Schema):
    id = fields.Integer()
    status = fields.String(metadata={"description": "pending | approved | rejected"})
    created_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)
    account_id = fields.Integer()
    bhxh_code = fields.String()
    cccd = fields.String(metadata={"description": "the CCCD the citizen asked to link"})
    record = fields.Nested(_RecordIdentity, metadata={"description": "what the insurance record says"})
    registry = fields.Nested(_Identity, metadata={"description": "what the population registry says"})
    reason = fields.String(allow_none=True)
    note = fields.String(allow_none=True)


class ApproveSchema(Schema):
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))


class RejectSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class RevokeSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class RevokedCardSchema(Schema):
    card_number = fields.String()
    status = fields.String()
    status_reason = fields.String()
    status_changed_at = fields.DateTime()
