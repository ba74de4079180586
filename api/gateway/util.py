"""What the gateway-compatible endpoints share: the body (JSON or form) and the gateway's formats."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from flask import request

VN = timezone(timedelta(hours=7))


def gateway_body() -> dict | None:
    if request.mimetype == "application/json":
        body = request.get_json(silent=True)
        return body if isinstance(body, dict) else None
    return request.form.to_dict()


def stamp(at: datetime, fmt: str = "%Y%m%d%H%M") -> str:
    """A time as the gateway writes it (yyyyMMddHHmm by default), Vietnam time."""
    return at.astimezone(VN).strftime(fmt)


def dmy(day: date | datetime | None) -> str:
    """dd/MM/yyyy; the empty string for none, as the MCCT answer writes missing dates."""
    if day is None:
        return ""
    if isinstance(day, datetime):
        day = day.astimezone(VN).date()
    return day.strftime("%d/%m/%Y")
