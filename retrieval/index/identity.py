"""What a collection's vectors depend on besides the articles: the model, the backend that ran
it, and how articles were cut into passages. One serialisation, recorded per collection."""

from __future__ import annotations

from dataclasses import dataclass

CHUNKER = "chunker-1"


@dataclass(frozen=True)
class IndexIdentity:
    model: str  # what the model is called: a path, a hub name, "adapted-v2 of …", the bundled one
    backend: str = ""  # "" for torch; "onnx-int8", "onnx-fp32", …: each gives other vectors
    chunk_tokens: int = 256
    overlap_tokens: int = 40
    chunker: str = CHUNKER

    @classmethod
    def of(cls, embedder_name: str, chunk_tokens: int, overlap_tokens: int) -> IndexIdentity:
        """From an embedder's name (`model` or `model|backend`) and the chunking settings."""
        model, _, backend = embedder_name.partition("|")
        return cls(model, backend, chunk_tokens, overlap_tokens)

    @classmethod
    def parse(cls, text: str) -> IndexIdentity:
        """`model[|backend]|tokens|overlap|chunker`, as `serialise` writes it (data dirs of every
        release so far hold this form)."""
        parts = text.split("|")
        if len(parts) < 4 or not parts[-3].isdigit() or not parts[-2].isdigit():
            return cls(text)  # not a form we wrote: it matches nothing, so it is re-embedded
        head = parts[:-3]
        return cls(head[0], "|".join(head[1:]), int(parts[-3]), int(parts[-2]), parts[-1])

    def serialise(self) -> str:
        return "|".join(
            [self.embedder_name, str(self.chunk_tokens), str(self.overlap_tokens), self.chunker]
        )

    @property
    def embedder_name(self) -> str:
        return f"{self.model}|{self.backend}" if self.backend else self.model

    def same_vectors(self, other: IndexIdentity) -> bool:
        """Whether vectors made under `other` can be searched with this one's queries. Only the
        model and backend count: a new chunk size re-embeds in place with the same model."""
        return (self.model, self.backend) == (other.model, other.backend)

    def describe(self) -> str:
        """`'all-MiniLM-L6-v2 (bundled)' (onnx-int8)`, for messages."""
        return repr(self.model) + (f" ({self.backend})" if self.backend else "")
