"""Bodies of /me/notifications and /me/devices."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.pagination import page_schema


class NotificationSchema(Schema):
    id = fields.String()
    kind = fields.String(metadata={"description": "card_checked | link_decided | card_expiring | enrolled | "
                                                  "reported_decreased | visit_recorded"})
    title = fields.String()
    body = fields.String()
    data = fields.Dict(metadata={"description": "the event's facts, by kind (docs/notifications.md)"})
    created_at = fields.DateTime()
    read = fields.Boolean()
    read_at = fields.DateTime(allow_none=True)


NotificationPageSchema = page_schema(NotificationSchema, "NotificationPage")


class DeviceInSchema(Schema):
    platform = fields.String(required=True, validate=validate.OneOf(["android", "ios", "web"]))
    token = fields.String(required=True, validate=validate.Length(min=20, max=4096),
                          metadata={"description": "the FCM registration token of this app install"})


class DeviceSchema(Schema):
    id = fields.String()
    platform = fields.String()
    created_at = fields.DateTime()
    last_seen_at = fields.DateTime()
