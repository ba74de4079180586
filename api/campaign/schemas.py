"""The campaign report's query and answer (docs/campaign.md)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.identifiers import PROVINCES


class CampaignArgs(Schema):
    province = fields.String(validate=validate.OneOf(sorted(PROVINCES)), metadata={
        "description": "a 2-digit province code: only that province", "example": "01"})
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv")), metadata={
        "description": "`csv` answers text/csv (columns in docs/campaign.md)"})


class CampaignLineSchema(Schema):
    participants = fields.Integer(metadata={"description": "insured persons holding a card"})
    cccd_verified = fields.Integer(metadata={"description": "of them, records carrying a registry-verified CCCD"})
    cccd_verified_pct = fields.Float(allow_none=True, metadata={"description": "percent, 2 decimals; null at 0"})
    app_linked = fields.Integer(metadata={"description": "of them, records linked to an app account"})
    app_linked_pct = fields.Float(allow_none=True)


class CampaignProvinceSchema(CampaignLineSchema):
    province_code = fields.String()
    province_name = fields.String(allow_none=True)


class CampaignSchema(Schema):
    as_of = fields.String(metadata={"description": "ISO 8601 time of the figures"})
    province = fields.String(allow_none=True)
    totals = fields.Nested(CampaignLineSchema)
    provinces = fields.List(fields.Nested(CampaignProvinceSchema))
