"""Body and answer of POST /births (the birth-registration system)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate


def _cccd(**kwargs) -> fields.String:
    return fields.String(validate=validate.Length(equal=12), metadata={"example": "001226000123"}, **kwargs)



class BirthSchema(Schema):
    registration_id = fields.String(required=True, validate=validate.Length(min=1, max=64),
                                    metadata={"description": "the registration system's id; re-sending it is safe"})
    cccd = _cccd(required=True)
    full_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    date_of_birth = fields.Date(required=True)
    gender = fields.String(required=True, validate=validate.OneOf(("male", "female")))
    province_code = fields.String(required=True, validate=validate.Length(equal=2))
    mother_cccd = _cccd(load_default=None, allow_none=True)
    father_cccd = _cccd(load_default=None, allow_none=True)
    guardian_cccd = _cccd(load_default=None, allow_none=True)
    facility_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(equal=5),
                                  metadata={"description": "used only when no parent's active card names one"})


class BirthResultSchema(Schema):
    registration_id = fields.String()
    bhxh_code = fields.String()
    card_number = fields.String()
    object_code = fields.String()
    benefit_level = fields.Integer()
    valid_from = fields.String(metadata={"format": "date"})
    valid_to = fields.String(metadata={"format": "date"})
    facility_code = fields.String()
