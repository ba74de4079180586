"""Settings, read from environment variables only (CONTRACT §0)."""
from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

from policy import ADDRESS_LIMITS, CLINIC_CHECK_LIMITS

INSTANCE_DIR = Path(os.environ.get("INSTANCE_DIR", Path(__file__).resolve().parent / "instance"))


class ConfigError(RuntimeError):
    """A setting that makes the service unsafe or unable to start."""


def _dev_secret_key(instance_dir: Path) -> str:
    """Generate the development secret once and keep it in instance/, so tokens survive restarts."""
    path = instance_dir / "secret_key"
    if not path.exists():
        instance_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def load(overrides: dict | None = None) -> dict:
    """Build the Flask config mapping from the environment (plus test overrides)."""
    env = {**os.environ, **{k: v for k, v in (overrides or {}).items() if isinstance(v, str)}}
    instance_dir = Path(env.get("INSTANCE_DIR", INSTANCE_DIR))
    app_env = env.get("APP_ENV", "development")
    cfg: dict = {
        "APP_ENV": app_env,
        "INSTANCE_DIR": str(instance_dir),
        "DATABASE_URL": env.get("DATABASE_URL", f"sqlite:///{instance_dir / 'app.db'}"),
        "REDIS_URL": env.get("REDIS_URL") or None,
        "SECRET_KEY": env.get("SECRET_KEY") or None,
        "SMS_BACKEND": env.get("SMS_BACKEND", "outbox"),
        "SMS_OUTBOX_FILE": env.get("SMS_OUTBOX_FILE", str(instance_dir / "sms-outbox.jsonl")),
        "SMS_HTTP_URL": env.get("SMS_HTTP_URL"),
        "SMS_HTTP_TIMEOUT": float(env.get("SMS_HTTP_TIMEOUT", "5")),
        "SMS_HTTP_BACKOFF": float(env.get("SMS_HTTP_BACKOFF", "0.25")),  # seconds before the one retry
        "REGISTRY_BACKEND": env.get("REGISTRY_BACKEND", "local"),
        "REGISTRY_URL": env.get("REGISTRY_URL"),
        "REGISTRY_TIMEOUT": float(env.get("REGISTRY_TIMEOUT", "3")),
        "REGISTRY_RELATIONS_URL": env.get("REGISTRY_RELATIONS_URL"),  # default: `relations` next to REGISTRY_URL
        "REGISTRY_RETRY_AFTER": int(env.get("REGISTRY_RETRY_AFTER", "30")),  # Retry-After when it is down
        "THROTTLE_PREFIX": env.get("THROTTLE_PREFIX", "vssid:throttle:"),  # Redis keys of auth/throttle.py
        # Per-address limits (api/limits.py), counted in the throttle store (Redis, else the database).
        **{f"RATELIMIT_{name}": env.get(f"RATELIMIT_{name}", default) for name, default in ADDRESS_LIMITS.items()},
        # How long a repeated Idempotency-Key waits for the first request's batch before 409.
        "IDEMPOTENCY_WAIT_SECONDS": float(env.get("IDEMPOTENCY_WAIT_SECONDS", "10")),
        "CARD_KEYS_DIR": env.get("CARD_KEYS_DIR", str(instance_dir / "card-keys")),
        # Key-encryption keys of secrets stored at rest (auth/secrets_box.py); not derived from SECRET_KEY.
        "DATA_KEYS_DIR": env.get("DATA_KEYS_DIR", str(instance_dir / "data-keys")),
        "PORT": int(env.get("PORT", "8000")),
        # Domain settings with their legal values; see docs/decisions.md.
        "BASE_SALARY_VND": int(env.get("BASE_SALARY_VND", "2340000")),
        "CONTRIBUTION_CAP_MULTIPLE": int(env.get("CONTRIBUTION_CAP_MULTIPLE", "20")),
        "EMPLOYER_RATE_PERMILLE": int(env.get("EMPLOYER_RATE_PERMILLE", "215")),
        "EMPLOYEE_RATE_PERMILLE": int(env.get("EMPLOYEE_RATE_PERMILLE", "105")),
        # Clinic card checks per staff member / per clinic client (services/check_limits.py).
        **{name: int(env.get(name, default)) for name, default in CLINIC_CHECK_LIMITS.items()},
        "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO"),
        # Task queue and outbox (docs/notifications.md).
        "QUEUE_URL": env.get("QUEUE_URL") or _default_queue_url(env, app_env, instance_dir),
        "QUEUE_NAME": env.get("QUEUE_NAME", "vssid"),
        "QUEUE_WORKER": env.get("QUEUE_WORKER", "embedded"),
        "QUEUE_THREADS": int(env.get("QUEUE_THREADS", "4")),
        "OUTBOX_MAX_ATTEMPTS": int(env.get("OUTBOX_MAX_ATTEMPTS", "8")),
        "OUTBOX_BACKOFF_S": float(env.get("OUTBOX_BACKOFF_S", "2")),
        "OUTBOX_LEASE_S": float(env.get("OUTBOX_LEASE_S", "60")),
        "PUSH_BACKEND": env.get("PUSH_BACKEND", "local"),
        "PUSH_OUTBOX_FILE": env.get("PUSH_OUTBOX_FILE", str(instance_dir / "push-outbox.jsonl")),
        "FCM_PROJECT_ID": env.get("FCM_PROJECT_ID"),
        "FCM_CREDENTIALS_FILE": env.get("FCM_CREDENTIALS_FILE"),
        "FCM_BASE_URL": env.get("FCM_BASE_URL", "https://fcm.googleapis.com"),
        "FCM_TOKEN_URL": env.get("FCM_TOKEN_URL"),
    }
    if overrides:
        cfg.update(overrides)
    _check(cfg)
    if not cfg["SECRET_KEY"]:
        cfg["SECRET_KEY"] = _dev_secret_key(Path(cfg["INSTANCE_DIR"]))
    return cfg


def _default_queue_url(env: dict, app_env: str, instance_dir: Path) -> str:
    """Production queues on its Redis; anywhere else a SQLite file that needs no server."""
    if app_env == "production" and env.get("REDIS_URL"):
        return env["REDIS_URL"]
    return f"sqlite:///{instance_dir / 'queue.db'}"


def _check(cfg: dict) -> None:
    """Refuse unsafe production settings with one line that says why."""
    if cfg["APP_ENV"] != "production":
        return
    if not cfg["SECRET_KEY"]:
        raise ConfigError("APP_ENV=production needs SECRET_KEY: set it to a long random string")
    if cfg["DATABASE_URL"].startswith("sqlite"):
        raise ConfigError("APP_ENV=production refuses SQLite: set DATABASE_URL to PostgreSQL")
    if not cfg["REDIS_URL"]:
        raise ConfigError("APP_ENV=production needs REDIS_URL: the shared store for every limit and counter")
    if cfg["SMS_BACKEND"] in ("outbox", "console"):  # both write the codes where operators read them
        raise ConfigError(f"APP_ENV=production refuses SMS_BACKEND={cfg['SMS_BACKEND']}: use http")
    if cfg["QUEUE_URL"].startswith("memory:"):
        raise ConfigError("APP_ENV=production refuses QUEUE_URL=memory:// (tests only): use redis://")


def load_or_exit(overrides: dict | None = None) -> dict:
    """`load` for a process that is starting (gunicorn, every `flask` command): an unsafe setting
    is one line on standard error and exit status 1, not a traceback, and nothing is bound."""
    try:
        return load(overrides)
    except ConfigError as exc:
        sys.stderr.write(f"refusing to start: {exc}\n")
        sys.stderr.flush()
        raise SystemExit(1) from None
