"""Which backend embeds: chosen from the CPU's flags, made by name."""

from __future__ import annotations

import functools
from pathlib import Path

from retrieval.core.errors import ConfigError
from retrieval.embed.protocol import BUNDLED_NAME, Embedder, bundled_model_path
from retrieval.embed.torch_backend import SentenceTransformerEmbedder


def cpu_flags() -> set[str]:
    """The instruction-set flags the CPU reports (empty where /proc/cpuinfo is missing)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})


def choose_backend(backend: str, model_dir: Path | None, flags: set[str]) -> tuple[str, str]:
    """(backend, torch precision). `auto`, as measured per CPU (BENCHMARKS.md, *Embedding
    backends*): torch in bfloat16 where the CPU has avx512_bf16 or AMX; ONNX Runtime int8
    where it has AVX2 only and the model is a local directory with a fast tokenizer; torch
    float32 otherwise."""
    if backend != "auto":
        return backend, "float32"
    if BF16_FLAGS & flags:
        return "torch", "bfloat16"
    local = model_dir is not None and (model_dir / "tokenizer.json").exists()
    if local and "avx2" in flags:
        return "onnx-int8", "float32"
    return "torch", "float32"


def make_embedder(
    model: str,
    *,
    device: str = "cpu",
    batch_size: int = 64,
    precision: str = "float32",
    backend: str = "torch",
    cache_dir: Path | None = None,
    name: str = "",
) -> Embedder:
    """`backend` is torch, onnx or onnx-int8 (resolve `auto` with `choose_backend` first);
    `precision` applies to torch. `name` is what the index records (default: `model`).

    One embedder per model in a process: switching to a model version and back (or a second
    engine on the same data dir) reuses the loaded one; a directory whose files changed (a
    version made again) is loaded anew."""
    local = Path(model) if model else Path(bundled_model_path())
    model_dir = local if local.is_dir() else None
    stamp = max((p.stat().st_mtime_ns for p in model_dir.iterdir()), default=0) if model_dir else 0
    return _made(model, device, batch_size, precision, backend, cache_dir, name, stamp)


@functools.lru_cache(maxsize=4)
def _made(
    model: str,
    device: str,
    batch_size: int,
    precision: str,
    backend: str,
    cache_dir: Path | None,
    name: str,
    stamp: int,
) -> Embedder:
    local = Path(model) if model else Path(bundled_model_path())
    model_dir = local if local.is_dir() else None
    match backend:
        case "onnx" | "onnx-int8" if model_dir is None:
            raise ConfigError(
                f"the ONNX backend needs a local model directory, not {model!r}: download it, "
                "or set NEWSBOT_EMBEDDING_BACKEND=torch"
            )
        case "onnx" | "onnx-int8":
            from retrieval.embed.onnx_backend import OnnxEmbedder

            assert model_dir is not None
            return OnnxEmbedder(
                model_dir,
                cache_dir or model_dir / "onnx",
                int8=backend == "onnx-int8",
                name=name or model or BUNDLED_NAME,
            )
        case "torch":
            return SentenceTransformerEmbedder(
                model, device=device, batch_size=batch_size, precision=precision, name=name
            )
        case _:  # `auto` is resolved once, by retrieval/embed/factory.py
            raise ValueError(f"not a local embedding backend: {backend!r}")
