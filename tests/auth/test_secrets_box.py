"""Envelope encryption of secrets at rest (auth/secrets_box.py)."""
import json
import os
import stat

import pytest

from auth import secrets_box


def test_seal_and_unseal(tmp_path):
    box = secrets_box.seal(tmp_path / "ring", "JBSWY3DPEHPK3PXP", "totp:1")
    assert box.startswith("sb1.") and "JBSWY3DPEHPK3PXP" not in box
    assert secrets_box.unseal(tmp_path / "ring", box, "totp:1") == "JBSWY3DPEHPK3PXP"
    assert secrets_box.seal(tmp_path / "ring", "JBSWY3DPEHPK3PXP", "totp:1") != box  # a data key per secret
    assert stat.S_IMODE(os.stat(tmp_path / "ring").st_mode) == 0o700
    assert stat.S_IMODE(os.stat(tmp_path / "ring" / "ring.json").st_mode) == 0o600


def test_a_box_moved_to_another_owner_does_not_open(tmp_path):
    box = secrets_box.seal(tmp_path, "S", "totp:1")
    with pytest.raises(secrets_box.BoxError):
        secrets_box.unseal(tmp_path, box, "totp:2")
    damaged = box[:-3] + ("AAA" if not box.endswith("AAA") else "BBB")
    with pytest.raises(secrets_box.BoxError):
        secrets_box.unseal(tmp_path, damaged, "totp:1")


def test_old_boxes_open_after_rotation_and_rewrap_moves_them(tmp_path):
    old = secrets_box.seal(tmp_path, "S", "totp:1")
    kid = secrets_box.rotate_ring(tmp_path)
    assert secrets_box.unseal(tmp_path, old, "totp:1") == "S"
    new = secrets_box.rewrap(tmp_path, old, "totp:1")
    assert new.split(".")[1] == kid and secrets_box.unseal(tmp_path, new, "totp:1") == "S"
    assert secrets_box.rewrap(tmp_path, new, "totp:1") == new
    assert len(json.loads((tmp_path / "ring.json").read_text())["keys"]) == 2


def test_a_box_whose_key_left_the_ring_is_refused(tmp_path):
    box = secrets_box.seal(tmp_path / "a", "S", "totp:1")
    with pytest.raises(secrets_box.BoxError):
        secrets_box.unseal(tmp_path / "b", box, "totp:1")
