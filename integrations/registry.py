"""Population-registry adapter (issue 3 fills this in): local | http."""
from __future__ import annotations


def from_config(cfg: dict):
    return None
