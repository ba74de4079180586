"""Text that cannot be stored or sent on: refused at the door, for every route, by one check.

A JSON string may carry a lone UTF-16 surrogate (`"\\ud800"`, or the raw bytes ED A0 80, which
Python's json accepts with `surrogatepass`). Python holds it as a `str`, but it has no UTF-8 form:
the first `encode()` (a hash, a database driver, the log) raised, i.e. a 500 deep in a view. This
check runs in `smorest.check_content_type` (before_request), so every operation answers the same
422 validation_error, whatever reads the body later (webargs, `request.get_json`, the gateway).

Cost: a body is parsed here only when its bytes could hold a surrogate (a `\\uD8..`-`\\uDF..`
escape or an ED A0..BF byte pair); other bodies, the clinic check's among them, pay one regex scan.
Form bodies and query strings are decoded by werkzeug with replacement, so they cannot hold one;
U+0000, which PostgreSQL text cannot hold, is refused by smorest's NUL check.
"""
from __future__ import annotations

import json
import re
from typing import Any

from errors import ValidationFailed

_MAYBE_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]")
MESSAGE = "Text that is not valid Unicode (a lone UTF-16 surrogate) is not allowed."


def unencodable_error(where: str = "_request") -> ValidationFailed:
    return ValidationFailed({where: [MESSAGE]}, "The request holds text that is not valid Unicode.")


def _bad(s: str) -> bool:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def first_bad_path(value: Any, path: str = "") -> str | None:
    """The dotted path of the first string (key or value) with no UTF-8 form, or None."""
    stack = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if _bad(item):
                return where or "_request"
        elif isinstance(item, dict):
            for key, sub in item.items():
                if _bad(key):
                    return where or "_request"
                stack.append((sub, f"{where}.{key}" if where else key))
        elif isinstance(item, list):
            stack.extend((sub, f"{where}.{i}" if where else str(i)) for i, sub in enumerate(item))
    return None


def check_json_body(data: bytes) -> None:
    """422 validation_error when a JSON body holds an unencodable string; malformed JSON is left
    to the view's parser (its own 422 / gateway answer)."""
    if not _MAYBE_SURROGATE.search(data):
        return
    try:
        parsed = json.loads(data)
    except (ValueError, RecursionError):
        return
    where = first_bad_path(parsed)
    if where is not None:
        raise unencodable_error(where)


def check_text_body(data: bytes) -> None:
    """A text body (CSV) that is not UTF-8 is the view's problem; surrogate bytes decoded with
    `surrogateescape` are not: refuse ED A0..BF here as well."""
    if re.search(rb"\xed[\xa0-\xbf]", data):
        raise unencodable_error()
