"""New 10-digit BHXH codes: the issuing province's 2 digits + 8 random digits (CSPRNG).

The prefix only makes codes look like real ones (domain.md §1.2: the structure is unconfirmed,
so nothing may rely on it). Uniqueness: candidates are checked against existing codes in bulk
(one IN query per chunk) and regenerated on a clash; the unique constraint on
insured_persons.bhxh_code is the final guard against a concurrent batch drawing the same code
(the batch then retries, see services.enrollment).
"""
from __future__ import annotations

import secrets
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import InsuredPerson

CHUNK = 2000
MAX_ROUNDS = 20


def _candidate(prefix: str) -> str:
    return prefix + f"{secrets.randbelow(10 ** (10 - len(prefix))):0{10 - len(prefix)}d}"


def existing(session: Session, codes: Iterable[str]) -> set[str]:
    codes = list(codes)
    found: set[str] = set()
    for start in range(0, len(codes), CHUNK):
        chunk = codes[start:start + CHUNK]
        found.update(session.scalars(select(InsuredPerson.bhxh_code).where(InsuredPerson.bhxh_code.in_(chunk))))
    return found


def generate(session: Session, count: int, province_code: str, reserved: Iterable[str] = ()) -> list[str]:
    """`count` distinct codes not in the database nor in `reserved` (codes this batch uses already)."""
    prefix = province_code if len(province_code) == 2 and province_code.isdigit() else ""
    taken = set(reserved)
    codes: list[str] = []
    for _ in range(MAX_ROUNDS):
        need = count - len(codes)
        if need <= 0:
            return codes
        fresh: set[str] = set()
        while len(fresh) < need:
            code = _candidate(prefix)
            if code not in taken:
                fresh.add(code)
        clash = existing(session, fresh)
        for code in fresh - clash:
            codes.append(code)
            taken.add(code)
        taken |= clash
    raise RuntimeError("could not draw unique BHXH codes; the code space of this province is nearly full")
