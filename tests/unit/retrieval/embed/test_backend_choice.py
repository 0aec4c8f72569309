"""The ONNX Runtime embedding backend with the bundled model: same vectors, safe across
threads, chosen from the CPU, never mixed with another backend's vectors, and no torch."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.embed.choice import choose_backend
from retrieval.embed.hashing import HashEmbedder
from retrieval.embed.onnx_backend import OnnxEmbedder
from retrieval.embed.protocol import bundled_model_path
from retrieval.embed.torch_backend import SentenceTransformerEmbedder
from retrieval.engine import build_engine
from tests.conftest import make_settings


def test_the_backend_is_chosen_from_the_cpu_and_the_model(tmp_path: Path) -> None:
    bundled = Path(bundled_model_path())
    amx = {"avx2", "avx512f", "avx512_bf16", "amx_tile", "amx_bf16"}
    assert choose_backend("auto", bundled, amx) == ("torch", "bfloat16")
    assert choose_backend("auto", bundled, {"avx2", "fma"}) == ("onnx-int8", "float32")
    assert choose_backend("auto", bundled, {"sse4_2"}) == ("torch", "float32")  # no AVX2
    assert choose_backend("auto", None, {"avx2"}) == ("torch", "float32")  # a hub name
    assert choose_backend("auto", tmp_path, {"avx2"}) == ("torch", "float32")  # no tokenizer
    assert choose_backend("onnx", None, set()) == ("onnx", "float32")  # asked for: as asked


def test_auto_is_chosen_once_per_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CPU may change from one day to the next; the index's backend does not."""
    import retrieval.embed.factory as services

    settings = make_settings(tmp_path / "data")
    monkeypatch.setattr(services, "cpu_flags", lambda: {"avx2"})
    first = build_engine(settings)
    assert isinstance(first.embedder.current, OnnxEmbedder) and first.embedder.current.int8
    monkeypatch.setattr(services, "cpu_flags", lambda: {"avx2", "avx512_bf16"})
    assert isinstance(build_engine(settings).embedder.current, OnnxEmbedder)
    other = make_settings(tmp_path / "other")
    chosen = build_engine(other).embedder.current
    assert isinstance(chosen, SentenceTransformerEmbedder) and chosen.precision == "bfloat16"
    # A data dir indexed before `auto` was recorded keeps the backend its vectors have.
    older = make_settings(tmp_path / "older")
    build_engine(older, embedder=HashEmbedder()).catalog.state.set(
        "signature:news", "all-MiniLM-L6-v2 (bundled)|onnx-int8|256|40|chunker-1"
    )
    assert isinstance(build_engine(older).embedder.current, OnnxEmbedder)
    explicit = other.model_copy(
        update={"embedding": other.embedding.model_copy(update={"backend": "onnx"})}
    )
    assert isinstance(build_engine(explicit).embedder.current, OnnxEmbedder)
