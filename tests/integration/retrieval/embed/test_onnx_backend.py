"""The ONNX Runtime embedding backend with the bundled model: same vectors, safe across
threads, chosen from the CPU, never mixed with another backend's vectors, and no torch."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from retrieval.core.errors import ConfigError
from retrieval.core.settings import KERNEL_CACHE, MALLOC_ARENAS
from retrieval.embed.choice import make_embedder
from retrieval.embed.memory import M_ARENA_MAX
from retrieval.embed.onnx_backend import OnnxEmbedder
from retrieval.embed.torch_backend import SentenceTransformerEmbedder
from retrieval.engine import build_engine
from tests.conftest import SAMPLES, TEST_MODELS, make_settings

TEXTS = [
    "Harborview FC won the national cup final on Saturday, beating Kelby Rovers 2-1.",
    "Who won the cup final?",
    "The council approved the budget. " * 60,  # past 256 tokens: truncated like the model
    "Ежегодный товарооборот вырос на 12 процентов.",
]


@pytest.fixture(scope="module")
def onnx_int8() -> OnnxEmbedder:
    embedder = make_embedder("", backend="onnx-int8", cache_dir=TEST_MODELS)
    assert isinstance(embedder, OnnxEmbedder)
    return embedder


@pytest.mark.parametrize(("int8", "floor"), [(False, 0.9999), (True, 0.98)])
def test_vectors_match_the_torch_model(
    real_embedder: SentenceTransformerEmbedder, int8: bool, floor: float
) -> None:
    onnx = make_embedder("", backend="onnx-int8" if int8 else "onnx", cache_dir=TEST_MODELS)
    ours, theirs = onnx.embed_documents(TEXTS), real_embedder.embed_documents(TEXTS)
    assert ours.shape == theirs.shape == (len(TEXTS), 384)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)
    assert ((ours * theirs).sum(axis=1) >= floor).all()
    assert onnx.count_tokens(TEXTS) == real_embedder.count_tokens(TEXTS)
    assert onnx.max_tokens == real_embedder.max_tokens == 256
    assert onnx.name != real_embedder.name  # the index tells the two apart


@pytest.mark.parametrize(
    ("embedder_name", "floor"), [("real_embedder", 0.99999), ("onnx_int8", 0.98)]
)
def test_a_text_gets_the_same_vector_whatever_it_is_batched_with(
    embedder_name: str, floor: float, request: pytest.FixtureRequest
) -> None:
    """Padding never changes a vector. Dynamic int8 does a little, whatever the batching: it
    quantizes each batch's activations with that batch's own range (cosine ~0.99 measured; the
    same floor as against torch float32)."""
    embedder = request.getfixturevalue(embedder_name)  # the models the other tests load
    together = embedder.embed_documents(TEXTS)
    alone = np.stack([embedder.embed_documents([text])[0] for text in TEXTS])
    assert ((together * alone).sum(axis=1) >= floor).all()


def test_threads_share_one_onnx_embedder_safely(onnx_int8: OnnxEmbedder) -> None:
    expected_vectors = onnx_int8.embed_documents(TEXTS)
    expected_counts = onnx_int8.count_tokens(TEXTS)
    start = threading.Barrier(6)
    errors: list[BaseException] = []
    results: list[bool] = []

    def embed() -> None:
        start.wait()
        for _ in range(5):
            results.append(
                np.allclose(onnx_int8.embed_documents(TEXTS), expected_vectors, atol=1e-5)
            )

    def count() -> None:
        start.wait()
        for _ in range(20):
            results.append(onnx_int8.count_tokens(TEXTS) == expected_counts)

    def guarded(work: object) -> None:
        try:
            work()  # type: ignore[operator]
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(w,)) for w in [embed] * 3 + [count] * 3]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(results) == 75 and all(results)


def test_changing_the_backend_needs_a_full_re_index(
    tmp_path: Path, real_embedder: SentenceTransformerEmbedder, onnx_int8: OnnxEmbedder
) -> None:
    settings = make_settings(tmp_path / "data")
    first = build_engine(settings, embedder=real_embedder)
    assert first.services.index.sync([SAMPLES]).added == 30
    second = build_engine(settings, embedder=onnx_int8)
    with pytest.raises(ConfigError, match="onnx-int8"):
        second.services.index.sync([SAMPLES])  # in place, readers would meet a mix of the two
    report = second.services.index.sync([SAMPLES], full=True)
    assert report.unchanged == 30 and report.chunks == 30 and report.added_ids == []
    assert second.services.index.sync([SAMPLES]).unchanged == 30


def test_asking_with_the_onnx_backend_never_imports_torch(
    tmp_path: Path, onnx_int8: OnnxEmbedder
) -> None:
    data = tmp_path / "data"
    build_engine(make_settings(data), embedder=onnx_int8).services.index.sync([SAMPLES])
    script = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from bot.cli import app\n"
        "result = CliRunner().invoke(app, ['ask', 'Who won the national cup final?'])\n"
        "print(result.output)\n"
        "print('torch loaded:', 'torch' in sys.modules)\n"
    )
    env = {
        "NEWSBOT_DATA_DIR": str(data),
        "NEWSBOT_EMBEDDING_CACHE_DIR": str(TEST_MODELS),
        "NEWSBOT_EMBEDDING_BACKEND": "onnx-int8",
        "NEWSBOT_RETRIEVAL_MIN_PASSAGE_SCORE": "0",
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": os.environ["PYTHONPATH"],  # the tests' network guard (tests/guard)
    }
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
        check=True,
    )
    assert "Harborview FC" in done.stdout and "[1]" in done.stdout
    assert "torch loaded: False" in done.stdout


@pytest.mark.parametrize(("given", "expected"), [(None, str(KERNEL_CACHE)), ("500", "500")])
def test_memory_growth_is_capped_before_the_model_runs(given: str | None, expected: str) -> None:
    """oneDNN reads its cap from the C environment when it makes its first kernel: the model's
    load must set it (unless the user did), or every question's new batch shape adds kernels
    for good. The glibc arena cap is applied there too (mallopt answers 1 when it took it)."""
    caps = ("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "MALLOC_ARENA_MAX")
    env = {k: v for k, v in os.environ.items() if k not in caps}
    if given is not None:
        env["ONEDNN_PRIMITIVE_CACHE_CAPACITY"] = given
    script = (
        "import ctypes\n"
        "calls = []\n"
        "real = ctypes.CDLL\n"
        "class Recording(real):\n"
        "    def mallopt(self, param, value):\n"
        "        calls.append((param, value, real.__getattr__(self, 'mallopt')(param, value)))\n"
        "ctypes.CDLL = Recording\n"
        "from retrieval.embed.torch_backend import SentenceTransformerEmbedder\n"
        "SentenceTransformerEmbedder().embed_query('a question')\n"
        "libc = real(None)\n"
        "libc.getenv.restype = ctypes.c_char_p\n"
        "print(libc.getenv(b'ONEDNN_PRIMITIVE_CACHE_CAPACITY').decode())\n"
        "print(calls)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    )
    kernels, arenas = result.stdout.strip().splitlines()[-2:]
    assert kernels == expected
    assert arenas == f"[({M_ARENA_MAX}, {MALLOC_ARENAS}, 1)]"  # glibc took the cap
