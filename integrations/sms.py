"""SMS gateway adapter (issue 2 fills this in): outbox | console | http."""
from __future__ import annotations


def from_config(cfg: dict):
    return None
