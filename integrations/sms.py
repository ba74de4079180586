"""SMS gateway adapter: `outbox` (JSON lines file), `console` (stdout) or `http` (a gateway's API).

The text of a message may carry a one-time code, so it never goes through `logging` (whose
handlers end up in files and log shippers). Only the masked phone and the outcome are logged.
"""
from __future__ import annotations

import fcntl
import json
import logging
import os
import sys
import time
from pathlib import Path

import requests

import clock
from config import ConfigError
from errors import AdapterUnavailable
from policy import UNAVAILABLE_RETRY_AFTER_S
from privacy import mask_tail

log = logging.getLogger(__name__)


class SmsUnavailable(AdapterUnavailable):
    """The message could not be handed to the gateway: 503, nothing of the challenge kept."""

    code = "sms_unavailable"
    detail = "The SMS gateway is unavailable; try again shortly."
    retry_after = UNAVAILABLE_RETRY_AFTER_S


class SmsRefused(SmsUnavailable):
    """The gateway refused this message (4xx): sending it again will not help."""


class OutboxSender:
    """Development sink: one JSON line {"to", "text", "sent_at"} per message, shared by all workers."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)

    def send(self, to: str, text: str, idempotency_key: str | None = None) -> None:
        entry = {"to": to, "text": text, "sent_at": clock.now().isoformat(timespec="seconds")}
        if idempotency_key:
            entry["id"] = idempotency_key
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                # O_APPEND + one write is atomic for small lines; the lock covers larger ones and NFS.
                fcntl.flock(fd, fcntl.LOCK_EX)
                os.write(fd, line.encode("utf-8"))
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
        except OSError as exc:
            raise SmsUnavailable(f"outbox not writable: {exc.strerror}") from exc
        log.info("sms queued to outbox for %s", mask_tail(to, 3))


class ConsoleSender:
    """Prints the message to standard output directly, not through logging, so that a code never
    lands in a log file; meant for a developer's terminal only."""

    def __init__(self, stream=None) -> None:
        self.stream = stream

    def send(self, to: str, text: str, idempotency_key: str | None = None) -> None:
        stream = self.stream or sys.stdout
        stream.write(f"[SMS to {to}] {text}\n")
        stream.flush()


class HttpSender:
    """POSTs {"to", "text", "id"} as JSON with an `Idempotency-Key` header (the outbox message id: a
    gateway that honours it sends a message once however often it is asked). Connection errors and
    5xx answers are retried twice with a short backoff here; a read timeout is left to the outbox's
    later, slower retries with the same key."""

    def __init__(self, url: str, timeout: float = 5.0, retries: int = 2, backoff: float = 0.25,
                 http: requests.Session | None = None) -> None:
        self.url = url
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.http = http or requests.Session()

    def send(self, to: str, text: str, idempotency_key: str | None = None) -> None:
        masked = mask_tail(to, 3)
        body = {"to": to, "text": text}
        headers = {}
        if idempotency_key:
            body["id"] = headers["Idempotency-Key"] = idempotency_key
        last = "no attempt"
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * (2 ** (attempt - 1)))
            try:
                resp = self.http.post(self.url, json=body, headers=headers, timeout=self.timeout)
            except requests.exceptions.ConnectionError as exc:  # includes connect timeouts
                last = f"connection failed ({type(exc).__name__})"
                continue
            except requests.exceptions.Timeout as exc:
                log.warning("sms gateway timed out for %s", masked)
                raise SmsUnavailable("the SMS gateway did not answer in time") from exc
            except requests.exceptions.RequestException as exc:
                raise SmsUnavailable(f"SMS gateway request failed ({type(exc).__name__})") from exc
            if resp.status_code >= 500:
                last = f"gateway answered {resp.status_code}"
                continue
            if resp.status_code >= 400:
                log.warning("sms gateway refused the message for %s: %s", masked, resp.status_code)
                raise SmsRefused(f"the SMS gateway refused the message ({resp.status_code})")
            log.info("sms sent via gateway to %s", masked)
            return
        log.warning("sms gateway unavailable for %s: %s", masked, last)
        raise SmsUnavailable(f"the SMS gateway is unavailable: {last}")


def from_config(cfg: dict):
    backend = cfg.get("SMS_BACKEND") or "outbox"
    if backend == "outbox":
        return OutboxSender(cfg["SMS_OUTBOX_FILE"])
    if backend == "console":
        return ConsoleSender()
    if backend == "http":
        if not cfg.get("SMS_HTTP_URL"):
            raise ConfigError("SMS_BACKEND=http needs SMS_HTTP_URL: set it to the gateway's endpoint")
        return HttpSender(cfg["SMS_HTTP_URL"], timeout=float(cfg.get("SMS_HTTP_TIMEOUT") or 5),
                          backoff=float(cfg.get("SMS_HTTP_BACKOFF") or 0.25))
    raise ConfigError(f"unknown SMS_BACKEND {backend!r}: use outbox, console or http")
