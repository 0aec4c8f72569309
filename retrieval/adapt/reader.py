"""A reader trained on the archive alone (`newsbot adapt --reader`): which sentence answers.

No reading-comprehension model ships offline, so the questions are made from the archive, as
unsupervised QA does (Lewis et al., ACL 2019; Fabbri et al., ACL 2020): a sentence that names
something (a name, a figure, an amount, a date) becomes a question by putting the wh-word in the
thing's place ("Officials said which company will cut 2,000 jobs?"), and the sentence that
answers it is *another* sentence of the article naming the same thing, so the reader learns to
read rather than to match words. Where no other sentence names it, the sentence itself answers
(as a quiz question copies its source sentence). The negatives are the article's sentences
without the answer, closest to the question first (the SQuAD 2.0 "answer removed" case, which
is the bot's withheld question), and the best sentence of another article that BM25 finds for
the question (the search's near misses).

The reader is a cross-encoder started from the bundled MiniLM with a one-logit head: (question,
"headline | sentence") -> the probability that the sentence answers. Questions and answers of
any evaluation are never read here.
"""

from __future__ import annotations

import fcntl
import json
import logging
import random
import re
import shutil
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from retrieval.adapt.training import MANIFEST, Progress, TrainingArticle, wants_bf16
from retrieval.answer.extractive import quotable
from retrieval.answer.forms import (
    DATE_PHRASE,
    MONEY,
    ORGANISATION_SUFFIX,
    PERCENT,
    PERSON_BEFORE,
    PLACE_SUFFIX,
)
from retrieval.answer.reader import READER_DIR, reader_input
from retrieval.core.analysis import NAME, STOPWORDS, key_terms
from retrieval.core.errors import ConfigError, IndexBusyError
from retrieval.core.language import CYRILLIC
from retrieval.core.records import Stage
from retrieval.core.sentences import split_sentences
from retrieval.core.settings import AdaptSettings
from retrieval.index.catalog.db import int_to_date

__all__ = ["READER_DIR", "ReaderExample", "reader_examples", "reader_input", "train_reader"]

logger = logging.getLogger(__name__)
# What stands in a question for the thing taken out, by kind and language.
WH = {
    "en": {
        "date": "when",
        "money": "how much money",
        "percentage": "what percentage",
        "number": "how many",
        "person": "who",
        "organisation": "which organisation",
        "place": "where",
        "name": "which",
    },
    "ru": {
        "date": "когда",
        "money": "сколько денег",
        "percentage": "какой процент",
        "number": "сколько",
        "person": "кто",
        "organisation": "какая организация",
        "place": "где",
        "name": "какой",
    },
}
_PLAIN_NUMBER = re.compile(
    r"(?<![\w.,/-])\d{1,3}(?:,\d{3})+(?![\w,/-])|(?<![\w.,/-])\d+(?:\.\d+)?(?![\w.,/-])"
)
_CLAUSE = re.compile(r",\s+|;\s+|\s+[–—]\s+|:\s+")
_PREPOSITION = re.compile(r"\b(?:in|at|on|from|since|by|until|during|в|во|на|с|к|до)\s+$", re.I)
_AFTER_WEEK = (" this week", " recently", "")


@dataclass(frozen=True)
class ReaderExample:
    article_id: str
    question: str
    title: str
    sentence: str
    label: float  # 1: the sentence answers, 0: it does not
    kind: str  # what the question asked for ("date", "person", …)
    answer: str  # the thing the question asks for, as the source sentence names it
    writer: str = "template"  # who wrote the question: "template" or "teacher"


# teacher(headline, sentence, answer) -> a question that sentence answers (an LLM's).
Teacher = Callable[[str, str, str], str]
# search(question) -> [(article id, headline, passage text)]: BM25's best passages for it.
Search = Callable[[str], list[tuple[str, str, str]]]


@dataclass(frozen=True)
class _Thing:
    text: str
    start: int
    kind: str


