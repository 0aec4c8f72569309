"""A cross-encoder reranker trained on the archive's own pairs (`newsbot adapt --reranker`).

No cross-encoder ships offline, so this one starts from the bundled MiniLM weights with a new
one-logit head and learns from the same pairs as the adapted bi-encoder: (query, passage of the
same article) is 1, (query, BM25 hard negative) and (query, another pair's passage) are 0.
Measured on RealTimeQA (BENCHMARKS.md, *Adapting the model*); off unless
NEWSBOT_RETRIEVAL_RERANKER=adapted asks for it.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

from retrieval.adapt.training import Example, Progress, batches, wants_bf16
from retrieval.core.records import Stage
from retrieval.core.settings import AdaptSettings
from retrieval.search.rerank import RERANKER_DIR

__all__ = ["RERANKER_DIR", "train_reranker"]


def train_reranker(
    base_model: str,
    examples: Sequence[Example],
    out_dir: Path,
    config: AdaptSettings,
    progress: Progress | None = None,
) -> int:
    """Train into `out_dir`; returns the steps taken."""
    import torch
    from sentence_transformers import CrossEncoder
    from transformers import get_linear_schedule_with_warmup
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    bf16 = wants_bf16(config)
    rng = random.Random(config.seed)
    torch.manual_seed(config.seed)
    length = config.max_seq_length + 32  # the query beside a training-length passage
    model = CrossEncoder(base_model, num_labels=1, max_length=length, device="cpu")
    network, tokenizer = model.model, model.tokenizer
    # Three pairs an example (positive, hard negative, another example's positive): a third
    # of the bi-encoder's batch keeps a step's cost alike.
    size = max(4, config.batch_size // 3)
    plan = [b for _ in range(config.epochs) for b in batches(examples, size, rng)]
    optimizer = torch.optim.AdamW(network.parameters(), lr=config.learning_rate * 2)
    schedule = get_linear_schedule_with_warmup(
        optimizer, int(config.warmup_ratio * len(plan)), len(plan)
    )
    loss_fn = torch.nn.BCEWithLogitsLoss()
    network.train()
    for step, batch in enumerate(plan, start=1):
        queries: list[str] = []
        passages: list[str] = []
        labels: list[float] = []
        for n, example in enumerate(batch):
            other = batch[(n + 1) % len(batch)].positive
            for passage, label in ((example.positive, 1.0), (example.negative, 0.0), (other, 0.0)):
                queries.append(example.anchor)
                passages.append(passage)
                labels.append(label)
        features = tokenizer(
            queries,
            passages,
            padding=True,
            truncation="only_second",
            max_length=length,
            return_tensors="pt",
        )
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            logits = network(**features).logits.view(-1)
        loss = loss_fn(logits.float(), torch.tensor(labels))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(network.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad(set_to_none=True)
        if progress:
            progress(Stage.TRAINING_RERANKER, step, len(plan))
    network.eval()
    model.max_length = 256  # serving reads whole passages
    model.save(str(out_dir))
    return len(plan)
