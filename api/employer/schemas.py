"""Employer batch shapes (for the OpenAPI document; bodies are parsed in parsing.py because a
batch may also come as CSV, and answers are stored and replayed as they were first sent)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.birth_dates import BirthDateField
from api.pagination import page_schema
from services import enrollment_rows, terminations
from services.identifiers import GENDERS

# The row shape is services/enrollment_rows.py (it validates, JSON and CSV alike); this schema only
# documents it: its fields, which are required and the gender choices come from there.
_ENROLLMENT_DOCS = {
    "cccd": {"example": "001095012345"},
    "full_name": {"example": "Nguyễn Văn An"},
    "date_of_birth": {"example": "1995-03-05"},
    "gender": {},
    "salary": {"description": "VND per month", "example": 15000000},
    "start_month": {"description": "YYYY-MM", "example": "2026-11"},
    "job_title": {"example": "Kế toán viên"},
    "primary_care_facility_code": {"example": "01001"},
    "phone": {"example": "0912345678"},
    "bhxh_code": {"example": "0123456789"},
}
_ENROLLMENT_KINDS = {"date_of_birth": BirthDateField, "salary": fields.Integer}
assert set(_ENROLLMENT_DOCS) == set(enrollment_rows.FIELDS), "document every enrollment field"


def _enrollment_field(name: str) -> fields.Field:
    kind = _ENROLLMENT_KINDS.get(name, fields.String)
    extra = {"validate": validate.OneOf(GENDERS)} if name == "gender" else {}
    return kind(required=name in enrollment_rows.REQUIRED, metadata=_ENROLLMENT_DOCS[name], **extra)


EnrollmentRowSchema = Schema.from_dict({name: _enrollment_field(name) for name in enrollment_rows.FIELDS},
                                       name="EnrollmentRowSchema")


class EnrollmentRequestSchema(Schema):
    employees = fields.List(fields.Nested(EnrollmentRowSchema), required=True,
                            metadata={"description": "1 to 10,000 rows"})


class TerminationRowSchema(Schema):
    cccd = fields.String(metadata={"description": "cccd or bhxh_code"})
    bhxh_code = fields.String()
    end_month = fields.String(required=True, metadata={"description": "YYYY-MM, the last month worked"})
    reason = fields.String(required=True, validate=validate.OneOf(terminations.REASONS))


class TerminationRequestSchema(Schema):
    employees = fields.List(fields.Nested(TerminationRowSchema), required=True)


class ContributionSchema(Schema):
    employer = fields.Integer()
    employee = fields.Integer()
    total = fields.Integer()


class EnrollmentResultSchema(Schema):
    row = fields.Integer(metadata={"description": "1-based position in `employees` (CSV: data row)"})
    status = fields.String(metadata={"description": "enrolled | rejected"})
    bhxh_code = fields.String(allow_none=True)
    card_number = fields.String(allow_none=True)
    contribution = fields.Nested(ContributionSchema, allow_none=True)
    code = fields.String(allow_none=True, metadata={
        "description": "rejected rows: validation_error | registry_mismatch | already_enrolled | "
                       "bhxh_code_not_found | bhxh_code_mismatch | card_revoked"})
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class EnrollmentAnswerSchema(Schema):
    batch_id = fields.String()
    received = fields.Integer()
    enrolled = fields.Integer()
    rejected = fields.Integer()
    results = fields.List(fields.Nested(EnrollmentResultSchema))


class TerminationResultSchema(Schema):
    row = fields.Integer()
    status = fields.String(metadata={"description": "terminated | rejected"})
    bhxh_code = fields.String(allow_none=True)
    card_number = fields.String(allow_none=True)
    code = fields.String(allow_none=True, metadata={"description": "validation_error | not_employed"})
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class TerminationAnswerSchema(Schema):
    batch_id = fields.String()
    received = fields.Integer()
    terminated = fields.Integer()
    rejected = fields.Integer()
    results = fields.List(fields.Nested(TerminationResultSchema))


class EmployeeSchema(Schema):
    bhxh_code = fields.String()
    cccd = fields.String(allow_none=True)
    full_name = fields.String()
    start_month = fields.String(metadata={"description": "YYYY-MM"})
    salary = fields.Integer()
    job_title = fields.String()
    card_number = fields.String(allow_none=True)


EmployeePageSchema = page_schema(EmployeeSchema, "EmployeePage")
