"""docs/ and the README stand alone: no path outside the repository, every operation of the live
OpenAPI document named in docs/api.md, every problem code in docs/problems.md."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
OUTSIDE = ("../shared", "CONTRACT.md", "reference/domain.md", "reference/security.md", "CONTRACT §")


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_no_path_outside_the_repository(doc):
    text = doc.read_text(encoding="utf-8")
    assert [m for m in OUTSIDE if m in text] == []
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text):
        if not target.startswith(("http://", "https://", "mailto:")):
            assert (doc.parent / target).exists(), f"{doc.name} links to {target}"


def test_api_doc_names_every_operation_of_the_live_document(client):
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    spec = client.get("/openapi.json").get_json()
    missing = [f"{m.upper()} {p}" for p, ops in spec["paths"].items() for m in ops
               if m != "parameters" and not re.search(rf"\| {m.upper()} \|[^\n]*`{re.escape(p)}`", text)]
    assert missing == []


def test_problem_page_lists_every_code(app):
    from api.docs.problems import table

    text = (ROOT / "docs" / "problems.md").read_text(encoding="utf-8")
    assert [r.code for r in table() if f"| `{r.code}` | {r.status} |" not in text] == []


def test_insurance_import_columns_are_written_down():
    from services import imports

    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    section = text[text.index("flask insurance import FILE.csv` (insured"):]
    columns = re.findall(r"^\| \d+ \| `(\w+)` \|", section, flags=re.M)
    assert columns == list(imports.INSURANCE_COLUMNS) and len(columns) == 14
    for optional in imports.INSURANCE_OPTIONAL:
        assert f"`{optional}`" in section
