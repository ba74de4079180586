"""Bodies of POST/GET /me/link. Field errors are bilingual (Vietnamese first), as the app shows them."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, post_dump, validate, validates_schema

from api.birth_dates import BirthDateField
from services.linking import ConsentRequired
from services.identifiers import GENDERS, check_bhxh, check_cccd

CONSENT_MESSAGE = "Bạn phải đồng ý cho phép đối chiếu và gắn số CCCD (consent must be true)."


class _Trimmed(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


class LinkRequestSchema(Schema):
    cccd = _Trimmed(required=True, metadata={"example": "001095012345"})
    bhxh_code = _Trimmed(load_default=None, allow_none=True, metadata={"example": "0123456789"})
    full_name = _Trimmed(required=True, validate=validate.Length(min=1, max=200,
                         error="Họ tên phải có từ 1 đến 200 ký tự (full name must be 1-200 characters)."),
                         metadata={"example": "Nguyễn Văn An"})
    date_of_birth = BirthDateField(required=True)
    gender = fields.String(required=True, validate=validate.OneOf(
        GENDERS, error="Giới tính phải là male hoặc female (gender must be male or female)."))
    consent = fields.Raw(metadata={
        "description": "must be the JSON value true (else 422 consent_required)", "type": "boolean", "enum": [True]})

    @validates_schema
    def _check(self, data: dict, **kwargs) -> None:
        errors: dict[str, list[str]] = {}
        if "cccd" in data:  # only the birth year is checked against the CCCD
            problems = check_cccd(data["cccd"], data.get("date_of_birth"), data.get("gender"))
            if problems:
                errors["cccd"] = problems
        if data.get("bhxh_code"):
            problems = check_bhxh(data["bhxh_code"])
            if problems:
                errors["bhxh_code"] = problems
        elif data.get("bhxh_code") == "":
            data["bhxh_code"] = None
        if data.get("consent") is not True:
            errors["consent"] = [CONSENT_MESSAGE]
        if errors:
            raise ValidationError(errors)

    def handle_error(self, error: ValidationError, data, **kwargs) -> None:
        # Rule 1 comes first: without consent the answer is consent_required, with every field error.
        messages = error.messages if isinstance(error.messages, dict) else {"_body": error.messages}
        consent = data.get("consent") if isinstance(data, dict) else None
        if consent is not True:
            messages = {**messages, "consent": [CONSENT_MESSAGE]}
            raise ConsentRequired(errors=messages)


class LinkResultSchema(Schema):
    status = fields.String(metadata={"description": "linked | pending_review"})
    bhxh_code = fields.String()
    cccd = fields.String()
    linked_at = fields.DateTime()
    review_id = fields.Integer()

    @post_dump
    def _drop_empty(self, data: dict, **kwargs) -> dict:
        return {k: v for k, v in data.items() if v is not None}


class LinkStatusSchema(Schema):
    status = fields.String(metadata={"description": "none | pending_review | linked | rejected"})
    bhxh_code = fields.String(allow_none=True)
    cccd = fields.String(allow_none=True)
    review_id = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True, metadata={"description": "the officer's reason when rejected"})
