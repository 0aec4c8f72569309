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


# Each library stays inside its adapter: swapping a backend touches one file.
TRAINING = {"retrieval/adapt.py", "retrieval/adapt_reranker.py"}
ADAPTERS = {
    "chromadb": {"retrieval/store.py"},
    # Serving (embeddings, rerank, onnx_backend) and training (adapt, adapt_reranker).
    "sentence_transformers": {
        "retrieval/embeddings.py",
        "retrieval/rerank.py",
        "retrieval/adapt.py",
        "retrieval/adapt_reranker.py",
    },
    "transformers": TRAINING | {"retrieval/embeddings.py", "retrieval/onnx_backend.py"},
    "torch": TRAINING | {"retrieval/embeddings.py", "retrieval/onnx_backend.py"},
    "onnxruntime": {"retrieval/onnx_backend.py"},
    "tokenizers": {"retrieval/onnx_backend.py"},
    "langchain_core": {
        "retrieval/chain.py",
        "retrieval/answerers/llm.py",
        "retrieval/evaluation/baseline.py",
    },
    "langchain_openai": {"retrieval/answerers/llm.py"},
    "langchain_chroma": {"retrieval/evaluation/baseline.py"},
    "langchain_text_splitters": {"retrieval/evaluation/baseline.py"},
    "langchain_classic": {"retrieval/chain.py"},
    "langchain": {"retrieval/chain.py"},
}


@pytest.mark.parametrize("library", sorted(ADAPTERS))
def test_libraries_are_imported_only_by_their_adapters(library: str) -> None:
    importers = {
        str(path.relative_to(ROOT))
        for folder in ("retrieval", "bot", "prompts")
        for path in (ROOT / folder).rglob("*.py")
        if library in imported_modules(path)
    }
    assert importers <= ADAPTERS[library]


def test_front_ends_see_only_the_service_facade() -> None:
    """bot/ reaches the engine through `services.qa`, `.index`, `.eval`, `.feeds`, `.topics`,
    `.models` and `.warm_up()`."""
    import re

    allowed = {"qa", "index", "eval", "feeds", "topics", "models", "warm_up"}
    used = {
        (str(path.relative_to(ROOT)), name)
        for path in (ROOT / "bot").rglob("*.py")
        for name in re.findall(r"\bservices\.(\w+)", path.read_text(encoding="utf-8"))
    }
    assert {(p, n) for p, n in used if n not in allowed} == set()


def test_cli_modules_never_import_the_app() -> None:
    for path in (ROOT / "bot" / "cli").glob("*.py"):
        if path.name == "__init__.py":
            continue
        text = path.read_text(encoding="utf-8")
        assert "from bot.cli import" not in text and "import bot.cli\n" not in text, path.name
        assert "def register(app" in text or path.name == "common.py", path.name


def test_eval_help_lists_every_configuration() -> None:
    from bot.cli.evaluate import CONFIG_NAMES
    from retrieval.evaluation import CONFIGS

    assert tuple(CONFIG_NAMES.split(", ")) == CONFIGS
