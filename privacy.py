"""Personal data never reaches the logs in full (CONTRACT privacy duties, ASVS 16.2.5).

`mask_*` helpers are for code that wants to log an identifier on purpose; MaskingFilter is the
safety net that scrubs every log record of anything shaped like a CCCD, BHXH code, card number,
phone number, JWT or bearer token, whatever the code that logged it meant to do.
"""
from __future__ import annotations

import logging
import re

from flask import Flask

_PATTERNS = [
    # JWTs / compact JWS (access tokens, card QR payloads).
    (re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]*"), "[jwt]"),
    (re.compile(r"(?i)(bearer\s+)[\w.~+/=-]+"), r"\1[token]"),
    (re.compile(r"(?i)((?:password|secret|otp|token|client_secret|code)\"?\s*[:=]\s*\"?)[^\s\",}&]+"), r"\1[redacted]"),
    # Card numbers: 2 letters + 13 digits.
    (re.compile(r"\b([A-Z]{2})\d{9}(\d{4})\b"), r"\1*********\2"),
    # Phones: +84 / 84 / 0 followed by 9 digits.
    (re.compile(r"(\+?84|\b0)(\d{2})\d{4}(\d{3})\b"), r"\1\2****\3"),
    # 12-digit CCCD, then 10-digit BHXH codes, then any other long digit run.
    (re.compile(r"\b\d{8}(\d{4})\b"), r"********\1"),
    (re.compile(r"\b\d{6}(\d{4})\b"), r"******\1"),
    (re.compile(r"\b\d{4,5}(\d{4})\b"), r"****\1"),
]


def scrub(text: str) -> str:
    for pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    return text


def mask_tail(value: str | None, keep: int = 4) -> str | None:
    """`001095012345` -> `********2345`."""
    if value is None:
        return None
    return "*" * max(0, len(value) - keep) + value[-keep:]


def scrub_record(record: logging.LogRecord) -> logging.LogRecord:
    """Mask the message, its arguments, the traceback and the stack of one record, in place."""
    if getattr(record, "_scrubbed", False):
        return record
    try:
        message = record.getMessage()
    except Exception:  # a broken format string must not kill logging
        message = str(record.msg)
    record.msg, record.args = scrub(message), None
    if record.exc_info and not record.exc_text:
        # Formatters render the traceback after the filters ran: render (and mask) it now.
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = scrub(record.exc_text)
    if record.stack_info:
        record.stack_info = scrub(record.stack_info)
    record._scrubbed = True
    return record


class MaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        scrub_record(record)
        return True


def _install_record_factory() -> None:
    """Scrub every record where it is born, so that no handler sees it unmasked: not one added
    later, not one below the root (SQLAlchemy's echo handler), not one of a logger that does not
    propagate."""
    current = logging.getLogRecordFactory()
    if getattr(current, "_masking", False):
        return

    def factory(*args, **kwargs):
        return scrub_record(current(*args, **kwargs))

    factory._masking = True
    logging.setLogRecordFactory(factory)


def configure_logging(app: Flask) -> None:
    """Attach the masking filter to every handler of the root logger (and gunicorn's, if any)."""
    _install_record_factory()
    level = getattr(logging, str(app.config["LOG_LEVEL"]).upper(), logging.INFO)
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    root.setLevel(level)
    for name in ("", "gunicorn.error", "gunicorn.access", "werkzeug"):
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, MaskingFilter) for f in handler.filters):
                handler.addFilter(MaskingFilter())
