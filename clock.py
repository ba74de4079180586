"""The one source of "now". Tests replace `clock.now` to control time; call it as `clock.now()`."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

VN_OFFSET = timedelta(hours=7)


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """Today's date in Vietnam (UTC+7): a card valid "to 31/12" is valid all of that local day."""
    return (now() + VN_OFFSET).date()
