"""The torch backend: sentence-transformers, loaded on first use; the library stays here."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from retrieval.core.errors import ConfigError
from retrieval.embed.memory import limit_memory_growth
from retrieval.embed.protocol import BUNDLED_NAME, bundled_model_path

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

logger = logging.getLogger(__name__)


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
        # bfloat16 on CPUs with avx512_bf16/AMX: faster at float32's quality (BENCHMARKS.md).
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
