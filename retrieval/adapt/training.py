"""Adapting the embedding model to the archive it serves, from the archive alone.

Every article supervises itself: its headline and its lead sentence are short, question-like
descriptions of its passages, and a sentence taken out of a passage points back to the rest of
it (the inverse cloze task). BM25 hits of other articles are the hard negatives, and the rest of
each batch the easy ones (sentence-transformers' MultipleNegativesRankingLoss). Passages are
trained without the headline and date the index embeds in front of them, or the headline pairs
would be trivial.

Leakage: `before` keeps every pair (and every negative) to articles published before a date, so
an evaluation can train only on what was published before its questions were asked; questions
and their answers are never read here.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from retrieval.core.errors import ConfigError
from retrieval.core.records import Progress, Stage
from retrieval.core.sentences import split_sentences
from retrieval.core.settings import AdaptSettings
from retrieval.embed.choice import BF16_FLAGS, cpu_flags
from retrieval.index.catalog.db import date_to_int
from retrieval.index.catalog.passages import PassageStore
from retrieval.index.lexical import LexicalSnapshot

logger = logging.getLogger(__name__)
# progress(stage, done, total): stages "pairs", "training", "embedding", "lexical", "done".
MANIFEST = "newsbot-adapt.json"


@dataclass(frozen=True)
class Example:
    kind: str
    article_id: str
    anchor: str
    positive: str
    negative: str


@dataclass
class AdaptReport:
    version: int = 0
    base_model: str = ""
    path: str = ""
    articles: int = 0
    examples: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    steps: int = 0
    latest_article: str = ""  # the newest article any pair came from (leakage check)
    before: str = ""
    pair_seconds: float = 0.0
    train_seconds: float = 0.0
    reembed_seconds: float = 0.0
    reranker_seconds: float = 0.0  # 0: no reranker trained
    final_loss: float | None = None

    def summary(self) -> str:
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(self.by_kind.items()))
        text = (
            f"v{self.version}: {self.examples} examples ({kinds}) from {self.articles} "
            f"articles up to {self.latest_article or '?'}, {self.steps} steps in "
            f"{self.train_seconds / 60:.1f} min"
        )
        if self.reranker_seconds:
            text += f", reranker trained in {self.reranker_seconds / 60:.1f} min"
        if self.reembed_seconds:
            text += f", index re-embedded in {self.reembed_seconds / 60:.1f} min"
        return text


@dataclass(frozen=True)
class TrainingArticle:
    id: str
    title: str
    published: int
    chunks: tuple[tuple[str, str], ...]  # (chunk id, text) in order


def training_articles(
    passages: PassageStore, collection: str, before: date | None
) -> list[TrainingArticle]:
    limit = date_to_int(before) if before else 0
    grouped: dict[str, list[tuple[str, str]]] = {}
    meta: dict[str, tuple[str, int]] = {}
    for row in passages.training_rows(collection):
        if limit and not (0 < row.published < limit):
            continue  # undated articles cannot be shown to predate anything
        meta[row.article_id] = (row.title, row.published)
        grouped.setdefault(row.article_id, []).append((row.chunk_id, row.text))
    return [TrainingArticle(i, meta[i][0], meta[i][1], tuple(c)) for i, c in grouped.items()]


def _words(text: str) -> int:
    return len(text.split())


def _queries(
    article: TrainingArticle, kinds: Sequence[str], rng: random.Random
) -> list[tuple[str, str, str, str]]:
    """(kind, query, positive chunk id, positive text) for one article."""
    chunks = article.chunks
    found = []
    if "headline" in kinds and _words(article.title) >= 4:
        chunk_id, text = chunks[rng.randrange(min(2, len(chunks)))]
        found.append(("headline", article.title, chunk_id, text))
    first = split_sentences(chunks[0][1])
    if "lead" in kinds and len(chunks) > 1 and first and _words(first[0]) >= 6:
        chunk_id, text = chunks[1]  # not the chunk that holds the lead itself
        found.append(("lead", first[0], chunk_id, text))
    if "cloze" in kinds:
        chunk_id, text = chunks[rng.randrange(len(chunks))]
        sentences = split_sentences(text)
        usable = [n for n, s in enumerate(sentences) if _words(s) >= 8]
        if len(sentences) >= 3 and usable:
            n = rng.choice(usable)
            rest = " ".join(s for m, s in enumerate(sentences) if m != n)
            found.append(("cloze", sentences[n], chunk_id, rest))
    return found


def build_examples(
    passages: PassageStore,
    collection: str,
    snapshot: LexicalSnapshot,
    config: AdaptSettings,
    progress: Progress | None = None,
) -> tuple[list[Example], list[TrainingArticle]]:
    """Training examples from the indexed archive (at most `config.max_examples`)."""
    rng = random.Random(config.seed)
    articles = training_articles(passages, collection, config.before)
    rng.shuffle(articles)
    chunk_article = {c: a.id for a in articles for c, _ in a.chunks}
    texts = {c: t for a in articles for c, t in a.chunks}
    examples: list[Example] = []
    lo, hi = config.negative_ranks
    date_to = date_to_int(config.before) - 1 if config.before else 0
    for position, article in enumerate(articles, start=1):
        for kind, query, _, positive in _queries(article, config.kinds, rng):
            hits = snapshot.search(query, 4 * hi, date_to=date_to)
            others = [c for c, _ in hits if c in texts and chunk_article[c] != article.id]
            pool = others[lo - 1 : hi]
            if not pool:
                continue
            negative = texts[rng.choice(pool)]
            examples.append(Example(kind, article.id, query, positive, negative))
        if progress and position % 200 == 0:
            progress(Stage.PAIRS, position, len(articles))
        if len(examples) >= config.max_examples:
            break
    if progress:
        progress(Stage.PAIRS, len(articles), len(articles))
    return examples[: config.max_examples], articles


def batches(examples: Sequence[Example], size: int, rng: random.Random) -> list[list[Example]]:
    """Shuffled batches with one example an article each: two pairs of one article in a batch
    would be each other's false negatives."""
    pending = list(examples)
    rng.shuffle(pending)
    result: list[list[Example]] = []
    while pending:
        batch: list[Example] = []
        seen: set[str] = set()
        deferred: list[Example] = []
        for example in pending:
            if len(batch) < size and example.article_id not in seen:
                batch.append(example)
                seen.add(example.article_id)
            else:
                deferred.append(example)
        if len(batch) < size // 2 and result:
            break  # the last scraps: too few in-batch negatives to be worth a step
        result.append(batch)
        pending = deferred
    return result


