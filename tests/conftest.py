"""Shared fixtures. No test may reach beyond loopback: a guard turns that into a failure."""

from __future__ import annotations

import ipaddress
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

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _loopback_only(address: Any) -> None:
    if isinstance(address, tuple) and address:
        host = address[0]
        try:
            if ipaddress.ip_address(host).is_loopback:
                return
        except ValueError:
            if host in ("localhost",):
                return
        raise RuntimeError(f"test tried to reach {host}: only loopback is allowed in tests")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def connect(self: socket.socket, address: Any) -> Any:
        _loopback_only(address)
        return _real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> Any:
        _loopback_only(address)
        return _real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test reads the caller's NEWSBOT_* variables or leaves the root logger changed."""
    import logging
    import os

    for name in list(os.environ):
        if name.startswith("NEWSBOT_"):
            monkeypatch.delenv(name)
    # The ONNX export of the bundled model is made once for the whole run (and kept for the
    # next), not once per data dir.
    monkeypatch.setenv("NEWSBOT_EMBEDDING_CACHE_DIR", str(TEST_MODELS))
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    root.setLevel(level)
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)


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
def hash_services(tmp_path: Path) -> Engine:
    """Fast services: the real store, index and chain, with a hash-seeded embedder."""
    return build_engine(
        make_settings(tmp_path / "data"), embedder=HashEmbedder(), today=lambda: SAMPLE_TODAY
    )


@pytest.fixture(scope="session")
def real_embedder() -> SentenceTransformerEmbedder:
    """The bundled all-MiniLM-L6-v2, loaded once for the whole run."""
    return SentenceTransformerEmbedder()


@pytest.fixture(scope="session")
def sample_services(
    tmp_path_factory: pytest.TempPathFactory, real_embedder: SentenceTransformerEmbedder
) -> Iterator[Engine]:
    """The sample archive indexed once with the real model (integration tests read it only)."""
    data_dir = tmp_path_factory.mktemp("sample-index")
    services = build_engine(
        make_settings(data_dir, calibrated=True), embedder=real_embedder, today=lambda: SAMPLE_TODAY
    )
    services.index.sync([SAMPLES])
    yield services
