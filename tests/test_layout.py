"""The house rules that a reviewer would otherwise have to remember (docs/architecture.md):
small files, short functions, and layers that never reach up into the HTTP edge."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SKIP_DIRS = {".venv", "tests", "migrations", "instance", ".git", "__pycache__", "node_modules"}
MAX_FILE_LINES = 300
MAX_FUNCTION_LINES = 60
# Layers below the HTTP edge: they raise errors.py's errors and take plain values.
LOWER_LAYERS = ("services", "auth", "cli", "integrations", "models", "db")


def _sources() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.py") if not SKIP_DIRS & set(p.relative_to(ROOT).parts))


def test_no_source_file_is_over_300_lines() -> None:
    long = {str(p.relative_to(ROOT)): n for p in _sources()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_FILE_LINES}
    assert long == {}


def test_no_function_is_over_60_lines() -> None:
    long = {}
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long[f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"] = length
    assert long == {}


@pytest.mark.parametrize("layer", LOWER_LAYERS)
def test_lower_layers_import_nothing_from_api(layer: str) -> None:
    offenders = []
    for path in (ROOT / layer).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([node.module or ""] if isinstance(node, ast.ImportFrom)
                     else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n == "api" or n.startswith("api.")]
    assert offenders == []


def test_models_import_nothing_of_the_app() -> None:
    app_packages = {"api", "services", "auth", "cli", "integrations", "db", "config", "app"}
    offenders = []
    for path in (ROOT / "models").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                if (node.module or "").split(".")[0] in app_packages:
                    offenders.append(f"{path.relative_to(ROOT)}: {node.module}")
    assert offenders == []