def _things(sentence: str) -> list[_Thing]:
    """What a question could ask of the sentence: dates, amounts, shares, figures, names."""
    taken: list[tuple[int, int]] = []
    found: list[_Thing] = []

    def add(start: int, end: int, kind: str) -> None:
        if any(a < end and start < b for a, b in taken):
            return
        taken.append((start, end))
        found.append(_Thing(sentence[start:end].strip(" ,."), start, kind))

    for pattern, kind in ((DATE_PHRASE, "date"), (MONEY, "money"), (PERCENT, "percentage")):
        for match in pattern.finditer(sentence):
            add(match.start(), match.end(), kind)
    for match in _PLAIN_NUMBER.finditer(sentence):
        add(match.start(), match.end(), "number")
    for match in NAME.finditer(sentence):
        name, begin = match.group().rstrip("."), match.start()
        titled = False
        while " " in name and PERSON_BEFORE.search(name.split(" ", 1)[0] + " "):
            # "Mayor Maria Okafor": the title says who she is; the name is the answer.
            head, name = name.split(" ", 1)
            begin += len(head) + 1
            titled = True
        if not titled and " " not in name and (begin <= 2 or name.lower() in STOPWORDS):
            continue  # a capital at the start of a sentence (or quote) is not a name
        if len(name) < 3:
            continue
        before = sentence[:begin]
        if ORGANISATION_SUFFIX.search(name):
            kind = "organisation"
        elif PLACE_SUFFIX.search(name):
            kind = "place"
        elif (
            titled
            or PERSON_BEFORE.search(before)
            or (" " in name and all(p[:1].isupper() for p in name.split()))
        ):
            kind = "person" if len(name.split()) <= 3 else "name"
        else:
            kind = "name"
        add(begin, begin + len(name), kind)
    return [t for t in found if t.text]


def _mentions(sentence: str, thing: _Thing) -> bool:
    """Whether the sentence names the thing (a person by their surname too)."""
    if thing.text in sentence:
        return True
    if thing.kind == "person":
        last = thing.text.split()[-1]
        return len(last) >= 4 and re.search(rf"\b{re.escape(last)}\b", sentence) is not None
    return False


def _question(sentence: str, thing: _Thing, rng: random.Random) -> str:
    language = "ru" if CYRILLIC.search(sentence) else "en"
    wh = WH[language][thing.kind]
    before, after = sentence[: thing.start], sentence[thing.start + len(thing.text) :]
    if thing.kind in ("date", "place"):
        before = _PREPOSITION.sub("", before)  # "reopened on Monday" -> "reopened when"
    if thing.kind in ("number",) and language == "en":
        wh = "how many"
    text = re.sub(r"\s+", " ", f"{before}{wh}{after}".strip())
    if len(text.split()) > 22:  # a quiz asks in a clause, not in a whole long sentence
        clauses = _CLAUSE.split(text)
        at = next((n for n, c in enumerate(clauses) if wh in c), 0)
        kept = clauses[at]
        for extra in clauses[at + 1 :]:
            if len(kept.split()) >= 10:
                break
            kept = f"{kept}, {extra}"
        text = kept
    text = text.strip(" \"“”'").rstrip(" .!;:,")
    if len(text.split()) > 30 or thing.text in text:
        # A run-on the clauses could not cut, or the thing named twice: no fair question.
        return ""
    if language == "en":
        text += rng.choice(_AFTER_WEEK)
    return text[:1].upper() + text[1:] + "?"


def _sentences(article: TrainingArticle) -> list[str]:
    seen: set[str] = set()
    found: list[str] = []
    for _, text in article.chunks:
        for whole in split_sentences(text):
            sentence = quotable(whole)
            if sentence and sentence not in seen:  # chunks overlap
                seen.add(sentence)
                found.append(sentence)
    return found


def _closest(question: str, sentences: Sequence[str], n: int) -> list[str]:
    terms = key_terms(question)
    return sorted(sentences, key=lambda s: -len(terms & key_terms(s)))[:n]


def _taught(teacher: Teacher, title: str, source: str, thing: _Thing) -> str | None:
    """The teacher's question, or None when it gives the answer away or is no question."""
    text = teacher(title, source, thing.text).strip().strip('"“”')
    if not text or thing.text.casefold() in text.casefold() or len(text.split()) > 40:
        return None
    return text if text.endswith("?") else f"{text.rstrip('.')}?"


