"""The engine never imports a front end's libraries; imports point inward."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FRONT_END_ONLY = {"telegram", "typer", "rich", "bot"}

pytestmark = pytest.mark.unit


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", sorted((ROOT / "retrieval").rglob("*.py")), ids=str)
def test_retrieval_imports_no_front_end(path: Path) -> None:
    assert not imported_modules(path) & FRONT_END_ONLY


def test_only_the_settings_module_reads_the_environment() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("retrieval", "bot")
        for path in (ROOT / folder).rglob("*.py")
        if "os.environ" in path.read_text(encoding="utf-8")
        or "getenv(" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
