"""Shapes of the family endpoints: dependants (children) and the household quote."""
from __future__ import annotations

from datetime import date

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

import clock
from api.cards.schemas import CardCheckItemSchema, MyCardSchema
from api.pagination import page_schema
from services.household import MAX_MONTHS, MIN_MONTHS
from services.identifiers import GENDERS, check_cccd


class _Trimmed(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


class ChildSchema(Schema):
    """A child to add: số định danh (12 digits), name, date of birth and gender as the registry holds them."""

    cccd = _Trimmed(required=True, metadata={"example": "001224000101"})
    full_name = _Trimmed(required=True, validate=validate.Length(min=1, max=200,
                         error="Họ tên phải có từ 1 đến 200 ký tự (full name must be 1-200 characters)."),
                         metadata={"example": "Nguyễn Minh Khôi"})
    date_of_birth = fields.Date(required=True, metadata={"example": "2024-05-10"},
                                error_messages={
                                    "invalid": "Ngày sinh phải có dạng YYYY-MM-DD (date must be YYYY-MM-DD)."})
    gender = fields.String(required=True, validate=validate.OneOf(
        GENDERS, error="Giới tính phải là male hoặc female (gender must be male or female)."))

    @validates_schema
    def _check(self, data: dict, **kwargs) -> None:
        dob: date | None = data.get("date_of_birth")
        if dob is not None and not (date(1900, 1, 1) <= dob <= clock.today()):
            raise ValidationError({"date_of_birth": ["Ngày sinh không hợp lệ (date of birth out of range)."]})
        problems = check_cccd(data.get("cccd", ""), dob, data.get("gender"))
        if problems:
            raise ValidationError({"cccd": problems})


class DependantCardRefSchema(Schema):
    card_number = fields.String()
    valid_to = fields.String(metadata={"format": "date"})
    status = fields.String(metadata={"enum": ["active", "expired", "revoked", "reported_decreased"]})


class DependantSchema(Schema):
    id = fields.String(metadata={"description": "this guardian's id for the child (random)"})
    full_name = fields.String()
    date_of_birth = fields.String(metadata={"format": "date"})
    gender = fields.String()
    card = fields.Nested(DependantCardRefSchema, allow_none=True,
                         metadata={"description": "the current card; null while none is issued"})


DependantPageSchema = page_schema(DependantSchema, "DependantPage")
DependantCheckPageSchema = page_schema(CardCheckItemSchema, "DependantCardCheckPage")


class DependantCardSchema(MyCardSchema):
    """The child's card exactly as GET /me/card shows a card, with its signed QR."""


class QuoteArgs(Schema):
    months = fields.Integer(load_default=12, validate=validate.Range(min=MIN_MONTHS, max=MAX_MONTHS))
    start_month = fields.String(load_default=None, metadata={
        "description": "YYYY-MM, the first month paid for; default: next month", "example": "2027-01"})

    @validates_schema
    def _month(self, data: dict, **kwargs) -> None:
        value = data.get("start_month")
        if value is None:
            return
        try:
            year, month = (int(p) for p in value.split("-")) if len(value) == 7 and value[4] == "-" else (0, 0)
            data["start"] = date(year, month, 1)
        except ValueError:
            raise ValidationError({"start_month": ["start_month must be YYYY-MM."]}) from None


class MemberSchema(Schema):
    full_name = fields.String()
    date_of_birth = fields.String(metadata={"format": "date"})
    gender = fields.String()
    is_me = fields.Boolean()
    pays = fields.Boolean(metadata={"description": "false when covered otherwise (a current card of another "
                                                   "scheme, or a child under 6)"})
    reason = fields.String(allow_none=True, metadata={"description": "why not: covered | child_under_6"})
    position = fields.Integer(allow_none=True, metadata={"description": "1 = first paying member"})
    rate_percent_of_first = fields.Integer(allow_none=True)
    monthly = fields.Integer(allow_none=True, metadata={"description": "VND per month"})
    amount = fields.Integer(allow_none=True, metadata={"description": "VND for the whole period"})


class HouseholdSchema(Schema):
    household_code = fields.String(allow_none=True)
    members = fields.List(fields.Nested(MemberSchema))


class QuoteSchema(HouseholdSchema):
    start_month = fields.String()
    months = fields.Integer()
    base_salary = fields.Integer(metadata={"description": "VND, in force on the first day of start_month"})
    first_member_permille = fields.Integer(metadata={"description": "45 = 4.5 % of the base salary"})
    monthly_total = fields.Integer()
    total = fields.Integer(metadata={"description": "VND for the whole period: sum of the members' amounts"})