def train(
    base_model: str,
    examples: Sequence[Example],
    out_dir: Path,
    config: AdaptSettings,
    progress: Progress | None = None,
) -> tuple[int, float | None]:
    """Fine-tune `base_model` on `examples` into `out_dir`; (steps, mean loss of the last 10).

    A plain loop around sentence-transformers' MultipleNegativesRankingLoss rather than its
    Trainer, which needs `datasets` and `accelerate` (with pyarrow and pandas, ~150 MB more in
    every install) for what is twenty lines here. Measured on 2 cores (BENCHMARKS.md,
    *Adapting the model*): 128-token training passages run 6.6 examples/s in bfloat16, 4.4 in
    float32, and full 256-token passages 1.8 (the Trainer's rate too)."""
    if len(examples) < config.batch_size:
        raise ConfigError(
            f"too few training pairs ({len(examples)}): adapting needs an archive of at least "
            f"{config.batch_size} articles with a headline and a few paragraphs"
        )
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.losses import MultipleNegativesRankingLoss
    from transformers import get_linear_schedule_with_warmup
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    bf16 = wants_bf16(config)
    rng = random.Random(config.seed)
    torch.manual_seed(config.seed)
    model = SentenceTransformer(base_model, device="cpu")
    serving_length = model.max_seq_length
    model.max_seq_length = min(serving_length or 256, config.max_seq_length)
    loss_fn = MultipleNegativesRankingLoss(model)
    plan = [b for _ in range(config.epochs) for b in batches(examples, config.batch_size, rng)]
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate)
    schedule = get_linear_schedule_with_warmup(
        optimizer, int(config.warmup_ratio * len(plan)), len(plan)
    )
    model.train()
    recent: list[float] = []
    for step, batch in enumerate(plan, start=1):
        columns = [[e.anchor for e in batch], [e.positive for e in batch]]
        if config.hard_negatives:
            columns.append([e.negative for e in batch])
        features = [dict(model.preprocess(list(texts))) for texts in columns]
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            value = loss_fn(features, None)
        value.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad(set_to_none=True)
        recent = [*recent[-9:], float(value.detach())]
        if progress:
            progress(Stage.TRAINING, step, len(plan))
    model.eval()
    model.max_seq_length = serving_length
    model.save(str(out_dir))
    return len(plan), (sum(recent) / len(recent) if recent else None)


def wants_bf16(config: AdaptSettings) -> bool:
    if config.precision == "auto":
        return bool(BF16_FLAGS & cpu_flags())
    return config.precision == "bfloat16"


def write_manifest(out_dir: Path, report: AdaptReport, config: AdaptSettings) -> None:
    record = {
        "summary": report.summary(),
        "report": asdict(report),
        "config": config.model_dump(mode="json") | {"before": report.before},
    }
    (out_dir / MANIFEST).write_text(json.dumps(record, indent=2, default=str), encoding="utf-8")


def read_manifest(model_dir: Path) -> dict[str, Any] | None:
    try:
        return dict(json.loads((model_dir / MANIFEST).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None


def timed(func: Callable[[], Any]) -> tuple[Any, float]:
    started = time.monotonic()
    return func(), time.monotonic() - started
