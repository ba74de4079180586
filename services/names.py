"""Name comparison (CONTRACT §1): NFC, case-folded, white space collapsed; diacritics significant."""
from __future__ import annotations

import unicodedata


def normalize_name(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name or "").casefold().split())


def same_name(a: str, b: str) -> bool:
    return normalize_name(a) == normalize_name(b)


def strip_diacritics(name: str) -> str:
    """`Nguyễn Văn Đức` -> `nguyen van duc` (đ is its own letter, folded by hand)."""
    decomposed = unicodedata.normalize("NFD", normalize_name(name).replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def initials(name: str) -> str:
    return "".join(word[0] for word in strip_diacritics(name).split())
