"""The one source of "now". Tests replace `clock.now` to control time; call it as `clock.now()`."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

VN_OFFSET = timedelta(hours=7)


def now() -> datetime:
    return datetime.now(timezone.utc)


def today() -> date:
    """Today's date in Vietnam (UTC+7): a card valid "to 31/12" is valid all of that local day."""
    return (now() + VN_OFFSET).date()
