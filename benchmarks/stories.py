"""Stories on RealTimeQA (issue 36, item 2): how many stories the archive makes and how many
copies a story holds at each threshold, how long grouping one arriving article takes, how the
pairs judged by reading come out, and recall@5 and accuracy on the dev halves with stories and
without (the bot's path, `QAService.answer`).

    python -m benchmarks stories ../shared/data/realtimeqa-2023/questions-dev.jsonl \
        --data-dir DIR [--thresholds 0.4,0.5,…] [--answer-thresholds 0.5,…] \
        [--halves Jan-Mar,Apr-Jun]

DIR holds the RealTimeQA archive indexed (a copy of data/rtqa: answering at a threshold groups
its stories again, which writes to its catalog). The grouping table feeds the archive's
articles, oldest first, one at a time into a scratch catalog, as a feed poll would; the answer
table asks each half with stories on at each `--answer-thresholds` and once with them off. Tune
on January-March, confirm on April-June.

The judged pairs: every pair of articles whose word triples agree at 0.4 or more over the whole
text or over the first 300 words (exact Jaccard), read and judged a copy or light rewrite of one
report (COPIES), another report (APART: the next year's Groundhog Day, a later lottery draw,
pages cut from one template, CNN pages sharing a block of related links), or left out when
unsure (a story rewritten with a new opening). Only article ids are kept here, never text.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

from benchmarks.common import quantile
from benchmarks.halves import HALVES
from retrieval.answer.qa import QAService
from retrieval.core.records import Answer
from retrieval.core.settings import Settings
from retrieval.engine import build_engine
from retrieval.evaluation import EvalQuestion, evaluate, load_questions, markdown_table
from retrieval.evaluation.configs import BOT, asker_for
from retrieval.evaluation.scoring import RECALL_AT, AskQuestion
from retrieval.index.catalog import Catalog
from retrieval.index.stories import StoryConfig, StoryIndex, StoryText
from retrieval.search.hybrid import SearchOptions


def pairs(text: str) -> list[str]:
    """Judged pairs written "id id, id id, …"."""
    return [pair.strip() for pair in text.split(",") if pair.strip()]


COPIES = pairs(
    """
    367a5315bf05 d4f7f3ffa811, 1a392499c127 b26e3d0a43cc, 5b20b2d97ff3 8f8dd0bb46c0,
    8385b58b8af8 e8994b31ca11, d0be0f83537a f177c92825e5, 119fcde8fcd4 2d8fa2b016de,
    f349c4361595 fa452bb8c63e, 239f01a86ef6 89edb01e59ce, 1572c4d8fdc8 23cc0620e6cb,
    5772f0148a68 834e72959416, eb809094d3dd eed26c6af087, 5fc609203112 bc2bf4414fb9,
    1c6a4b311899 8fc9536afa89, 75753944f881 eb8251408432, 0f8e6b68ea89 3bf903c67f63,
    752965cf805f c11209e5770c, 19f70905984f 3664128452bb, 7e248f7b4fca d2986de17c56
    """
)
APART = pairs(
    """
    379f1c033588 e176cdd79d29, 72efbd6f4802 a4121fc32402, 0988e4a192bc 943de1cfd619,
    672e73fa6b26 eb5b1e7bf860, 3f5c7bd9428b 419ebd6ee78a, 17f9c17edeb0 2fe464534149,
    58e31517a958 d7fd861764ef, 49da3373f6d7 b21befc3325a, 78c24fda9022 be17084d8051,
    379f1c033588 a3814068e2c4, 41dd129855fe bfe7a3830e91, 41093586a541 91c4dad78792,
    16bd4c4d4971 be17084d8051, 59aa69ffe592 be17084d8051, 16bd4c4d4971 59aa69ffe592,
    16bd4c4d4971 27e191862ee4, 27e191862ee4 be17084d8051, 27e191862ee4 59aa69ffe592,
    27e191862ee4 78c24fda9022, 16bd4c4d4971 78c24fda9022, 59aa69ffe592 78c24fda9022,
    035d695649ee 125b2f0f3485, 5f3676e40a24 f52872153068, 236361554b84 e340f7d1be7e,
    2b9049c11637 6776f7460103, 004ca2f32d8b 4450d4a7c6f2, 629004dce479 dbd2fab0eb2f,
    6fea6e0e4c9e 938dd2824d4f, 05b3c838b484 dfb16eae28c8, 5535b5601fd6 be93ce52b05d,
    0095b8e70730 60fe6184c0bc, 4c026de2019b bfa6d38acf51, 58cf40800447 ae1883ea552e,
    76ac3e623585 81945e574e29, 58e31517a958 e6469cf178b2, d7fd861764ef e6469cf178b2,
    32162068b707 75531c2056dc, a563c5993373 e63d0f42ea5d, d52eb8131033 fcd21c953997,
    2581f8801ab2 af33991e4de5, d69b99c130a8 d7fd861764ef, 58e31517a958 bfc93bab834d,
    58e31517a958 91523007a8a3, d69b99c130a8 e6469cf178b2, 58e31517a958 d69b99c130a8,
    91523007a8a3 d7fd861764ef, bfc93bab834d d69b99c130a8, 22bb2ad8a1e4 2b9049c11637,
    91523007a8a3 d69b99c130a8, bfc93bab834d e6469cf178b2, 13b1f87776a2 e6469cf178b2,
    47ef192b7c94 e6469cf178b2, 13b1f87776a2 d7fd861764ef, 13b1f87776a2 58e31517a958,
    55b2d2963611 d69b99c130a8, 55b2d2963611 e6469cf178b2, bfc93bab834d d7fd861764ef,
    91523007a8a3 bfc93bab834d, 13b1f87776a2 d69b99c130a8, 55b2d2963611 91523007a8a3,
    47ef192b7c94 91523007a8a3, 13b1f87776a2 bfc93bab834d, 13b1f87776a2 91523007a8a3,
    13b1f87776a2 55b2d2963611, 55b2d2963611 58e31517a958, 22bb2ad8a1e4 6776f7460103,
    13b1f87776a2 47ef192b7c94, 91523007a8a3 e6469cf178b2, 55b2d2963611 bfc93bab834d,
    47ef192b7c94 58e31517a958, 47ef192b7c94 bfc93bab834d, 55b2d2963611 d7fd861764ef,
    47ef192b7c94 d69b99c130a8, 47ef192b7c94 55b2d2963611, 47ef192b7c94 d7fd861764ef
    """
)


def arriving(catalog: Catalog, collection: str) -> list[StoryText]:
    """The archive's articles as grouping reads them, oldest first (undated last)."""
    stored = catalog.articles.in_collection(collection)
    order = sorted(stored, key=lambda i: (stored[i].published or date.max, i))
    texts: list[StoryText] = []
    for start in range(0, len(order), 500):
        whole, _ = catalog.articles.whole(collection, order[start : start + 500])
        texts += [StoryText.of(article) for article in whole]
    return texts


