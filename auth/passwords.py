"""Argon2id password hashing with OWASP's recommended parameters (m=19 MiB, t=2, p=1).

Why not RFC 9106's low-memory profile (64 MiB): a gunicorn worker holds one buffer per concurrent
hash, and 64 MiB per login pushed workers past their 150 MB budget (measured: 227 MB with two
threads). OWASP's Password Storage Cheat Sheet lists m=19 MiB, t=2, p=1 as an equivalent
Argon2id configuration; hashes made with other parameters are upgraded at the next login."""
from __future__ import annotations

from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


def _production_hasher() -> PasswordHasher:
    return PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


_hasher = _production_hasher()
# A hash of a random string, verified against when the account does not exist, so that a wrong
# phone and a wrong password take the same time (no account enumeration by timing).
_DUMMY = None


def configure(fast: bool) -> None:
    """Tests use cheap parameters; the algorithm (Argon2id) is the same."""
    global _hasher, _DUMMY
    _hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1) if fast else _production_hasher()
    _DUMMY = None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with other parameters than today's (upgrade it at login)."""
    try:
        return _hasher.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return False


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


# --- Password policy (CONTRACT §2): 8..128 characters, not a common password. ---------------------
MIN_LENGTH, MAX_LENGTH = 8, 128
_COMMON_FILE = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt"
_common: frozenset[str] | None = None


def _common_passwords() -> frozenset[str]:
    global _common
    if _common is None:
        lines = _COMMON_FILE.read_text(encoding="utf-8").splitlines()
        _common = frozenset(line.strip().casefold() for line in lines if line.strip() and not line.startswith("#"))
    return _common


def is_common(password: str) -> bool:
    return password.strip().casefold() in _common_passwords()


def password_problems(password: str) -> list[str]:
    """Why this password is refused (empty when it is acceptable); bilingual like the other messages."""
    if len(password) < MIN_LENGTH:
        return [f"Mật khẩu phải có ít nhất {MIN_LENGTH} ký tự (at least {MIN_LENGTH} characters)."]
    if len(password) > MAX_LENGTH:
        return [f"Mật khẩu tối đa {MAX_LENGTH} ký tự (at most {MAX_LENGTH} characters)."]
    if is_common(password):
        return ["Mật khẩu quá phổ biến, hãy chọn mật khẩu khác (this password is too common)."]
    return []
