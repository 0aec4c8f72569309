"""The embedding model on ONNX Runtime, float32 or int8, with no torch at serving time.

The sentence-transformers model (the bundled MiniLM by default) is exported once, pooling and
normalisation included, to `<data dir>/models/`; int8 is ONNX Runtime's dynamic quantisation
with per-channel weights and reduced range (plain int8 weights saturate on CPUs without VNNI:
cosine to float32 fell to 0.89 there). Serving needs only onnxruntime and the fast tokenizer,
so `newsbot ask` starts without importing torch. Export (the first use only) needs torch and
onnx.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.core.errors import ConfigError
from retrieval.embed.memory import limit_memory_growth

logger = logging.getLogger(__name__)
OPSET = 17
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def _model_key(model_dir: Path) -> str:
    """Changes when the model's weights change, so a stale export is never used."""
    weights = sorted(
        p for p in model_dir.iterdir() if p.suffix in (".safetensors", ".bin") and p.is_file()
    )
    stamp = "|".join(f"{p.name}:{p.stat().st_size}:{int(p.stat().st_mtime)}" for p in weights)
    return hashlib.sha256(f"{model_dir.resolve()}|{stamp}".encode()).hexdigest()[:12]


def export_onnx(model_dir: Path, target: Path) -> None:
    """sentence embedding = normalise(mean of token states over the attention mask)."""
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    model = AutoModel.from_pretrained(str(model_dir)).eval()

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            states = self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(states.dtype)
            mean = (states * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, dim=-1)

    example = torch.ones((2, 8), dtype=torch.long)
    axes = {name: {0: "batch", 1: "tokens"} for name in INPUTS}
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporter's notes on opsets, not for our users
        torch.onnx.export(
            Pooled(),
            (example, example, torch.zeros_like(example)),
            str(target),
            input_names=list(INPUTS),
            output_names=["embedding"],
            dynamic_axes={**axes, "embedding": {0: "batch"}},
            opset_version=OPSET,
            dynamo=False,
        )


def quantize_int8(source: Path, target: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # it logs a pre-processing tip on the root logger
    try:
        quantize_dynamic(
            str(source),
            str(target),
            weight_type=QuantType.QInt8,
            per_channel=True,
            reduce_range=True,
        )
    finally:
        root.setLevel(level)


def prepared_model(model_dir: Path, cache_dir: Path, *, int8: bool) -> Path:
    """The exported (and quantised) model for `model_dir`, made once; other processes that
    need it meanwhile wait for the one making it."""
    key = _model_key(model_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    fp32 = cache_dir / f"{model_dir.name}-{key}-fp32.onnx"
    wanted = cache_dir / f"{model_dir.name}-{key}-int8.onnx" if int8 else fp32
    if wanted.exists():
        return wanted
    with open(cache_dir / ".export-lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not fp32.exists():
            logger.warning("exporting the embedding model to ONNX once (%s)", fp32.name)
            partial = fp32.with_suffix(".partial")
            try:
                export_onnx(model_dir, partial)
            except ImportError as exc:
                raise ConfigError(
                    f"exporting to ONNX needs torch and onnx ({exc}); pip install onnx, or "
                    "set NEWSBOT_EMBEDDING_BACKEND=torch"
                ) from exc
            os.replace(partial, fp32)
        if int8 and not wanted.exists():
            partial = wanted.with_suffix(".partial")
            quantize_int8(fp32, partial)
            os.replace(partial, wanted)
    return wanted


class OnnxEmbedder:
    """Same interface and vectors (to within int8's rounding) as `SentenceTransformerEmbedder`.

    Thread-safe: an ONNX Runtime session may be run from many threads at once; each tokenizer
    is configured once at load and never changed after (a configuration change beside a call
    is what breaks a shared Hugging Face tokenizer), and calls hold a lock anyway.
    """

    def __init__(
        self,
        model_dir: Path,
        cache_dir: Path,
        *,
        int8: bool,
        name: str,
        batch_size: int = 32,
        threads: int = 0,
        model_file: Path | None = None,
    ) -> None:
        """`model_file`: an ONNX file made from `model_dir` elsewhere (a benchmark's variant),
        used as it is instead of the export this module makes and caches."""
        self.model_dir = model_dir
        self.model_file = model_file
        self.cache_dir = cache_dir
        self.int8 = int8
        self.name = f"{name}|onnx-{'int8' if int8 else 'fp32'}"
        self.batch_size = batch_size
        self.threads = threads or (os.cpu_count() or 1)
        self._loaded: tuple[Any, Any, Any, int] | None = None
        self._lock = threading.Lock()
        self._tokenizer_lock = threading.Lock()

    def _state(self) -> tuple[Any, Any, Any, int]:
        if self._loaded is None:
            with self._lock:
                if self._loaded is None:
                    self._loaded = self._load()
        return self._loaded

    def _load(self) -> tuple[Any, Any, Any, int]:
        import onnxruntime

        limit_memory_growth()
        from tokenizers import Tokenizer

        if not (self.model_dir / "tokenizer.json").exists():
            raise ConfigError(
                f"{self.model_dir} has no tokenizer.json: the ONNX backend needs a fast "
                "tokenizer; set NEWSBOT_EMBEDDING_BACKEND=torch"
            )
        path = self.model_file or prepared_model(self.model_dir, self.cache_dir, int8=self.int8)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.log_severity_level = 3
        session = onnxruntime.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"]
        )
        max_tokens = 256
        config = self.model_dir / "sentence_bert_config.json"
        if config.exists():
            max_tokens = int(json.loads(config.read_text()).get("max_seq_length", 256))
        encoder = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        encoder.enable_truncation(max_tokens)
        encoder.enable_padding()
        counter = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        counter.no_truncation()
        counter.no_padding()
        logger.info("embedding with %s (%d threads)", path.name, self.threads)
        return session, encoder, counter, max_tokens

    @property
    def max_tokens(self) -> int:
        return self._state()[3]

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        counter = self._state()[2]
        with self._tokenizer_lock:
            encoded = counter.encode_batch(list(texts), add_special_tokens=False)
        return [len(e.ids) for e in encoded]

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        session, encoder, _, _ = self._state()
        texts = list(texts)
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out: np.ndarray | None = None
        for start in range(0, len(texts), self.batch_size):
            batch = order[start : start + self.batch_size]
            with self._tokenizer_lock:
                encoded = encoder.encode_batch([texts[int(i)] for i in batch])
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            feeds = {
                "input_ids": ids,
                "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),
                "token_type_ids": np.zeros_like(ids),
            }
            vectors = session.run(None, feeds)[0]
            if out is None:
                out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
            out[batch] = vectors
        assert out is not None
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]
