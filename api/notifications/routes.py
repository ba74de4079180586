"""`/me/notifications` (unread first) and `/me/devices` (push registration), CONTRACT §11."""
from __future__ import annotations

import db
from api.pagination import PageArgs, paginate
from api.smorest import Blueprint
from auth.roles import CITIZEN, current_actor
from services import notifications

from .schemas import DeviceInSchema, DeviceSchema, NotificationPageSchema

blp = Blueprint("notifications", __name__, url_prefix="/me", description="Notifications and push devices")


@blp.route("/notifications", methods=["GET"])
@blp.roles_required(CITIZEN)
@blp.arguments(PageArgs, location="query")
@blp.response(200, NotificationPageSchema)
def list_notifications(args):
    """My notifications: unread first, then newest first."""
    session = db.session()
    return paginate(session, notifications.list_query(current_actor().account_id), args, notifications.item)


@blp.route("/notifications/<string:notification_id>/read", methods=["POST"])
@blp.roles_required(CITIZEN)
@blp.response(204)
def mark_read(notification_id: str):
    """Mark one of my notifications read (again is fine); `404 notification_not_found` otherwise."""
    notifications.mark_read(db.session(), current_actor().account_id, notification_id)


@blp.route("/devices", methods=["POST"])
@blp.roles_required(CITIZEN)
@blp.arguments(DeviceInSchema)
@blp.response(201, DeviceSchema)
def register_device(data):
    """Register this app install for push (its FCM token); the same token again updates it."""
    return notifications.register_device(db.session(), current_actor().account_id, data["platform"], data["token"])
