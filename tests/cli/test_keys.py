import json
import os
import stat
from datetime import datetime, timedelta
from pathlib import Path


def test_rotate_adds_a_key_and_keeps_the_old_one_published(app, runner, client):
    folder = Path(app.config["CARD_KEYS_DIR"])
    [old] = client.get("/.well-known/jwks.json").get_json()["keys"]
    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    kids = [k["kid"] for k in client.get("/.well-known/jwks.json").get_json()["keys"]]
    assert old["kid"] in kids and len(kids) == 2
    assert f"new signing key {kids[1]}" in result.output
    manifest = json.loads((folder / "keys.json").read_text())
    assert manifest["keys"][1]["kid"] == kids[1]
    new_at = datetime.fromisoformat(manifest["keys"][1]["created_at"])
    assert datetime.fromisoformat(manifest["keys"][1]["activates_at"]) == new_at + timedelta(hours=48)
    for path in folder.iterdir():
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert "PRIVATE" not in result.output


def test_rotate_on_an_empty_folder_creates_it(app, runner):
    folder = Path(app.config["CARD_KEYS_DIR"])
    assert not folder.exists()
    assert runner.invoke(args=["keys", "rotate"]).exit_code == 0
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert len(list(folder.glob("*.pem"))) == 2


def test_verify_qr_is_registered(app):
    assert "verify-qr" in app.cli.commands["cards"].commands


def test_rotate_activate_after_takes_a_duration(app, runner):
    folder = Path(app.config["CARD_KEYS_DIR"])
    assert runner.invoke(args=["keys", "rotate", "--activate-after", "0"]).exit_code == 0
    assert runner.invoke(args=["keys", "rotate", "--activate-after", "2d"]).exit_code == 0
    entries = json.loads((folder / "keys.json").read_text())["keys"]
    created = [datetime.fromisoformat(e["created_at"]) for e in entries]
    activates = [datetime.fromisoformat(e["activates_at"]) for e in entries]
    assert activates[1] == created[1] and activates[2] == created[2] + timedelta(days=2)
    bad = runner.invoke(args=["keys", "rotate", "--activate-after", "soon"])
    assert bad.exit_code == 2 and "48h" in bad.output
