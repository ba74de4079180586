"""Per-application adapters (throttle store, SMS gateway, population registry), built once at start-up."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

from auth import throttle


@dataclass
class Runtime:
    throttle: Any
    sms: Any
    registry: Any


def init_app(app: Flask) -> Runtime:
    from integrations import registry, sms

    cfg = app.config
    rt = Runtime(
        throttle=throttle.make(cfg["REDIS_URL"], cfg["THROTTLE_PREFIX"], app.extensions["db"].engine),
        sms=sms.from_config(cfg),
        registry=registry.from_config(cfg),
    )
    app.extensions["runtime"] = rt
    return rt


def get() -> Runtime:
    return current_app.extensions["runtime"]