def together(story_of: dict[str, str], pair: str) -> bool:
    """Whether both articles of a judged pair ("id id") are in one story."""
    a, b = pair.split()
    return a in story_of and story_of.get(a) == story_of.get(b)


def grouping(texts: list[StoryText], thresholds: list[float]) -> None:
    print("## Grouping, one article at a time\n")
    print(
        "| threshold | articles | stories | stories with copies | articles in them "
        "| articles a story: mean (all / with copies), max | sizes 2 / 3 / 4+ "
        "| ms to group an article (median / p95 / max) | judged copies grouped "
        "| judged apart kept apart |"
    )
    print("|---:|---:|---:|---:|---:|---|---|---|---:|---:|")
    for threshold in thresholds:
        with tempfile.TemporaryDirectory() as scratch:
            stories = StoryIndex(
                Catalog(Path(scratch) / "catalog.sqlite").db, StoryConfig(threshold=threshold)
            )
            stories.sketcher  # noqa: B018 (loaded before the clock starts)
            took = []
            for text in texts:
                started = time.perf_counter()
                stories.add("news", [text])
                took.append(1000 * (time.perf_counter() - started))
            sizes = stories.sizes("news")
            story_of = stories.stories_of("news", [t.article_id for t in texts])
        grouped = [s for s in sizes if s > 1]
        counts = Counter(min(s, 4) for s in grouped)

        copies = sum(together(story_of, p) for p in COPIES)
        apart = sum(not together(story_of, p) for p in APART)
        print(
            f"| {threshold:g} | {len(texts):,} | {len(sizes):,} | {len(grouped)} "
            f"| {sum(grouped)} | {len(texts) / len(sizes):.4f} / "
            f"{statistics.mean(grouped) if grouped else 1:.2f}, {max(sizes)} "
            f"| {counts[2]} / {counts[3]} / {counts[4]} "
            f"| {statistics.median(took):.1f} / {quantile(took, 0.95):.1f} / {max(took):.0f} "
            f"| {copies}/{len(COPIES)} | {apart}/{len(APART)} |",
            flush=True,
        )
    print()


