"""How much the answerer's prose filter removes from a real corpus, with examples.

    python -m benchmarks.prose_filter ../shared/data/realtimeqa-2023/articles.jsonl.gz

Counts the sentences the extractive answerer could quote (5 to 90 words, not questions) and
how many of them `is_prose` rejects (lists, menus, quiz choices, page debris), and how many
whole passages-worth of articles are affected.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from retrieval.answer.extractive import ExtractiveConfig
from retrieval.core.analysis import is_prose
from retrieval.core.records import Article
from retrieval.core.sentences import split_sentences
from retrieval.ingest.loaders import load_sources


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("articles", type=Path)
    args = parser.parse_args()
    config = ExtractiveConfig()
    quotable = rejected = articles = touched = 0
    examples: list[str] = []
    for article in load_sources([args.articles]):
        if not isinstance(article, Article):
            continue
        articles += 1
        hit = False
        for sentence in split_sentences(article.text):
            words = len(sentence.split())
            if words < config.min_words or words > config.max_words or sentence.endswith("?"):
                continue
            quotable += 1
            if not is_prose(sentence):
                rejected += 1
                hit = True
                examples.append(sentence)
        touched += hit
    print(f"articles: {articles}; quotable sentences: {quotable}")
    print(
        f"rejected as not prose: {rejected} ({rejected / max(1, quotable):.2%}), "
        f"in {touched} articles ({touched / max(1, articles):.1%})"
    )
    for sentence in random.Random(1).sample(examples, min(15, len(examples))):
        print(f"  - {sentence[:140]}")


if __name__ == "__main__":
    main()
