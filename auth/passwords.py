"""Argon2id password hashing (argon2-cffi's RFC 9106 low-memory profile in production)."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import RFC_9106_LOW_MEMORY

_hasher = PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY)
# A hash of a random string, verified against when the account does not exist, so that a wrong
# phone and a wrong password take the same time (no account enumeration by timing).
_DUMMY = None


def configure(fast: bool) -> None:
    """Tests use cheap parameters; the algorithm (Argon2id) is the same."""
    global _hasher, _DUMMY
    _hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1) if fast else \
        PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY)
    _DUMMY = None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    global _DUMMY
    if stored_hash is None:
        if _DUMMY is None:
            _DUMMY = _hasher.hash("dummy-password-for-timing")
        stored_hash = _DUMMY
        password = password + "\x00never-matches"
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False
