"""`?page=&per_page=` (max 100) and the `{items, page, per_page, total}` envelope (CONTRACT §1)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


def page_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    """A documented envelope schema for a list of `item_schema`."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema)),
            "page": fields.Integer(),
            "per_page": fields.Integer(),
            "total": fields.Integer(),
        },
        name=name,
    )


def paginate(session: Session, stmt: Select, args: dict, row: Callable[[Any], Any] = lambda r: r) -> dict:
    page, per_page = args["page"], args["per_page"]
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    items = [row(r[0] if len(r) == 1 else r) for r in rows]
    return {"items": items, "page": page, "per_page": per_page, "total": total}
