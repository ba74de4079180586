"""`BirthDateField`: the one marshmallow field for a date of birth that may be partial.

Loads `YYYY-MM-DD`, `YYYY-MM` or `YYYY` (ASCII digits only, a real calendar date, from 1900 to
today) into a `services.birth_dates.BirthDate`; dumps a BirthDate (or a full `date`) in the
precision held. The OpenAPI document shows a string with the accepted pattern.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any

from marshmallow import fields

import clock
from services.birth_dates import MIN_YEAR, BirthDate

PATTERN = r"^\d{4}(-\d{2}(-\d{2})?)?$"
_SHAPE = re.compile(r"^(\d{4})(-\d{2}(-\d{2})?)?$", re.ASCII)
DESCRIPTION = ("Date of birth in the precision known: `YYYY-MM-DD`, `YYYY-MM` (day unknown) or `YYYY` "
               "(only the year known); from 1900 to today.")
SHAPE_MESSAGE = ("Ngày sinh phải có dạng YYYY-MM-DD, YYYY-MM hoặc YYYY "
                 "(date of birth must be YYYY-MM-DD, YYYY-MM or YYYY).")
RANGE_MESSAGE = f"Ngày sinh phải từ {MIN_YEAR} đến hôm nay (date of birth must be from {MIN_YEAR} to today)."


class BirthDateField(fields.String):
    default_error_messages = {"invalid": SHAPE_MESSAGE, "out_of_range": RANGE_MESSAGE}

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"description": DESCRIPTION, "pattern": PATTERN, "example": "1958-04-12",
                    **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> BirthDate:
        if not isinstance(value, str):
            raise self.make_error("invalid")
        try:
            born = BirthDate.parse_iso(value)
        except ValueError:
            # parse_iso also refuses years before MIN_YEAR; tell those apart for the message
            raise self.make_error("out_of_range" if _old_but_well_formed(value) else "invalid") from None
        if born.as_date > clock.today():
            raise self.make_error("out_of_range")
        return born

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, BirthDate):
            return value.iso()
        if isinstance(value, date):
            return value.isoformat()
        return str(value)


def _old_but_well_formed(text: str) -> bool:
    match = _SHAPE.match(text.strip())
    return match is not None and int(match.group(1)) < MIN_YEAR
