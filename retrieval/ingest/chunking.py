"""Chunks measured in the embedding model's own tokens, cut at sentence boundaries, overlapping.

A chunk is embedded with its headline and date in front (so it can be found by them) but shown
without them. No embedded text is ever longer than the model reads: all-MiniLM-L6-v2 reads 256
tokens and silently drops the rest, so a longer chunk would be indexed by only its beginning.
"""

from __future__ import annotations

from dataclasses import dataclass

from retrieval.core.records import Article, Chunk
from retrieval.core.sentences import split_sentences
from retrieval.embed.protocol import Embedder

SPECIAL_TOKENS = 2  # [CLS] and [SEP]


@dataclass(frozen=True)
class ChunkingConfig:
    max_tokens: int = 256
    overlap_tokens: int = 40


def chunk_id(article_id: str, number: int) -> str:
    return f"{article_id}:{number:04d}"


def embed_header(article: Article) -> str:
    when = f" ({article.published:%d %B %Y})" if article.published else ""
    return f"{article.title}{when}"


def _split_long(sentence: str, budget: int, embedder: Embedder) -> list[str]:
    """A sentence longer than a chunk is cut between words, each piece within `budget`."""
    words = sentence.split()
    counts = embedder.count_tokens(words)
    pieces: list[str] = []
    current: list[str] = []
    used = 0
    for word, count in zip(words, counts, strict=True):
        if current and used + count > budget:
            pieces.append(" ".join(current))
            current, used = [], 0
        if count > budget:  # a pathological "word" (a URL, a table row): keep what fits
            word = word[: budget * 2]
            count = min(count, budget)
        current.append(word)
        used += count
    if current:
        pieces.append(" ".join(current))
    return pieces


def paragraph_sentences(text: str) -> list[tuple[str, bool]]:
    """The text's sentences, each marked when it opens a paragraph. Chunks keep those line
    breaks: a line without a full stop (a heading, "Where to watch: HBO Max") then stays a
    sentence of its own instead of being read, and quoted, as the start of the next one."""
    marked: list[tuple[str, bool]] = []
    for paragraph in text.split("\n"):
        marked.extend(
            (sentence, index == 0) for index, sentence in enumerate(split_sentences(paragraph))
        )
    return marked


def chunk_article(article: Article, embedder: Embedder, config: ChunkingConfig) -> list[Chunk]:
    limit = min(config.max_tokens, embedder.max_tokens) - SPECIAL_TOKENS
    header = embed_header(article)
    header_tokens = embedder.count_tokens([header + "\n\n"])[0]
    if header_tokens > limit // 3:  # an absurd headline must not crowd out the passage
        header = header[: limit // 3]
        header_tokens = embedder.count_tokens([header + "\n\n"])[0]
    budget = max(16, limit - header_tokens)
    overlap = min(config.overlap_tokens, budget // 3)

    marked = paragraph_sentences(article.text)
    sentences = [sentence for sentence, _ in marked]
    counts = embedder.count_tokens(sentences)
    # (text, tokens, opens a paragraph)
    units: list[tuple[str, int, bool]] = []
    for (sentence, opens), count in zip(marked, counts, strict=True):
        if count > budget:
            pieces = _split_long(sentence, budget, embedder)
            piece_counts = embedder.count_tokens(pieces)
            for index, (piece, piece_count) in enumerate(zip(pieces, piece_counts, strict=True)):
                units.append((piece, piece_count, opens and index == 0))
        else:
            units.append((sentence, count, opens))

    groups: list[list[tuple[str, int, bool]]] = []
    current: list[tuple[str, int, bool]] = []
    used = 0
    for unit in units:
        # +1 per join: word-piece tokenisers count the words of joined sentences as before.
        if current and used + unit[1] > budget:
            groups.append(current)
            carried: list[tuple[str, int, bool]] = []
            carried_tokens = 0
            for previous in reversed(current):
                if carried_tokens + previous[1] > overlap or len(carried) + 1 >= len(current):
                    break
                carried.insert(0, previous)
                carried_tokens += previous[1]
            current, used = carried, carried_tokens
            if used + unit[1] > budget:
                current, used = [], 0
        current.append(unit)
        used += unit[1]
    if current:
        groups.append(current)

    chunks = []
    for number, group in enumerate(groups):
        text = "".join(
            ("\n" if opens else " ") + sentence if index else sentence
            for index, (sentence, _, opens) in enumerate(group)
        )
        chunks.append(
            Chunk(
                id=chunk_id(article.id, number),
                article_id=article.id,
                number=number,
                text=text,
                embed_text=f"{header}\n\n{text}",
            )
        )
    return _enforce_limit(chunks, limit, embedder)


def _enforce_limit(chunks: list[Chunk], limit: int, embedder: Embedder) -> list[Chunk]:
    """Token counts of parts can differ from the count of the joined text by a token or two."""
    counts = embedder.count_tokens([c.embed_text for c in chunks])
    if all(count <= limit for count in counts):
        return chunks
    fixed = []
    for chunk, count in zip(chunks, counts, strict=True):
        text = chunk.text
        header = chunk.embed_text[: len(chunk.embed_text) - len(text)]
        while count > limit and " " in text:
            text = text.rsplit(" ", 1)[0]
            count = embedder.count_tokens([header + text])[0]
        fixed.append(Chunk(chunk.id, chunk.article_id, chunk.number, text, header + text))
    return fixed
