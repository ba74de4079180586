"""Shapes of the campaign calls of the employer API (CCCD updates, coverage, who is missing)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.pagination import PageArgs


class IdentityUpdateRowSchema(Schema):
    bhxh_code = fields.String(required=True, metadata={"example": "0123456789"})
    cccd = fields.String(required=True, metadata={"example": "001095012345"})
    full_name = fields.String(required=True, metadata={"example": "Nguyễn Văn An"})
    date_of_birth = fields.String(required=True, metadata={"description": "YYYY-MM-DD", "example": "1995-03-05"})
    gender = fields.String(required=True, validate=validate.OneOf(["male", "female"]))


class IdentityUpdateRequestSchema(Schema):
    employees = fields.List(fields.Nested(IdentityUpdateRowSchema), required=True,
                            metadata={"description": "1 to 10,000 rows"})


class RowProblemSchema(Schema):
    code = fields.String()
    message = fields.String()


class IdentityUpdateResultSchema(Schema):
    row = fields.Integer(metadata={"description": "1-based position in `employees` (CSV: data row)"})
    status = fields.String(metadata={"description": "updated | rejected"})
    bhxh_code = fields.String(allow_none=True)
    cccd = fields.String(allow_none=True, metadata={"description": "the CCCD the record now carries"})
    code = fields.String(allow_none=True, metadata={
        "description": "rejected rows: validation_error | registry_mismatch | not_employed | cccd_on_another_record"})
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.Nested(RowProblemSchema)))


class IdentityUpdateAnswerSchema(Schema):
    batch_id = fields.String()
    received = fields.Integer()
    updated = fields.Integer()
    rejected = fields.Integer()
    results = fields.List(fields.Nested(IdentityUpdateResultSchema))


class CoverageSchema(Schema):
    unit_code = fields.String()
    active_employees = fields.Integer()
    cccd_verified = fields.Integer()
    cccd_verified_pct = fields.Float(allow_none=True, metadata={"description": "percent, 2 decimals; null at 0 employees"})
    missing_cccd = fields.Integer()
    app_linked = fields.Integer()
    app_linked_pct = fields.Float(allow_none=True)
    missing_app = fields.Integer()


class EmployeeListArgs(PageArgs):
    missing = fields.String(validate=validate.OneOf(("cccd", "app")), metadata={
        "description": "only the employees whose record carries no CCCD (`cccd`) or no linked app account (`app`)"})
