"""People's names, one rule: a name is kept in NFC with its white space collapsed (`clean_name`),
and two names are the same when their clean forms are equal case-folded (`same_name`; CONTRACT §1).
Diacritics are significant; only the 061 initials test (`initials`) drops them."""
from __future__ import annotations

import unicodedata


def clean_name(name: str | None) -> str:
    """The form a name is stored and shown in: NFC, runs of white space one space, no ends."""
    return " ".join(unicodedata.normalize("NFC", name or "").split())


def normalize_name(name: str | None) -> str:
    """The form two names are compared in: `clean_name`, case-folded."""
    return clean_name(name).casefold()


def same_name(a: str | None, b: str | None) -> bool:
    return normalize_name(a) == normalize_name(b)


def strip_diacritics(name: str) -> str:
    """`Nguyễn Văn Đức` -> `nguyen van duc` (đ is its own letter, folded by hand)."""
    decomposed = unicodedata.normalize("NFD", normalize_name(name).replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def initials(name: str) -> str:
    return "".join(word[0] for word in strip_diacritics(name).split())