def in_step(stories: StoryIndex, collection: str) -> None:
    """What every sync and feed poll adds before and after its articles: the check that every
    article of the archive is grouped."""
    took = []
    for _ in range(50):
        started = time.perf_counter()
        assert stories.in_step(collection)
        took.append(1000 * (time.perf_counter() - started))
    print(
        f"Checking that every article of {collection} is grouped (twice a sync or feed poll): "
        f"{statistics.median(took):.2f} ms (median of 50).\n",
        flush=True,
    )


def answers(questions: Path, data_dir: Path, thresholds: list[float], halves: list[str]) -> None:
    items = load_questions(questions)
    for name in halves:
        start, end = HALVES[name]
        part = [q for q in items if q.asked and start <= q.asked <= end]
        print(f"## {name} ({len(part)} questions)\n", flush=True)
        rows = []
        read: dict[str, dict[str, tuple[str, ...]]] = {}  # label -> question -> top articles
        for threshold in [*thresholds, None]:
            settings = Settings(_env_file=None, data_dir=data_dir)  # type: ignore[call-arg]
            if threshold is not None:
                retrieval = settings.retrieval.model_copy(update={"story_threshold": threshold})
                settings = settings.model_copy(update={"retrieval": retrieval})
            engine = build_engine(settings)  # groups the stories again at a new threshold
            engine.vectors.clear()
            qa = engine.services.qa
            label = "without stories" if threshold is None else f"stories at {threshold:g}"
            ask = (
                copies_read(qa, settings)
                if threshold is None
                else asker_for(BOT, qa, settings.retrieval.top_k)
            )
            rows.append(evaluate(label, part, recording(ask, read.setdefault(label, {}))))
            print(f"{label}: done", flush=True)
        print("\n" + markdown_table(rows) + "\n", flush=True)
        without = read["without stories"]
        for label, tops in read.items():
            if label != "without stories":
                changed = sum(tops[q] != without[q] for q in tops)
                print(f"- {label}: the top 5 articles of {changed} questions differ from without")
        print(flush=True)


def recording(ask: AskQuestion, into: dict[str, tuple[str, ...]]) -> AskQuestion:
    """`ask`, keeping the articles of each question's five best passages."""

    def asked(item: EvalQuestion, hidden: frozenset[str]) -> Answer:
        answer = ask(item, hidden)
        into[item.id] = tuple(p.article_id for p in answer.searched[:5])
        return answer

    return asked


def copies_read(qa: QAService, settings: Settings) -> AskQuestion:
    """The bot's path with every copy read as an article of its own."""
    override = SearchOptions(stories=False)

    def ask(item: EvalQuestion, hidden: frozenset[str]) -> Answer:
        return qa.answer(
            item.question,
            history=item.history(),
            today=item.asked or date.today(),
            k=settings.retrieval.top_k,
            hidden=hidden,
            search=override,
            fetch=max(RECALL_AT),
        )

    return ask


def floats(text: str) -> list[float]:
    return [float(x) for x in text.split(",") if x.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--thresholds", type=floats, default=floats("0.4,0.45,0.5,0.6,0.7,0.8"))
    parser.add_argument("--answer-thresholds", type=floats, default=[])
    parser.add_argument("--halves", default="Jan-Mar,Apr-Jun")
    args = parser.parse_args()
    if args.thresholds:
        settings = Settings(_env_file=None, data_dir=args.data_dir)  # type: ignore[call-arg]
        catalog = Catalog(args.data_dir / "catalog.sqlite")
        engine = build_engine(settings)
        collection = engine.collections.active
        grouping(arriving(catalog, collection), args.thresholds)
        in_step(engine.writer.stories, collection)
    halves = [h for h in args.halves.split(",") if h]
    if halves:
        answers(args.questions, args.data_dir, args.answer_thresholds, halves)


if __name__ == "__main__":
    main()
