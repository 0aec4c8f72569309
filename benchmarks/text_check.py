"""Corpus-level text check: every word of every story line reaches the indexed text.

Writes each RealTimeQA article as a seed-format `.txt` file (`date YYYY-MM-DD By Outlet`, blank
line, paragraphs), reads the folder back through the loaders and chunks it with the real
model's tokenizer, exactly as `newsbot ingest` does before embedding, and counts the body words
that are in no chunk (nor the headline made from the first line).

The loaders drop boilerplate (datelines, bylines, credits, links, promotions:
`retrieval.ingest.boilerplate`), so the words the recogniser removed are counted apart and
listed by kind, and only the words of story lines are checked: "no story sentence is lost"
stays a number, and what was removed can be read.

    python -m benchmarks.text_check ../shared/data/realtimeqa-2023/articles.jsonl.gz [--limit N]
"""

from __future__ import annotations

import argparse
import gzip
import json
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from retrieval.core.records import Article
from retrieval.embed.torch_backend import SentenceTransformerEmbedder
from retrieval.ingest.boilerplate import LANGUAGES, Cleaned, clean_article_text
from retrieval.ingest.chunking import ChunkingConfig, chunk_article
from retrieval.ingest.loaders import Skipped, load_sources
from retrieval.ingest.loaders.common import clean_text
from retrieval.ingest.loaders.text import parse_text_article


def recognised(content: str, name: str) -> Cleaned | None:
    """What the loaders' boilerplate step removes from a written file: the text loader alone,
    then the recogniser, as `load_sources` runs them (None: a language it leaves alone)."""
    raw = parse_text_article(content, name)
    return clean_article_text(raw.text) if raw.language in LANGUAGES else None


def lost_words(story: Counter[str], removed: set[str], kept: set[str]) -> list[str]:
    """Story words in no chunk. A word the recogniser cut in two ("Ill.—To": a dateline's
    "Ill.—" glued to the story's "To") is kept when its story half is."""
    lost = []
    for word in story.elements():
        if word in kept or any(
            (word.startswith(cut) and word[len(cut) :] in kept)
            or (word.endswith(cut) and word[: -len(cut)] in kept)
            for cut in removed
            if cut != word
        ):
            continue
        lost.append(word)
    return lost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("articles", type=Path, help="RealTimeQA articles.jsonl.gz")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--show", type=int, default=3, help="removed pieces shown per kind")
    args = parser.parse_args()
    opener = gzip.open if args.articles.suffix == ".gz" else open
    with opener(args.articles, "rt", encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle if line.strip()]
    if args.limit:
        records = records[: args.limit]
    embedder = SentenceTransformerEmbedder()
    config = ChunkingConfig(256, 40)
    started = time.monotonic()
    bodies: dict[str, str] = {}
    cleaned: dict[str, Cleaned | None] = {}
    with tempfile.TemporaryDirectory() as folder:
        for n, record in enumerate(records):
            day = (record.get("publish_date") or "2023/01/01").replace("/", "-")
            outlet = urlsplit(record.get("url", "")).hostname or "Unknown"
            name = f"a{n:05d}.txt"
            body = record["text"]
            bodies[name] = body
            content = f"date {day} By {outlet}\n\n{body}\n"
            (Path(folder) / name).write_text(content, "utf-8")
            if body.strip():
                cleaned[name] = recognised(content, name)
        loaded: dict[str, Article] = {}
        skipped: list[Skipped] = []
        for item in load_sources([folder]):
            if isinstance(item, Skipped):
                skipped.append(item)
            elif isinstance(item, Article):
                loaded[Path(item.origin).name] = item
    missing: Counter[str] = Counter()
    articles_with_loss = 0
    chunks = 0
    removed_words = 0
    lines_dropped = 0
    touched = 0
    with_authors = 0
    differs: list[str] = []  # loaded text is not the recogniser's: the check would be wrong
    by_kind: Counter[str] = Counter()
    words_by_kind: Counter[str] = Counter()
    flagged: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    for n, (name, article) in enumerate(sorted(loaded.items()), start=1):
        pieces = chunk_article(article, embedder, config)
        chunks += len(pieces)
        kept = set(article.title.split())
        for piece in pieces:
            kept.update(piece.text.split())
        story = Counter(bodies[name].split())
        cut: set[str] = set()
        found = cleaned.get(name)
        if found is not None:
            if found.text != article.text:
                differs.append(name)
            for removed in found.removed:
                words = removed.text.split()
                story.subtract(words)
                cut.update(words)
                removed_words += len(words)
                by_kind[removed.kind] += 1
                words_by_kind[removed.kind] += len(words)
                shown = examples.setdefault(removed.kind, [])
                if len(shown) < args.show:
                    shown.append(removed.text)
            flagged.update(piece.kind for piece in found.flagged)
            lines_dropped += found.dropped
            touched += bool(found.removed)
            with_authors += bool(found.authors)
        lost = lost_words(+story, cut, kept)
        if lost:
            articles_with_loss += 1
            missing.update(lost)
        if n % 1000 == 0:
            print(f"checked {n}/{len(loaded)}", flush=True)
    # An article skipped as nothing but boilerplate loses every word the recogniser left.
    for item in skipped:
        name = Path(item.origin).name
        if name in bodies and item.reason.startswith("nothing but boilerplate"):
            left = clean_article_text(clean_text(bodies[name])).text.split()
            if left:
                articles_with_loss += 1
                missing.update(left)
    seconds = time.monotonic() - started
    print(f"articles written: {len(records)}; loaded: {len(loaded)}; skipped: {len(skipped)}")
    for item in skipped[:20]:
        print(f"  skipped {Path(item.origin).name}: {item.reason}")
    print(f"passages: {chunks}; seconds: {seconds:.0f}")
    print(
        f"story words absent from the indexed text: {sum(missing.values())} "
        f"(in {articles_with_loss} articles)"
    )
    for word, count in missing.most_common(20):
        print(f"  {word!r}: {count}")
    print(
        f"boilerplate removed: {sum(by_kind.values())} pieces, {lines_dropped} whole lines, "
        f"{removed_words} words, in {touched} articles; byline authors found in {with_authors}"
    )
    for kind, count in by_kind.most_common():
        print(f"  {kind}: {count} ({words_by_kind[kind]} words)")
        for text in examples[kind]:
            print(f"      {text[:110]!r}")
    kept_kinds = ", ".join(f"{kind} {count}" for kind, count in flagged.most_common())
    print(f"recognised and kept (not boilerplate): {kept_kinds or 'none'}")
    print(f"articles whose loaded text is not the recogniser's: {len(differs)} {differs[:10]}")


if __name__ == "__main__":
    main()
