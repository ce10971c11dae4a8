"""The layout shows the stages: read/ imports nothing above it, write/ never imports
consolidation (or rules, sheets, the app), library code never imports click."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "pipeline"
BASE = {"pipeline.config", "pipeline.contract", "pipeline.issues", "pipeline.model",
        "pipeline.normalize", "pipeline.people"}


def imported(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            if node.module == "pipeline":
                found.update(f"pipeline.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def layer_of(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2])


@pytest.mark.parametrize("layer, allowed", [
    ("read", BASE | {"pipeline.read"}),
    ("write", BASE | {"pipeline.write"}),
    ("sheets", BASE | {"pipeline.read", "pipeline.sheets"}),
    ("rules", BASE | {"pipeline.read", "pipeline.sheets", "pipeline.rules"}),
])
def test_layer_imports_only_below_it(layer, allowed):
    for path in sorted((PACKAGE / layer).glob("*.py")):
        ours = {layer_of(m) for m in imported(path) if m.startswith("pipeline.")}
        assert ours <= allowed, f"{path.relative_to(PACKAGE.parent)} imports {ours - allowed}"


def test_base_modules_import_no_stage():
    stages = {"pipeline.sheets", "pipeline.rules", "pipeline.consolidate", "pipeline.write",
              "pipeline.app", "pipeline.pool", "pipeline.cli"}
    for name in ("config", "contract", "issues", "normalize", "people"):
        ours = {layer_of(m) for m in imported(PACKAGE / f"{name}.py")}
        assert not ours & (stages | {"pipeline.read"}), name


def test_only_the_cli_imports_click():
    users = [p for p in PACKAGE.rglob("*.py") if "click" in imported(p)]
    assert users and all(p.parent == PACKAGE / "cli" for p in users), users
