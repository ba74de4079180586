"""The context handed to the scenario hooks (bench/scenarios.py), and the server's environment."""
from __future__ import annotations

import os
import secrets
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from bench.base import BIN, ROOT, Options
from bench.servers import Gunicorn, SmsSink

# ---------------------------------------------------------------------------------------------------
# Context handed to the scenario hooks


@dataclass
class Context:
    opts: Options
    db_url: str
    env: dict
    tmp: Path
    sms: SmsSink
    people: int = 0
    server: Gunicorn | None = None
    cache: dict = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return self.server.url

    @property
    def http(self):
        if "http" not in self.cache:
            import requests

            self.cache["http"] = requests.Session()
        return self.cache["http"]

    def flask(self, *args: str, timeout: int = 180) -> str:
        """Run an operator command (CONTRACT §7) against the scratch database; its stdout."""
        done = subprocess.run([str(BIN / "flask"), "--app", "app", *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args[:3])} failed ({done.returncode}): "
                               f"{(done.stderr or done.stdout).strip()[-800:]}")
        return done.stdout

    def sql(self, query: str, params: dict | None = None) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.db_url) as conn:
            return conn.execute(query, params or {}).fetchall()

    def app(self):
        """The Flask app in this process, configured like the server (same key, same database)."""
        if "app" not in self.cache:
            from app import create_app

            keys = ("APP_ENV", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "SMS_BACKEND", "SMS_HTTP_URL",
                    "INSTANCE_DIR", "CARD_KEYS_DIR", "REGISTRY_BACKEND")
            self.cache["app"] = create_app({k: self.env[k] for k in keys if k in self.env})
        return self.cache["app"]


def server_env(db_url: str, opts: Options, sms: SmsSink, tmp: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "SMS_", "DATABASE_"))}
    env.update({
        "APP_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": db_url,
        "REDIS_URL": opts.redis_url,
        "SMS_BACKEND": "http",
        "SMS_HTTP_URL": sms.url,
        "INSTANCE_DIR": str(tmp / "instance"),
        "CARD_KEYS_DIR": str(tmp / "card-keys"),
        "REGISTRY_BACKEND": "local",
        "PYTHONUNBUFFERED": "1",
    })
    return env
