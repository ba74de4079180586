"""`redocly lint` finds no error in the live document (warnings are listed in docs/openapi.md)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
REDOCLY = shutil.which("redocly") or shutil.which("redocly", path=str(ROOT / "node_modules" / ".bin")) \
    or os.environ.get("REDOCLY")


@pytest.mark.skipif(not REDOCLY, reason="@redocly/cli is not installed (npm install --no-save @redocly/cli@2.77.0)")
def test_redocly_lint_has_no_errors(client, tmp_path):
    doc = tmp_path / "openapi.json"
    doc.write_text(json.dumps(client.get("/openapi.json").get_json()))
    run = subprocess.run([REDOCLY, "lint", "--format=stylish", str(doc)], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert " error " not in run.stdout
