from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.core.records import Article
from retrieval.embed.torch_backend import SentenceTransformerEmbedder
from retrieval.ingest.chunking import ChunkingConfig, chunk_article


def article(text: str, title: str = "Council approves budget") -> Article:
    return Article(id="a1", title=title, text=text, published=date(2025, 3, 14), source="Herald")


sentence = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789ÄÖéß€$%", min_size=1, max_size=15),
    min_size=1,
    max_size=30,
).map(lambda words: " ".join(words).capitalize() + ".")


@settings(max_examples=40, deadline=None)
@given(
    sentences=st.lists(sentence, min_size=1, max_size=40), title=st.text(min_size=1, max_size=300)
)
def test_no_chunk_exceeds_what_the_real_model_reads(
    real_embedder: SentenceTransformerEmbedder, sentences: list[str], title: str
) -> None:
    chunks = chunk_article(
        article(" ".join(sentences), title=title.strip() or "T"),
        real_embedder,
        ChunkingConfig(256, 40),
    )
    assert chunks
    counts = real_embedder.count_tokens([c.embed_text for c in chunks])
    assert max(counts) + 2 <= real_embedder.max_tokens == 256
    # Nothing of the text is lost: every word is in some chunk.
    covered = set(" ".join(c.text for c in chunks).split())
    assert set(" ".join(sentences).split()) <= covered
