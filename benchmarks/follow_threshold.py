"""Measure the followed-topic match threshold (NEWSBOT_FOLLOW_THRESHOLD) on RealTimeQA.

A labelled set built from the dev questions: each answerable question's topic is its content
words ("Which company said it would cut 10,000 jobs?" -> "company cut 10,000 jobs"); the articles
"arriving" are those published in the week before the question was asked; an article is on the
topic when it holds a correct answer (case-folded), off it otherwise. The label is noisy both
ways (an on-topic article may not name the answer; an answer like "Biden" appears in stories on
other topics), so only answers named in fewer than 2% of the corpus's articles are used.

    python -m benchmarks.follow_threshold questions-dev.jsonl --data-dir INDEX \
        --asked-from 2023-01-01 --asked-to 2023-03-31

Prints precision, recall and F1 of "score >= t" over (topic, article) pairs for a range of t,
and the t with the best F1. Tune on January-March, confirm on April-June.
"""

from __future__ import annotations

import argparse
import platform
import re
import time
from collections import defaultdict
from datetime import timedelta

from benchmarks.halves import add_arguments, engine_and_questions
from retrieval.core.analysis import STOPWORDS

THRESHOLDS = [round(0.10 + 0.02 * n, 2) for n in range(36)]
RARE = 0.02
QUESTION_WORDS = {"which", "what", "who", "whom", "whose", "when", "where", "why", "how", "week"}


def topic_of(question: str) -> str:
    words = re.findall(r"[\w'’,.-]+", question)
    kept = [
        w.strip(",.?")
        for w in words
        if w.lower().strip(",.?") not in STOPWORDS and w.lower().strip(",.?") not in QUESTION_WORDS
    ]
    return " ".join(w for w in kept if w)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    parser.add_argument("--window-days", type=int, default=8, help="articles arriving per topic")
    parser.add_argument(
        "--rare", type=float, default=RARE, help="answers named in at most this share of articles"
    )
    args = parser.parse_args()
    engine, questions = engine_and_questions(args)
    with engine.collections.reading() as view:
        collection = view.collection
        stored = engine.catalog.articles.in_collection(collection)
        texts = {
            i: t.casefold() for i, t in engine.catalog.passages.article_texts(collection).items()
        }
    by_day = defaultdict(list)
    for article in stored.values():
        if article.published:
            by_day[article.published].append(article.id)
    pairs: list[tuple[float, bool]] = []
    used = 0
    started = time.monotonic()
    for item in questions:
        if item.asked is None:
            continue
        needles = [a.casefold() for a in item.answers if len(a) >= 3]
        holders = {i for i, t in texts.items() if any(n in t for n in needles)}
        if not holders or len(holders) > args.rare * len(texts):
            continue
        week = [
            i
            for d in range(args.window_days)
            for i in by_day.get(item.asked - timedelta(days=d), [])
        ]
        if not week or not holders & set(week):
            continue
        used += 1
        scores = engine.topics.score(topic_of(item.question), week)
        pairs.extend((scores[i].score if i in scores else 0.0, i in holders) for i in week)
    seconds = time.monotonic() - started
    positives = sum(label for _, label in pairs)
    print(
        f"{used} topics, {len(pairs)} (topic, article) pairs, {positives} on topic; "
        f"{seconds / max(used, 1):.2f} s a topic; {platform.processor() or platform.machine()}"
    )
    print("| threshold | precision | recall | F1 | pushed per topic |")
    print("|---:|---:|---:|---:|---:|")
    best = (0.0, 0.0)
    for threshold in THRESHOLDS:
        pushed = [label for score, label in pairs if score >= threshold]
        hits = sum(pushed)
        precision = hits / len(pushed) if pushed else 0.0
        recall = hits / positives if positives else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        best = max(best, (f1, threshold))
        print(
            f"| {threshold:.2f} | {precision:.3f} | {recall:.3f} | {f1:.3f} | "
            f"{len(pushed) / max(used, 1):.1f} |"
        )
    print(f"best F1 {best[0]:.3f} at threshold {best[1]:.2f}")


if __name__ == "__main__":
    main()
