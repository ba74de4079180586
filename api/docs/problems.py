"""Every problem `code` the API can answer, read from the code itself: each `errors.AppError`
subclass (class-level `status`, `code`, `detail`) and the codes api/errors.py gives to Flask's own
HTTP errors. docs/problems.md is checked against this table by a test."""
from __future__ import annotations

import importlib
import pkgutil
from typing import NamedTuple

from api.errors import _HTTP_CODES
from errors import AppError

TYPE_PREFIX = "/docs/problems#"


class ProblemCode(NamedTuple):
    code: str
    status: int
    detail: str


def _subclasses(cls: type[AppError]) -> list[type[AppError]]:
    found: list[type[AppError]] = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return found


def _import_all() -> None:
    """Refusals live next to their rules: import every module that may define one."""
    for package in ("auth", "integrations", "services"):
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, package + "."):
            importlib.import_module(info.name)


def table() -> list[ProblemCode]:
    """One row per code (the first class with a detail gives the meaning)."""
    _import_all()
    rows: dict[str, ProblemCode] = {}
    for status, code in _HTTP_CODES.items():
        rows[code] = ProblemCode(code, status, "")
    for cls in _subclasses(AppError):
        found_code: object = getattr(cls, "code", None)
        if not isinstance(found_code, str) or not found_code:
            continue
        code = found_code
        detail = cls.__dict__.get("detail") or ""
        old = rows.get(code)
        if old is None or (not old.detail and detail):
            rows[code] = ProblemCode(code, int(cls.status), str(detail) if isinstance(detail, str) else "")
    return sorted(rows.values(), key=lambda r: (r.status, r.code))


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Problem codes</title></head>
<body><h1>Problem codes</h1>
<p>Every error is an <code>application/problem+json</code> document (RFC 9457) whose <code>type</code>
is <code>/docs/problems#&lt;code&gt;</code>, resolved against this server. Clients branch on
<code>code</code>.</p>
<table><tr><th>code</th><th>status</th><th>meaning</th></tr>
{% for r in rows %}<tr id="{{ r.code }}"><td><code>{{ r.code }}</code></td><td>{{ r.status }}</td>
<td>{{ r.detail }}</td></tr>
{% endfor %}</table></body></html>
"""
