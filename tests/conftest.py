"""Shared fixtures. No test, fixture or Python child of a test may reach beyond loopback: a
guard turns that into a failure (tests/guard/)."""

from __future__ import annotations

import logging
import os
import socket
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from retrieval.core.settings import Settings
from retrieval.embed.hashing import HashEmbedder
from retrieval.embed.torch_backend import SentenceTransformerEmbedder
from retrieval.engine import Engine, build_engine
from retrieval.services import Services
from tests.guard.newsbot_loopback_guard import guarded
from tests.support.vectors import RememberedVectors

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "archive"
SAMPLE_QUESTIONS = ROOT / "samples" / "questions.jsonl"
SAMPLE_TODAY = date(2025, 6, 20)
TEST_MODELS = Path(tempfile.gettempdir()) / "newsbot-test-models"

# These machines are slow and noisy: no property test may fail for taking long.
settings.register_profile(
    "newsbot", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile("newsbot")

GUARD_DIR = Path(__file__).resolve().parent / "guard"

# Under pytest-xdist (a worker a core) each worker and each process a test starts computes on
# one thread: two workers with a thread a core each made four busy threads on two cores, whose
# OpenMP spinning took CPU time from the other worker. The product's own threads (readers,
# re-indexes) are unchanged; only the math libraries' pools are.
ONE_THREAD_EACH = bool(os.environ.get("PYTEST_XDIST_WORKER"))
if ONE_THREAD_EACH:
    import torch

    torch.set_num_threads(1)

# Fixtures every tier may use: the fake Bot API and its bot harness, a real `chroma run`.
pytest_plugins = ["tests.support.telegram", "tests.support.chroma"]

# The tier is the folder: tests/unit (fakes: the hash embedder, fake servers on loopback),
# tests/integration (the bundled model, real Chroma, real HTTP), tests/reliability (the fault
# and load suite, `make reliability`). `slow` stays a mark of its own, set where it is true.
TIERS = ("unit", "integration", "reliability")
# What only the integration and reliability tiers may use: a unit test asking for one of these
# is a collection error, so the unit tier stays fast and model-free.
REAL_FIXTURES = frozenset(
    {"real_embedder", "remembered_model", "sample_services", "sample_index", "chroma_server"}
)


RUN_FIRST = ("integration/test_compose_env.py",)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tests = Path(__file__).resolve().parent
    for item in items:
        path = item.path.resolve()
        parts = path.relative_to(tests).parts if path.is_relative_to(tests) else ("",)
        tier = parts[0] if parts[0] in TIERS else None
        if tier is None:
            raise pytest.UsageError(f"{item.nodeid}: a test lives under tests/{'|'.join(TIERS)}")
        item.add_marker(getattr(pytest.mark, tier))
        real = REAL_FIXTURES.intersection(getattr(item, "fixturenames", ()))
        if tier == "unit" and real:
            raise pytest.UsageError(
                f"{item.nodeid} is a unit test but uses {', '.join(sorted(real))}: "
                "move it to tests/integration"
            )
    # Modules whose tests share a costly module-scoped fixture and run long, first. Under
    # pytest-xdist's worksteal an idle worker takes the second half of a busy worker's queue:
    # a module in the middle of one was split between two workers, each building the fixture
    # (the compose tests' ingest, a `newsbot` process: 10 s of CPU). At the head of the first
    # worker's queue a module is never taken, and the longest tests do not end the run.
    items.sort(key=lambda item: item.path.relative_to(tests).as_posix() not in RUN_FIRST)


@pytest.fixture(scope="session", autouse=True)
def _guarded_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Before any other fixture of the run (a session-scoped autouse fixture of the root
    conftest is set up first), so module- and session-scoped fixtures are covered too:
    sockets of this process reach loopback only, and so do those of every Python process the
    tests start (the guard's folder first on PYTHONPATH: its sitecustomize installs the same
    guard at the child's start-up); the caller's NEWSBOT_* variables are out of reach.
    Processes that are not Python (the Rust server inside `chroma run`, a shell) are not
    guarded: they are started on loopback only, by the tests that start them."""
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith("NEWSBOT_"):
                patch.delenv(name)
        # The ONNX export of the bundled model is made once for the whole run (and kept for the
        # next), not once per data dir.
        patch.setenv("NEWSBOT_EMBEDDING_CACHE_DIR", str(TEST_MODELS))
        patch.setenv("PYTHONPATH", child_pythonpath())
        if ONE_THREAD_EACH:
            patch.setenv("OMP_NUM_THREADS", "1")
        # No test speaks TLS (every connection stays on loopback, in plain HTTP), yet every HTTP
        # client the code makes (python-telegram-bot's two a bot, the fetcher's one a page)
        # reads a whole CA bundle for it: 20-30 ms of CPU a client, some 650 clients a run.
        # httpx reads the trust store SSL_CERT_FILE or SSL_CERT_DIR names: here an empty
        # folder, read in no time, that would trust no server if a test ever tried TLS.
        patch.delenv("SSL_CERT_FILE", raising=False)
        patch.setenv("SSL_CERT_DIR", str(tmp_path_factory.mktemp("no-trusted-cas")))
        real = socket.socket
        for name, method in guarded(real.connect, real.connect_ex, real.sendto).items():
            patch.setattr(socket.socket, name, method)
        yield


def child_pythonpath() -> str:
    """PYTHONPATH for a process the tests start: the guard's folder first, then this tree, so
    a child runs the code under test even where an editable install points at another
    checkout (a git worktree)."""
    first = [str(GUARD_DIR), str(ROOT)]
    rest = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    return os.pathsep.join([*first, *[p for p in rest if p not in first]])


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test sees NEWSBOT_* variables an earlier test left behind, or leaves the root logger
    changed or a logger disabled: `logging.config.dictConfig` disables every logger it does
    not name (import-linter's, in tests/unit/test_layers.py, did), and a bot test after it on
    the same worker saw no log line of python-telegram-bot, httpx or the fake Bot API, so its
    check that the token never reaches a log line checked nothing."""
    for name in list(os.environ):
        if name.startswith("NEWSBOT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("NEWSBOT_EMBEDDING_CACHE_DIR", str(TEST_MODELS))
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    loggers = logging.Logger.manager.loggerDict.values()
    enabled = [g for g in loggers if isinstance(g, logging.Logger) and not g.disabled]
    yield
    root.setLevel(level)
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
    for logger in enabled:
        logger.disabled = False


def make_settings(data_dir: Path, *, calibrated: bool = False, **updates: Any) -> Settings:
    """Settings that ignore the developer's environment and .env file. The refusal decisions
    (the learned model, the passage-score floor) are calibrated for the bundled model's scores;
    most tests use the hash embedder, whose scores are on another scale, so they are off unless
    `calibrated`."""
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=data_dir, ingest_dir=data_dir / "ingest", metrics_port=0
    )
    if not calibrated:
        # Both refusal decisions read the bundled model's score scale: the hash embedder's is
        # another, so these tests refuse only on the answerer's own weak evidence.
        retrieval = settings.retrieval.model_copy(
            update={"min_passage_score": 0.0, "refusal": "score"}
        )
        settings = settings.model_copy(update={"retrieval": retrieval})
    return settings.model_copy(update=updates) if updates else settings


@pytest.fixture
def hash_engine(tmp_path: Path) -> Engine:
    """A fast engine: the real store, index and chain, with a hash-seeded embedder."""
    return build_engine(
        make_settings(tmp_path / "data"), embedder=HashEmbedder(), today=lambda: SAMPLE_TODAY
    )


@pytest.fixture(scope="session")
def real_embedder() -> SentenceTransformerEmbedder:
    """The bundled all-MiniLM-L6-v2, loaded once for the whole run."""
    return SentenceTransformerEmbedder()


@pytest.fixture(scope="session")
def remembered_model(real_embedder: SentenceTransformerEmbedder) -> RememberedVectors:
    """The bundled model, each text's vector computed once for the worker's session
    (tests/support/vectors.py): for the tests that answer with the model, not for those that
    test the embedder itself or run it under threads (they take `real_embedder`)."""
    return RememberedVectors(real_embedder)


@pytest.fixture(scope="session")
def sample_services(
    tmp_path_factory: pytest.TempPathFactory, real_embedder: SentenceTransformerEmbedder
) -> Iterator[Services]:
    """The sample archive indexed once with the real model (integration tests read it only)."""
    data_dir = tmp_path_factory.mktemp("sample-index")
    services = build_engine(
        make_settings(data_dir, calibrated=True), embedder=real_embedder, today=lambda: SAMPLE_TODAY
    ).services
    services.index.sync([SAMPLES])
    yield services
