"""The examples in the docs run: the README walkthrough's shell blocks and docs/cards.md's gateway
example are extracted and executed with bash and curl against a live server on the demo data, so
they cannot drift from the code."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.api.live import serving

ROOT = Path(__file__).resolve().parents[2]
DOC_BASE = "http://127.0.0.1:8000"
pytestmark = pytest.mark.skipif(not (shutil.which("curl") and shutil.which("bash")), reason="needs bash and curl")


def blocks(doc: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", (ROOT / doc).read_text(encoding="utf-8"), flags=re.S)


def run(script: str, base: str, cwd: Path) -> str:
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", script.replace(DOC_BASE, base)], cwd=cwd,
                          capture_output=True, text=True, timeout=120, env={"PATH": "/usr/bin:/bin",
                                                                           "TMPDIR": str(cwd)})
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture
def live(app, runner, app_config, tmp_path):
    """The demo data, a server, and a folder whose instance/sms-outbox.jsonl is the server's outbox."""
    assert runner.invoke(args=["seed", "demo"]).exit_code == 0
    work = tmp_path / "work"
    (work / "instance").mkdir(parents=True)
    (work / "instance" / "sms-outbox.jsonl").symlink_to(app_config["SMS_OUTBOX_FILE"])
    Path(app_config["SMS_OUTBOX_FILE"]).touch()
    with serving(app) as base:
        yield base, work


def test_readme_walkthrough_runs(live):
    base, work = live
    walkthrough, link_and_check = [b for b in blocks("README.md") if "$BASE" in b][:2]
    out = run(walkthrough, base, work)
    assert re.search(r'"phone": ?"\+84912345678"', out) and out.rstrip().endswith("204"), out
    login = walkthrough[walkthrough.index("# 3. Log in"):walkthrough.index("# 4. Who am I")]
    login = login.replace("0912345678", "0901000001").replace("Hoa-sen-no-2024", "VssidDemo#2025")
    setup = walkthrough[:walkthrough.index("# 1. Register")]
    out = run(setup + login + link_and_check, base, work)
    assert re.search(r'"status": ?"linked"', out), out
    assert re.search(r'"result_code": ?"000"', out), out
    assert (work / "card.svg").exists() and not (ROOT / "card.svg").exists()


def test_readme_rerun_on_the_same_phone_gives_a_hint(live):
    base, work = live
    walkthrough = next(b for b in blocks("README.md") if "$BASE" in b)
    run(walkthrough, base, work)
    first_step = walkthrough[:walkthrough.index("# 2. Verify")]
    done = subprocess.run(["bash", "-c", first_step.replace(DOC_BASE, base)], cwd=work, capture_output=True,
                          text=True, timeout=60)
    assert "no code in the last SMS" in done.stderr or "no challenge_id in" in done.stderr, done.stderr


def test_cards_gateway_example_answers_000(live):
    base, work = live
    example = next(b for b in blocks("docs/cards.md") if "KQNhanLichSuKCB2024" in b)
    out = run(example, base, work)
    codes = re.findall(r'"maKetQua": ?"(\d+)"', out)
    assert codes == ["000", "000"], out