def reader_examples(
    articles: Sequence[TrainingArticle],
    search: Search | None,
    config: AdaptSettings,
    progress: Progress | None = None,
    teacher: Teacher | None = None,
) -> list[ReaderExample]:
    """Labelled (question, sentence) pairs from the articles; `search` finds another article's
    near misses (None: the article's own sentences only). At most `config.reader_questions`
    questions, each with one answering sentence, `config.reader_negatives` of its article's
    that do not (at least two), and a near miss of another article where `search` finds one."""
    rng = random.Random(config.seed)
    order = list(articles)
    rng.shuffle(order)
    examples: list[ReaderExample] = []
    questions = 0
    per_article = max(1, config.reader_per_article)
    for position, article in enumerate(order, start=1):
        sentences = _sentences(article)
        if len(sentences) < 3:
            continue
        sources = [article.title, *sentences] if len(article.title.split()) >= 4 else sentences
        rng.shuffle(sources)
        made = 0
        for source in sources:
            if made >= per_article or questions >= config.reader_questions:
                break
            things = _things(source)
            rng.shuffle(things)
            chosen = None
            for thing in things:
                # Another sentence naming it answers when it shares the source's story: at
                # least two of its terms ("Trump" alone is named in every other sentence).
                source_terms = key_terms(source) - key_terms(thing.text)
                answering = [
                    s
                    for s in sentences
                    if s != source and _mentions(s, thing) and len(source_terms & key_terms(s)) >= 2
                ]
                if answering:
                    chosen = (thing, answering)
                    break
            if chosen is None:
                # None of the article's other sentences names it: the sentence answers itself.
                if source == article.title or not things or rng.random() < 0.5:
                    continue
                thing = things[0]
                chosen = (thing, [source])
            thing, answering = chosen
            question = _question(source, thing, rng)
            if not question:
                continue
            positive = rng.choice(answering)
            without = [s for s in sentences if s != source and not _mentions(s, thing)]
            if not without:
                continue
            writer = "template"
            if teacher is not None:  # asked only for a question that will be used
                taught = _taught(teacher, article.title, source, thing)
                if taught:
                    question, writer = taught, "teacher"
            negatives = _closest(question, without, max(1, config.reader_negatives - 1))
            spare = [s for s in without if s not in negatives]
            if spare:
                negatives.append(rng.choice(spare))
            examples.append(
                ReaderExample(
                    article.id,
                    question,
                    article.title,
                    positive,
                    1.0,
                    thing.kind,
                    thing.text,
                    writer,
                )
            )
            examples += [
                ReaderExample(article.id, question, article.title, s, 0.0, thing.kind, thing.text)
                for s in negatives
            ]
            if search is not None:
                for other_id, other_title, text in search(question)[:3]:
                    if other_id == article.id:
                        continue
                    near = [q for w in split_sentences(text) if (q := quotable(w))]
                    near = [s for s in near if not _mentions(s, thing)]
                    if near:
                        best = _closest(question, near, 1)[0]
                        examples.append(
                            ReaderExample(
                                article.id, question, other_title, best, 0.0, thing.kind, thing.text
                            )
                        )
                        break
            made += 1
            questions += 1
        if progress and position % 200 == 0:
            progress(Stage.QUESTIONS, position, len(order))
        if questions >= config.reader_questions:
            break
    if progress:
        progress(Stage.QUESTIONS, len(order), len(order))
    return examples


