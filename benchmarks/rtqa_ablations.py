"""Ablations on RealTimeQA dev that `newsbot eval` does not cover (results in BENCHMARKS.md).

    python -m benchmarks.rtqa_ablations lexical  QUESTIONS --data-dir DIR
    python -m benchmarks.rtqa_ablations selector QUESTIONS --data-dir DIR

`lexical`: BM25 alone (no per-article cap, nothing after the quiz date) over the indexed passages,
for k1/b settings, BM25 variants, pseudo-relevance feedback (expansion terms from the top passages)
and half-size passages (each passage split in two at a sentence boundary).

`selector`: the extractive answerer's sentence choice on the bot's top 5 passages: how often the
best-scored sentence names the correct choice and no other, the ceiling (some sentence does), and
a logistic regression / gradient-boosted model over the same features, 2-fold cross-validated by
question (needs scikit-learn, which sentence-transformers installs).
"""

from __future__ import annotations

import argparse
import collections
import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.answer.question import Question
from retrieval.core.settings import Settings
from retrieval.engine import Engine, build_engine
from retrieval.evaluation import EvalQuestion, correct_answer, first_hit, load_questions
from retrieval.index.catalog.db import date_to_int


def recall(
    questions: Sequence[EvalQuestion], texts: Sequence[str], ranked: Callable[[int], Sequence[int]]
) -> str:
    hits: collections.Counter[int] = collections.Counter()
    mrr = 0.0
    for n, question in enumerate(questions):
        first = first_hit((texts[d] for d in ranked(n)[:10]), question.answers)
        for k in (1, 5, 10):
            hits[k] += first is not None and first <= k
        mrr += 1 / first if first else 0.0
    total = len(questions)
    return (
        f"r@1 {hits[1] / total:.3f} r@5 {hits[5] / total:.3f} r@10 {hits[10] / total:.3f} "
        f"mrr {mrr / total:.3f}"
    )


