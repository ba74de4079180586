from __future__ import annotations

from marshmallow import Schema, fields

from api.pagination import page_schema


class ParticipationSchema(Schema):
    unit_code = fields.String()
    unit_name = fields.String()
    from_month = fields.String(metadata={"description": "YYYY-MM"})
    to_month = fields.String(allow_none=True, metadata={"description": "YYYY-MM; null while employed"})
    salary = fields.Integer()
    job_title = fields.String()


ParticipationPageSchema = page_schema(ParticipationSchema, "ParticipationPage")
