"""`flask cards verify-qr PAYLOAD --jwks FILE`, run with no app and no database (as a clinic would)."""
import json
import time

import pytest
from click.testing import CliRunner

from cli.cards import cards
from services import card_signing

CLAIMS = {"cid": "c" * 32, "cn": "DN4010123456789", "n": "Nguyễn Văn An", "dob": "1995-03-05", "g": "male",
          "f": "01001", "vf": "2026-01-01", "vt": "2026-12-31", "iat": 0}


@pytest.fixture
def setup(tmp_path):
    folder = tmp_path / "keys"
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(card_signing.jwks(folder)))
    return folder, str(path)


def run(*args, input=None):
    return CliRunner().invoke(cards, ["verify-qr", *args], input=input)


def test_valid_prints_the_claims_and_exits_0(setup):
    folder, jwks = setup
    payload = card_signing.sign(folder, {**CLAIMS, "exp": int(time.time()) + 60})
    result = run(payload, "--jwks", jwks)
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["verdict"] == "valid" and out["claims"]["n"] == "Nguyễn Văn An" and out["kid"]


def test_payload_from_stdin(setup):
    folder, jwks = setup
    payload = card_signing.sign(folder, {**CLAIMS, "exp": int(time.time()) + 60})
    assert run("-", "--jwks", jwks, input=payload + "\n").exit_code == 0


@pytest.mark.parametrize("make,verdict", [
    (lambda folder, tmp: card_signing.sign(folder, {**CLAIMS, "exp": int(time.time()) - 1}), "expired"),
    (lambda folder, tmp: card_signing.sign(tmp / "other", {**CLAIMS, "exp": int(time.time()) + 60}), "unknown_key"),
    (lambda folder, tmp: card_signing.sign(folder, {**CLAIMS, "exp": int(time.time()) + 60})[:-4] + "AAAA",
     "bad_signature"),
    (lambda folder, tmp: "not-a-qr", "malformed"),
])
def test_failures_exit_nonzero(setup, tmp_path, make, verdict):
    folder, jwks = setup
    result = run(make(folder, tmp_path), "--jwks", jwks)
    assert result.exit_code == 1 and json.loads(result.output)["verdict"] == verdict


def test_missing_or_broken_jwks_file(setup, tmp_path):
    assert run("x.y.z", "--jwks", str(tmp_path / "none.json")).exit_code == 2
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    result = run("x.y.z", "--jwks", str(broken))
    assert result.exit_code == 1 and "cannot read the JWKS file" in result.output
