"""Which embedder the engine makes, from the settings: the one place that reads
`NEWSBOT_EMBEDDING_BACKEND` (`auto` resolved here, once per data dir; `remote` here too).
Which model version is in use is the adapt stage's (`retrieval/adapt/versions.py`)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol

from retrieval.core.errors import ConfigError
from retrieval.core.settings import Settings
from retrieval.embed.choice import choose_backend, cpu_flags, make_embedder
from retrieval.embed.protocol import Embedder, bundled_model_path

logger = logging.getLogger(__name__)

Maker = Callable[[str, str], Embedder]  # (model path or hub name, name recorded) -> embedder


class BackendRecord(Protocol):
    """Where a data dir keeps the backend `auto` chose for it (`IndexState`)."""

    def auto_backend(self) -> tuple[str, str] | None: ...

    def set_auto_backend(self, backend: str, precision: str) -> None: ...

    def built_backends(self) -> Iterable[str]: ...


# The backend that wrote vectors, by the tag the index's identity records.
BACKEND_OF_TAG = {"onnx-int8": "onnx-int8", "onnx-fp32": "onnx"}


def embedding_backend(settings: Settings, state: BackendRecord) -> tuple[str, str]:
    """The local backend and torch precision to embed with. `auto` is chosen from the CPU once
    per data dir and then kept: a machine with another CPU keeps using the backend the index
    was built with (slower, perhaps) instead of re-embedding the whole archive."""
    configured = settings.embedding
    match configured.backend:
        case "auto":
            pass
        case "remote":
            raise ConfigError("the remote backend embeds on a server, not on a local backend")
        case backend:
            return backend, configured.precision
    recorded = state.auto_backend()
    if recorded:
        return recorded
    path = Path(configured.model or bundled_model_path())
    chosen, precision = choose_backend("auto", path if path.is_dir() else None, cpu_flags())
    # A data dir indexed before the choice was recorded keeps the backend its vectors have.
    built = set(state.built_backends())
    if built:
        chosen = next((BACKEND_OF_TAG[tag] for tag in BACKEND_OF_TAG if tag in built), "torch")
    if configured.precision == "bfloat16" and chosen == "torch":
        precision = "bfloat16"
    state.set_auto_backend(chosen, precision)
    logger.info("embedding backend chosen for this CPU: %s (%s)", chosen, precision)
    return chosen, precision


def model_maker(settings: Settings, state: BackendRecord) -> Maker:
    """Makes an embedder of a model (path or hub name) on this data dir's backend. The
    backend is settled at the first call, not before: a data dir whose vectors say which
    backend made them must not have `auto` recorded before they are written."""
    cache_dir = settings.embedding.cache_dir or settings.data_dir / "models"
    chosen: dict[str, tuple[str, str]] = {}

    def make(model: str, name: str) -> Embedder:
        match settings.embedding.backend:
            case "remote" if model != settings.embedding.model:
                raise ConfigError(
                    "adapted model versions run locally: set NEWSBOT_EMBEDDING_BACKEND to a "
                    "local backend to use one, or `newsbot model use original`"
                )
            case "remote":
                return remote_embedder(settings)
        if "local" not in chosen:
            chosen["local"] = embedding_backend(settings, state)
        backend, precision = chosen["local"]
        return make_embedder(
            model,
            device=settings.embedding.device,
            batch_size=settings.embedding.batch_size,
            precision=precision,
            backend=backend,
            cache_dir=cache_dir,
            name=name,
        )

    return make


def remote_embedder(settings: Settings) -> Embedder:
    from retrieval.embed.remote_backend import RemoteEmbedder

    configured = settings.embedding
    local = Path(configured.model or bundled_model_path())
    return RemoteEmbedder(
        configured.url,
        configured.remote_model,
        api_key=configured.api_key.get_secret_value() if configured.api_key else None,
        tokenizer_dir=local if local.is_dir() else None,
        max_tokens=configured.remote_max_tokens,
        batch_size=configured.batch_size,
        in_flight=configured.in_flight,
        timeout_s=configured.timeout_s,
        dimensions=configured.dimensions,
    )
