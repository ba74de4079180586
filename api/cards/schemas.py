"""Shapes of the card endpoints (documentation and query parsing)."""
from __future__ import annotations

from datetime import timezone

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates

from api.birth_dates import BirthDateField
from card_codes import EXPIRED, CardStatus


class FacilityRefSchema(Schema):
    code = fields.String()
    name = fields.String(allow_none=True)


class CardSchema(Schema):
    """The card as its holder sees it; also what a clinic gets once the holder's identity matched."""

    card_number = fields.String()
    bhxh_code = fields.String()
    full_name = fields.String()
    date_of_birth = BirthDateField()
    gender = fields.String(metadata={"enum": ["male", "female"]})
    object_code = fields.String()
    benefit_level = fields.Integer()
    benefit_rate = fields.Integer(metadata={"description": "percent: 1:100, 2:100, 3:95, 4:80, 5:100"})
    province_code = fields.String()
    area_code = fields.String(allow_none=True)
    primary_care_facility = fields.Nested(FacilityRefSchema)
    valid_from = fields.String(metadata={"format": "date"})
    valid_to = fields.String(metadata={"format": "date"})
    five_year_date = fields.String(allow_none=True, metadata={"format": "date"})
    issuing_agency = fields.String()
    status = fields.String(metadata={"enum": [CardStatus.ACTIVE.value, EXPIRED, CardStatus.REVOKED.value,
                                               CardStatus.REPORTED_DECREASED.value]})


class MyCardSchema(CardSchema):
    qr = fields.String(allow_none=True, metadata={
        "description": "compact JWS (ES256, kid); null when the card is not active today"})
    qr_expires_at = fields.String(allow_none=True, metadata={"format": "date-time"})


class CardCheckItemSchema(Schema):
    check_id = fields.String()
    checked_at = fields.String(metadata={"format": "date-time"})
    facility_code = fields.String()
    facility_name = fields.String(allow_none=True)
    result_code = fields.String()


class RevokedArgs(Schema):
    since = fields.AwareDateTime(required=True, metadata={
        "description": "ISO 8601 with offset; the previous answer's generated_at"})
    after = fields.String(validate=validate.Length(max=32), metadata={
        "description": "with `since`: continue after this cid (from `next` when has_more)"})
    limit = fields.Integer(load_default=500, validate=validate.Range(min=1, max=1000))

    @validates("since")
    def _representable(self, value, **_kwargs):
        # 0001-01-01T00:00+00:01 parses, but has no UTC instant a database column can hold.
        try:
            value.astimezone(timezone.utc)
        except OverflowError:
            raise ValidationError("The time is out of range.") from None

    @pre_load
    def _plus_sign(self, data, **_kwargs):
        # An unencoded "+07:00" arrives as " 07:00"; put the sign back rather than fail.
        if "since" in data and " " in str(data["since"]):
            data = {**data, "since": str(data["since"]).replace(" ", "+")}
        return data


class RevokedItemSchema(Schema):
    cid = fields.String()
    status = fields.String(metadata={"enum": [CardStatus.REVOKED.value, CardStatus.REPORTED_DECREASED.value]})
    reason = fields.String(allow_none=True)
    result_code = fields.String(metadata={"description": "what an online check would answer: 110, 120-124"})
    changed_at = fields.String(metadata={"format": "date-time"})


class NextPageSchema(Schema):
    since = fields.String()
    after = fields.String()


class RevokedFeedSchema(Schema):
    items = fields.List(fields.Nested(RevokedItemSchema))
    has_more = fields.Boolean()
    next = fields.Nested(NextPageSchema, allow_none=True)
    generated_at = fields.String(metadata={"format": "date-time", "description": "the next poll's `since`"})


class JwkSchema(Schema):
    kty = fields.String()
    crv = fields.String()
    alg = fields.String()
    use = fields.String()
    kid = fields.String()
    x = fields.String()
    y = fields.String()


class JwksSchema(Schema):
    keys = fields.List(fields.Nested(JwkSchema))
