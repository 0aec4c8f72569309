from __future__ import annotations

import itertools
from datetime import date

from retrieval.core.records import Article
from retrieval.core.sentences import split_sentences
from retrieval.embed.hashing import HashEmbedder
from retrieval.ingest.chunking import ChunkingConfig, chunk_article, chunk_id


def article(text: str, title: str = "Council approves budget") -> Article:
    return Article(id="a1", title=title, text=text, published=date(2025, 3, 14), source="Herald")


def test_sentence_splitter_keeps_abbreviations_and_initials() -> None:
    text = (
        "Dr. Amal Yusuf met Mr. J. Smith in the U.S. on Nov. 22. They spoke for an hour. "
        "“It went well,” she said. Then 3.5 percent was agreed!"
    )
    assert split_sentences(text) == [
        "Dr. Amal Yusuf met Mr. J. Smith in the U.S. on Nov. 22.",
        "They spoke for an hour.",
        "“It went well,” she said.",
        "Then 3.5 percent was agreed!",
    ]


def test_chunks_are_sentence_aligned_overlapping_and_headed() -> None:
    sentences = [f"Sentence number {i} tells of event {i} in the city." for i in range(40)]
    chunks = chunk_article(
        article(" ".join(sentences)),
        HashEmbedder(max_tokens=64),
        ChunkingConfig(max_tokens=64, overlap_tokens=12),
    )
    assert len(chunks) > 3
    for chunk in chunks:
        assert chunk.embed_text.startswith("Council approves budget (14 March 2025)\n\n")
        assert chunk.embed_text.endswith(chunk.text)
        assert chunk.text.startswith("Sentence number") and chunk.text.endswith("city.")
    # Overlap: each chunk starts with the last sentence of the one before.
    for before, after in itertools.pairwise(chunks):
        assert after.text.split(". ")[0] in before.text
    covered = " ".join(c.text for c in chunks)
    assert all(s in covered for s in sentences)


def test_chunk_ids_are_stable_and_ordered() -> None:
    text = " ".join(f"Fact {i} is stated here clearly." for i in range(50))
    first = chunk_article(article(text), HashEmbedder(max_tokens=48), ChunkingConfig(48, 8))
    second = chunk_article(article(text), HashEmbedder(max_tokens=48), ChunkingConfig(48, 8))
    assert [c.id for c in first] == [c.id for c in second]
    assert [c.id for c in first] == [chunk_id("a1", n) for n in range(len(first))]


def test_a_sentence_longer_than_a_chunk_is_cut_between_words() -> None:
    text = " ".join(["word"] * 500) + "."
    embedder = HashEmbedder(max_tokens=64)
    chunks = chunk_article(article(text), embedder, ChunkingConfig(64, 8))
    assert len(chunks) >= 8
    assert all(n <= 62 for n in embedder.count_tokens([c.embed_text for c in chunks]))
