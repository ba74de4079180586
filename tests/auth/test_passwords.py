"""auth/passwords.py: Argon2id and the password policy (CONTRACT §2)."""
import pytest

from auth import passwords


@pytest.mark.parametrize("word", ["123456", "password", "12345678", "qwerty", "11111111", "matkhau", "123456789",
                                  "PASSWORD", "Matkhau", " qwerty "])
def test_common_passwords_are_known(word):
    assert passwords.is_common(word)


def test_the_shipped_list_is_large():
    assert len(passwords._common_passwords()) >= 10_000


@pytest.mark.parametrize("pw,ok", [("Abcdef1", False), ("Hoa-sen-nở-2024", True), ("x" * 128, True),
                                   ("x" * 129, False), ("iloveyou", False), ("correcthorsebattery!", True)])
def test_policy(pw, ok):
    assert (passwords.password_problems(pw) == []) is ok


def test_argon2id_and_unknown_account_never_matches():
    passwords.configure(fast=True)
    h = passwords.hash_password("Hoa-sen-nở-2024")
    assert h.startswith("$argon2id$")
    assert passwords.verify_password(h, "Hoa-sen-nở-2024")
    assert not passwords.verify_password(h, "Hoa-sen-nở-2025")
    assert not passwords.verify_password(None, "Hoa-sen-nở-2024")
    assert not passwords.verify_password("not-a-hash", "x")
    assert not passwords.needs_rehash(h)
