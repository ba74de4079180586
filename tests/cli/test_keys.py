import json
import os
import stat
from pathlib import Path


def test_rotate_adds_a_key_and_keeps_the_old_one_published(app, runner, client):
    folder = Path(app.config["CARD_KEYS_DIR"])
    [old] = client.get("/.well-known/jwks.json").get_json()["keys"]
    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    kids = [k["kid"] for k in client.get("/.well-known/jwks.json").get_json()["keys"]]
    assert old["kid"] in kids and len(kids) == 2
    assert f"new signing key {kids[1]}" in result.output
    assert json.loads((folder / "keys.json").read_text())["signer"] == kids[1]
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