def lexical(services: Engine, questions: list[EvalQuestion]) -> None:
    import bm25s
    import Stemmer

    from retrieval.core.sentences import split_sentences

    stemmer = Stemmer.Stemmer("english")
    rows = services.catalog.passages.chunk_rows(services.collections.active)
    texts = [row.embed_text for row in rows]
    dates = np.array([row.published for row in rows])
    tokens = bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False)
    masks = [dates <= date_to_int(q.asked) for q in questions]
    words = [
        [
            w
            for w in bm25s.tokenize(
                [q.question], stopwords="en", stemmer=stemmer, show_progress=False, return_ids=False
            )[0]
            if w in tokens.vocab
        ]
        for q in questions
    ]

    def bm25(k1: float = 1.5, b: float = 0.75, method: str = "lucene") -> Any:
        model = bm25s.BM25(k1=k1, b=b, method=method)
        model.index(tokens, show_progress=False)
        return model

    def plain(model: Any, mask_of: Sequence[np.ndarray]) -> Callable[[int], Sequence[int]]:
        def ranked(n: int) -> Sequence[int]:
            if not words[n]:
                return []
            scores = model.get_scores(words[n]) * mask_of[n]
            return list(np.argsort(-scores)[:10])

        return ranked

    for k1, b, method in [
        (1.5, 0.75, "lucene"),  # the index's setting
        (1.2, 0.75, "lucene"),
        (0.9, 0.4, "lucene"),
        (1.2, 0.5, "lucene"),
        (1.5, 0.9, "lucene"),
        (2.0, 0.75, "lucene"),
        (1.5, 0.75, "bm25+"),
        (1.5, 0.75, "atire"),
    ]:
        figures = recall(questions, texts, plain(bm25(k1, b, method), masks))
        print(f"BM25 k1={k1} b={b} {method}: {figures}")

    model = bm25()
    vocabulary = {v: k for k, v in tokens.vocab.items()}
    document_frequency: collections.Counter[int] = collections.Counter()
    for ids in tokens.ids:
        document_frequency.update(set(ids))
    total = len(texts)

    def feedback(documents: int, terms: int, weight: float) -> Callable[[int], Sequence[int]]:
        def ranked(n: int) -> Sequence[int]:
            if not words[n]:
                return []
            scores = model.get_scores(words[n]) * masks[n]
            weights: dict[int, float] = collections.defaultdict(float)
            for d in np.argsort(-scores)[:documents]:
                for w in set(tokens.ids[d]):
                    weights[w] += math.log(total / (1 + document_frequency[w]))
            extra = [
                vocabulary[w]
                for w in sorted(weights, key=weights.__getitem__, reverse=True)[
                    : terms + len(words[n])
                ]
                if vocabulary[w] not in words[n]
            ][:terms]
            scores = scores + weight * model.get_scores(extra) * masks[n]
            return list(np.argsort(-scores)[:10])

        return ranked

    for documents, terms, weight in [(5, 10, 0.2), (5, 10, 0.4), (10, 10, 0.3), (3, 5, 0.3)]:
        print(
            f"BM25 + feedback ({documents} passages, {terms} terms, weight {weight}): "
            f"{recall(questions, texts, feedback(documents, terms, weight))}"
        )

    halves: list[str] = []
    half_dates: list[int] = []
    for text, published in zip(texts, dates, strict=True):
        head, _, body = text.partition("\n\n")
        sentences = split_sentences(body or head)
        middle = max(1, len(sentences) // 2)
        for part in (sentences[:middle], sentences[middle:]):
            if part:
                halves.append(f"{head}\n\n{' '.join(part)}" if body else " ".join(part))
                half_dates.append(int(published))
    tokens = bm25s.tokenize(halves, stopwords="en", stemmer=stemmer, show_progress=False)
    words = [[w for w in group if w in tokens.vocab] for group in words]
    half_masks = [np.array(half_dates) <= date_to_int(q.asked) for q in questions]
    print(
        f"BM25 over half-size passages ({len(halves)}): "
        f"{recall(questions, halves, plain(bm25(), half_masks))}"
    )


KINDS = ("number", "date", "person", "place", "name")


def selector(services: Engine, questions: list[EvalQuestion]) -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression

    from retrieval.answer.extractive import ExtractiveAnswerer, ExtractiveConfig
    from retrieval.answer.kinds import things
    from retrieval.core.sentences import split_sentences
    from retrieval.search.hybrid import SearchRequest

    answerer = ExtractiveAnswerer(services.embedder, vectors=services.vectors)
    # Every sentence scored, not only the shortlist the answerer embeds.
    scorer = ExtractiveAnswerer(
        services.embedder,
        replace(ExtractiveConfig(), embed_at_most=10_000),
        vectors=services.vectors,
    )
    groups: list[tuple[list[list[float]], list[bool], list[bool]]] = []
    for n, question in enumerate(questions, 1):
        passages = services.searcher.search(
            SearchRequest(question.question, question.asked or date.today(), 5)
        )
        ranked = scorer.rank(Question.read(question.question), passages)
        if not ranked:
            continue
        best = answerer.rank(Question.read(question.question), passages)[0].sentence
        kind = Question.read(question.question).worded
        position = {
            (i, s): p
            for i, passage in enumerate(passages, 1)
            for p, s in enumerate(split_sentences(passage.text))
        }
        similarity = services.vectors.similarity(question.question, [c.sentence for c in ranked])
        features, labels, current = [], [], []
        for candidate, sim in zip(ranked, similarity, strict=True):
            entity = float(bool(things(candidate.sentence, Question.read(question.question), kind)))
            passage = passages[candidate.passage - 1]
            features.append(
                [
                    candidate.score,
                    float(sim),
                    entity,
                    *(entity * (kind == k) for k in KINDS),
                    passage.score,
                    1.0 / candidate.passage,
                    float(position.get((candidate.passage, candidate.sentence), 9) == 0),
                    len(candidate.sentence.split()) / 50,
                ]
            )
            labels.append(correct_answer(candidate.sentence, question))
            current.append(candidate.sentence == best)
        groups.append((features, labels, current))
        if n % 100 == 0:
            print(f"  {n}/{len(questions)} questions", flush=True)
    total = len(questions)
    chosen_ok = sum(any(c and ok for c, ok in zip(cur, lab, strict=True)) for _, lab, cur in groups)
    ceiling = sum(any(lab) for _, lab, _ in groups)
    print(f"best-scored sentence names the answer (and no other choice): {chosen_ok / total:.3f}")
    print(f"ceiling, some sentence of the top 5 passages does:           {ceiling / total:.3f}")
    folds = [groups[0::2], groups[1::2]]
    for label, make in [
        ("logistic regression", lambda: LogisticRegression(max_iter=2000)),
        (
            "gradient boosting",
            lambda: HistGradientBoostingClassifier(
                max_iter=150, learning_rate=0.05, max_leaf_nodes=15, min_samples_leaf=40
            ),
        ),
    ]:
        correct = 0
        for train, test in (folds, folds[::-1]):
            x = np.array([f for features, _, _ in train for f in features])
            y = np.array([v for _, labels, _ in train for v in labels])
            model = make().fit(x, y)
            for features, labels, _ in test:
                correct += labels[int(np.argmax(model.predict_proba(np.array(features))[:, 1]))]
        print(f"{label}, 2-fold cross-validated by question:  {correct / total:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("what", choices=("lexical", "selector"))
    parser.add_argument("questions", type=Path)
    parser.add_argument("--data-dir", type=Path, required=True)
    args = parser.parse_args()
    services = build_engine(Settings(_env_file=None, data_dir=args.data_dir))  # type: ignore[call-arg]
    questions = [q for q in load_questions(args.questions) if q.answerable]
    print(f"{len(questions)} answerable questions")
    (lexical if args.what == "lexical" else selector)(services, questions)


if __name__ == "__main__":
    main()