def train_reader(
    base_model: str,
    examples: Sequence[ReaderExample],
    out_dir: Path,
    config: AdaptSettings,
    progress: Progress | None = None,
) -> tuple[int, float | None]:
    """Train into `out_dir`; (steps, mean loss of the last 20 steps)."""
    import torch
    from sentence_transformers import CrossEncoder
    from transformers import get_linear_schedule_with_warmup
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    bf16 = wants_bf16(config)
    rng = random.Random(config.seed)
    torch.manual_seed(config.seed)
    length = config.reader_max_length
    model = CrossEncoder(base_model, num_labels=1, max_length=length, device="cpu")
    network, tokenizer = model.model, model.tokenizer
    pending = list(examples)
    plan: list[list[ReaderExample]] = []
    for _ in range(config.reader_epochs):
        rng.shuffle(pending)
        size = config.reader_batch_size
        plan += [pending[n : n + size] for n in range(0, len(pending), size)]
    optimizer = torch.optim.AdamW(network.parameters(), lr=config.reader_learning_rate)
    schedule = get_linear_schedule_with_warmup(
        optimizer, int(config.warmup_ratio * len(plan)), len(plan)
    )
    loss_fn = torch.nn.BCEWithLogitsLoss()
    network.train()
    recent: list[float] = []
    for step, batch in enumerate(plan, start=1):
        features = tokenizer(
            [e.question for e in batch],
            [reader_input(e.title, e.sentence) for e in batch],
            padding=True,
            truncation="longest_first",  # a long question is cut too, never an error
            max_length=length,
            return_tensors="pt",
        )
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            logits = network(**features).logits.view(-1)
        loss = loss_fn(logits.float(), torch.tensor([e.label for e in batch]))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(network.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad(set_to_none=True)
        recent = [*recent[-19:], float(loss.detach())]
        if progress:
            progress(Stage.TRAINING_READER, step, len(plan))
    network.eval()
    model.save(str(out_dir))
    return len(plan), (sum(recent) / len(recent) if recent else None)


# -- versions ---------------------------------------------------------------------------------
@dataclass
class ReaderReport:
    version: str = ""
    path: str = ""
    base_model: str = ""
    articles: int = 0
    questions: int = 0
    pairs: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    by_writer: dict[str, int] = field(default_factory=dict)  # template / teacher questions
    steps: int = 0
    latest_article: str = ""
    before: str = ""
    question_seconds: float = 0.0
    train_seconds: float = 0.0
    peak_memory_mib: float = 0.0
    final_loss: float | None = None

    def summary(self) -> str:
        taught = self.by_writer.get("teacher", 0)
        written = f", {taught} written by the teacher" if taught else ""
        return (
            f"reader {self.version}: {self.questions} questions{written} ({self.pairs} pairs) from "
            f"{self.articles} articles up to {self.latest_article or '?'}, {self.steps} steps "
            f"in {self.train_seconds / 60:.1f} min, peak memory {self.peak_memory_mib:.0f} MiB"
        )


def readers_root(data_dir: Path) -> Path:
    return data_dir / "models" / "readers"


def reader_numbers(root: Path) -> list[int]:
    if not root.is_dir():
        return []
    names = [p.name for p in root.iterdir() if p.is_dir() and (p / READER_DIR).is_dir()]
    return sorted(int(n[1:]) for n in names if n.startswith("r") and n[1:].isdigit())


def peak_memory_mib() -> float:
    """This process's peak resident memory so far (Linux reports KiB, macOS bytes)."""
    import resource
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def train_version(
    articles: Sequence[TrainingArticle],
    search: Search | None,
    *,
    root: Path,
    base_model: str,
    config: AdaptSettings,
    progress: Progress | None = None,
    teacher: Teacher | None = None,
) -> ReaderReport:
    """Make the questions, train, and save `root/rN` whole (or nothing: a killed run leaves a
    `.rN.partial` that the next one clears). One run at a time on a data dir, across processes
    (the CLI beside the bot): a second is refused at once."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".training-lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexBusyError(
                "another newsbot process is training a reader on this archive; wait for it"
            ) from None
        return _train_version(articles, search, root, base_model, config, progress, teacher)


def _train_version(
    articles: Sequence[TrainingArticle],
    search: Search | None,
    root: Path,
    base_model: str,
    config: AdaptSettings,
    progress: Progress | None,
    teacher: Teacher | None,
) -> ReaderReport:
    started = time.monotonic()
    examples = reader_examples(articles, search, config, progress, teacher)
    questions = sum(e.label == 1.0 for e in examples)
    if questions < 16:
        raise ConfigError(
            f"too few training questions ({questions}): a reader needs an archive of a few "
            "dozen articles with several sentences each"
        )
    question_seconds = time.monotonic() - started
    for partial in root.glob(".r*.partial"):
        shutil.rmtree(partial, ignore_errors=True)
    number = max(reader_numbers(root), default=0) + 1
    partial = root / f".r{number}.partial"
    partial.mkdir(parents=True)
    used = {e.article_id for e in examples}
    latest = max((a.published for a in articles if a.id in used), default=0)
    report = ReaderReport(
        version=f"r{number}",
        path=str(root / f"r{number}"),
        base_model=base_model,
        articles=len(used),
        questions=questions,
        pairs=len(examples),
        by_kind=dict(Counter(e.kind for e in examples if e.label == 1.0)),
        by_writer=dict(Counter(e.writer for e in examples if e.label == 1.0)),
        latest_article=str(int_to_date(latest) or ""),
        before=str(config.before or ""),
        question_seconds=question_seconds,
    )
    try:
        started = time.monotonic()
        report.steps, report.final_loss = train_reader(
            base_model, examples, partial / READER_DIR, config, progress
        )
        report.train_seconds = time.monotonic() - started
        report.peak_memory_mib = peak_memory_mib()
        record = {"summary": report.summary(), "report": asdict(report)}
        record["config"] = config.model_dump(mode="json")
        (partial / MANIFEST).write_text(json.dumps(record, indent=2, default=str), "utf-8")
        partial.rename(root / report.version)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    logger.info("%s", report.summary())
    return report
