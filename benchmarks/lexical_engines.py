"""Issue 33: lexical engines side by side on the passages of an existing index: newsbot's own
(`TantivyIndex`, as the bot drives it), SQLite FTS5 and raw Tantivy. (bm25s with the delta newsbot
had before was measured here too; its figures are in benchmarks/results/lexical-engines.md, the
code is gone.)

    python -m benchmarks.lexical_engines --data-dir DIR --questions QUESTIONS.jsonl \
        [--limit-passages N] [--limit-questions N] [--copies N] \
        [--engines newsbot,fts5,tantivy] [--no-date-filter] \
        [--out benchmarks/results/lexical-engines.md]

`--copies N` indexes every passage N times (copies under new ids, made as they are indexed, so
the archive grows without holding it in memory): 27 copies of the RealTimeQA index's 77,921
passages are the 2.09M of README's "Running at scale".

Analysis stays ours: every engine indexes the tokens `retrieval.index.lexical.tokenize` makes
(stop words out, Snowball stems), joined by spaces, split again by the engine on whitespace only.
Each engine runs in its own spawned process, so its peak memory is its own. Per engine: the build
of every passage, its peak memory and size on disk; the dev questions' BM25 top 10 (latency, and
answer recall@5/@10 as `newsbot eval` counts a hit); adding one article and 1,000 articles, then
deleting them again, each committed and searchable before the clock stops. The added articles
are copies of indexed ones under new ids, so their text is real. Nothing in DIR is changed; the
indexes go to a temporary folder. The results file holds numbers only.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import date
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Protocol

from benchmarks.common import quantile
from retrieval.index.lexical import LexicalRow

ENGINES = ("newsbot", "fts5", "tantivy")
COLLECTION = "bench"
K = 10
MANY = 1000  # articles in the big add and delete
POLLS = 30  # one-article adds timed one after another (the worst is reported)
BATCH = 5000  # passages analysed at a time where the engine takes them in a stream
TANTIVY_HEAP = 128_000_000  # tantivy's default writer budget
MIB = 1024 * 1024


@dataclass(frozen=True)
class Passage:
    chunk_id: str
    article_id: str
    text: str  # the embedded text, which the bot's BM25 indexes
    published: int  # YYYYMMDD, 0 undated
    language: str

    def row(self) -> LexicalRow:
        """As `LexicalIndex` takes it (`PassageStore.lexical_rows`)."""
        return LexicalRow(self.chunk_id, self.article_id, self.text, self.published, self.language)


@dataclass(frozen=True)
class Job:
    data_dir: Path
    collection: str
    questions: Path
    limit: int
    date_filter: bool
    scratch: Path
    copies: int = 1
    limit_questions: int = 0  # 0: every question


class Engine(Protocol):
    def build(self, passages: Iterable[Passage]) -> None: ...
    def search(self, query: str, language: str, date_to: int) -> list[str]: ...
    def add(self, passages: Sequence[Passage]) -> None: ...
    def delete(self, article_ids: Sequence[str]) -> None: ...


def analysed(passages: Sequence[Passage]) -> list[str]:
    from retrieval.index.lexical import tokenize

    tokens = tokenize([p.text for p in passages], [p.language for p in passages])
    return [" ".join(words) for words in tokens]


def batches(passages: Iterable[Passage]) -> Any:
    part: list[Passage] = []
    for passage in passages:
        part.append(passage)
        if len(part) == BATCH:
            yield from zip(part, analysed(part), strict=True)
            part = []
    yield from zip(part, analysed(part), strict=True)


def scaled(passages: Sequence[Passage], copies: int) -> Iterator[Passage]:
    """The passages, then copies of them under new ids until there are `copies` of each."""
    yield from passages
    for n in range(1, copies):
        for p in passages:
            yield replace(p, chunk_id=f"{p.chunk_id}~x{n}", article_id=f"{p.article_id}~x{n}")


class NewsbotEngine:
    """`TantivyIndex` as the bot drives it (`CollectionWriter.catch_up_lexical`): a full build
    streamed from rows, then one `write` a change (the articles' passages deleted by article
    id, the new ones added, committed)."""

    def __init__(self, folder: Path) -> None:
        from retrieval.index.lexical import TantivyIndex

        self.index = TantivyIndex(folder)

    def build(self, passages: Iterable[Passage]) -> None:
        self.index.build(COLLECTION, (p.row() for p in passages))
        self.index.snapshot(COLLECTION)

    def search(self, query: str, language: str, date_to: int) -> list[str]:
        hits = self.index.search(COLLECTION, query, K, date_to=date_to, language=language)
        return [chunk_id for chunk_id, _ in hits]

    def add(self, passages: Sequence[Passage]) -> None:
        articles = sorted({p.article_id for p in passages})
        self.index.write(COLLECTION, articles, [p.row() for p in passages])

    def delete(self, article_ids: Sequence[str]) -> None:
        self.index.write(COLLECTION, list(article_ids), [])


class Fts5Engine:
    """A contentless FTS5 table of the analysed tokens (the catalog already holds the text) and
    a table of chunk id, article id and date beside it; `bm25()` ranks."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True)
        self.db = sqlite3.connect(folder / "fts5.sqlite", isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        # Before 3.43 a contentless table forgets a row only when handed its tokens again.
        self.contentless_delete = sqlite3.sqlite_version_info >= (3, 43, 0)
        option = ", contentless_delete=1" if self.contentless_delete else ""
        self.db.execute(
            "CREATE TABLE meta (id INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL,"
            " article_id TEXT NOT NULL, published INTEGER NOT NULL)"
        )
        self.db.execute("CREATE INDEX meta_by_article ON meta (article_id)")
        self.db.execute(
            "CREATE VIRTUAL TABLE fts USING fts5(body, content=''"
            f", tokenize=\"ascii tokenchars '_'\"{option})"
        )
        self.next_id = 1
        self.live: dict[str, Passage] = {}

    def build(self, passages: Iterable[Passage]) -> None:
        self.db.execute("BEGIN")
        self._insert(passages)
        self.db.execute("INSERT INTO fts(fts) VALUES ('optimize')")
        self.db.execute("COMMIT")
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def _insert(self, passages: Iterable[Passage]) -> None:
        for p, body in batches(passages):
            self.db.execute(
                "INSERT INTO meta VALUES (?, ?, ?, ?)",
                (self.next_id, p.chunk_id, p.article_id, p.published),
            )
            self.db.execute("INSERT INTO fts (rowid, body) VALUES (?, ?)", (self.next_id, body))
            self.live[p.chunk_id] = p
            self.next_id += 1

    def search(self, query: str, language: str, date_to: int) -> list[str]:
        from retrieval.index.lexical import tokenize

        tokens = tokenize([query], [language])[0]
        if not tokens:
            return []
        match = " OR ".join('"' + t.replace('"', '""') + '"' for t in tokens)
        dated = " AND m.published <= ?" if date_to else ""
        rows = self.db.execute(
            "SELECT m.chunk_id FROM fts JOIN meta m ON m.id = fts.rowid"
            f" WHERE fts MATCH ?{dated} ORDER BY bm25(fts) LIMIT ?",
            (match, date_to, K) if date_to else (match, K),
        )
        return [row[0] for row in rows]

    def add(self, passages: Sequence[Passage]) -> None:
        self.db.execute("BEGIN")
        self._insert(passages)
        self.db.execute("COMMIT")

    def delete(self, article_ids: Sequence[str]) -> None:
        self.db.execute("BEGIN")
        for start in range(0, len(article_ids), 500):
            part = list(article_ids[start : start + 500])
            marks = ",".join("?" * len(part))
            found = self.db.execute(
                f"SELECT id, chunk_id FROM meta WHERE article_id IN ({marks})", part
            ).fetchall()
            if self.contentless_delete:
                self.db.executemany("DELETE FROM fts WHERE rowid = ?", [(i,) for i, _ in found])
            else:
                bodies = analysed([self.live[chunk_id] for _, chunk_id in found])
                self.db.executemany(
                    "INSERT INTO fts (fts, rowid, body) VALUES ('delete', ?, ?)",
                    [(i, body) for (i, _), body in zip(found, bodies, strict=True)],
                )
            self.db.execute(f"DELETE FROM meta WHERE article_id IN ({marks})", part)
        self.db.execute("COMMIT")


class TantivyEngine:
    """A whitespace-tokenised body (term frequencies, no positions: BM25 needs no more), the
    chunk id stored, the article id as a term to delete by, the date as a fast field."""

    def __init__(self, folder: Path) -> None:
        import tantivy

        self.tantivy = tantivy
        folder.mkdir(parents=True)
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("body", tokenizer_name="whitespace", index_option="freq")
        builder.add_text_field("chunk_id", stored=True, tokenizer_name="raw")
        builder.add_text_field("article_id", tokenizer_name="raw", index_option="basic")
        builder.add_integer_field("published", indexed=True, fast=True)
        self.schema = builder.build()
        self.index = tantivy.Index(self.schema, path=str(folder))
        self.writer = self.index.writer(TANTIVY_HEAP, 1)

    def build(self, passages: Iterable[Passage]) -> None:
        self._insert(passages)
        self.writer.commit()
        self.writer.wait_merging_threads()  # a settled index, as a full build would leave it
        self.writer = self.index.writer(TANTIVY_HEAP, 1)
        self.index.reload()

    def _insert(self, passages: Iterable[Passage]) -> None:
        for p, body in batches(passages):
            self.writer.add_document(
                self.tantivy.Document(
                    body=body, chunk_id=p.chunk_id, article_id=p.article_id, published=p.published
                )
            )

    def search(self, query: str, language: str, date_to: int) -> list[str]:
        from retrieval.index.lexical import tokenize

        tokens = tokenize([query], [language])[0]
        if not tokens:
            return []
        q, occur = self.tantivy.Query, self.tantivy.Occur
        found = q.boolean_query(
            [(occur.Should, q.term_query(self.schema, "body", t)) for t in tokens]
        )
        if date_to:
            dated = q.range_query(
                self.schema, "published", self.tantivy.FieldType.Integer, None, date_to
            )
            found = q.boolean_query(
                [(occur.Must, found), (occur.Must, q.const_score_query(dated, 0.0))]
            )
        searcher = self.index.searcher()
        hits = searcher.search(found, K, count=False).hits
        return [searcher.doc(address)["chunk_id"][0] for _, address in hits]

    def add(self, passages: Sequence[Passage]) -> None:
        self._insert(passages)
        self.writer.commit()
        self.index.reload()

    def delete(self, article_ids: Sequence[str]) -> None:
        for article_id in article_ids:
            self.writer.delete_documents_by_term("article_id", article_id)
        self.writer.commit()
        self.index.reload()


MAKERS: dict[str, Callable[[Path], Engine]] = {
    "newsbot": NewsbotEngine,
    "fts5": Fts5Engine,
    "tantivy": TantivyEngine,
}


def load_passages(job: Job) -> tuple[list[Passage], int]:
    """Whole articles in id order (a spread over the dates), until `job.limit` passages; and
    how many the collection holds."""
    from retrieval.index.catalog import Catalog

    catalog = Catalog(job.data_dir / "catalog.sqlite")
    articles = catalog.articles.in_collection(job.collection)
    passages: list[Passage] = []
    for article_id in sorted(articles):
        if job.limit and len(passages) >= job.limit:
            break
        for row in catalog.passages.chunk_rows(job.collection, [article_id]):
            language = row.language or "en"
            passages.append(
                Passage(row.chunk_id, article_id, row.embed_text, row.published, language)
            )
    return passages, sum(a.n_chunks for a in articles.values())


def copies(passages: Sequence[Passage], articles: int, tag: str) -> list[Passage]:
    """`articles` indexed articles again under new ids (round the archive when it is small)."""
    by_article: dict[str, list[Passage]] = {}
    for p in passages:
        by_article.setdefault(p.article_id, []).append(p)
    ids = sorted(by_article)
    made = []
    for n in range(articles):
        suffix = f"~{tag}{n}"
        for p in by_article[ids[n % len(ids)]]:
            made.append(replace(p, chunk_id=p.chunk_id + suffix, article_id=p.article_id + suffix))
    return made


def peak_mib() -> float:
    """This process's peak resident memory. VmHWM, not getrusage: a spawned child's ru_maxrss
    keeps the high-water mark of the parent it was forked from."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def disk_mib(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / MIB


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def measure(name: str, job: Job) -> dict[str, float]:
    """One engine, start to end, in its own process."""
    from retrieval.core.language import question_language
    from retrieval.evaluation import first_hit, load_questions
    from retrieval.index.catalog import Catalog
    from retrieval.index.catalog.db import date_to_int
    from retrieval.search.timeframe import resolve_timeframe

    passages, total = load_passages(job)
    asked = []
    questions = load_questions(job.questions)
    for item in questions[: job.limit_questions or None]:
        language = question_language(item.question)
        end = resolve_timeframe(item.question, item.asked, language).end if item.asked else None
        asked.append((item, language, date_to_int(end) if job.date_filter else 0))
    one, many = copies(passages, 1, "one"), copies(passages, MANY, "many")
    before = peak_mib()
    folder = job.scratch / name
    engine = MAKERS[name](folder)
    result = {"passages": len(passages), "total": total, "before MiB": before}
    result["build s"] = timed(lambda: engine.build(scaled(passages, job.copies)))
    result["passages"] = len(passages) * job.copies
    result["build peak MiB"] = peak_mib()
    result["disk MiB"] = disk_mib(job.scratch / name)

    def ask_all() -> tuple[list[float], list[list[str]]]:
        seconds, found = [], []
        for item, language, date_to in asked:
            started = time.perf_counter()
            found.append(engine.search(item.question, language, date_to))
            seconds.append(time.perf_counter() - started)
        return seconds, found

    seconds, found = ask_all()
    result["query p50 ms"] = 1000 * quantile(seconds, 0.5)
    result["p95 ms"] = 1000 * quantile(seconds, 0.95)
    catalog = Catalog(job.data_dir / "catalog.sqlite")
    firsts = []
    for (item, _, _), ids in zip(asked, found, strict=True):
        if item.answerable:
            texts = catalog.passages.by_id(job.collection, ids)
            firsts.append(first_hit((texts[i].text for i in ids if i in texts), item.answers))
    for k in (5, 10):
        hits = sum(1 for f in firsts if f is not None and f <= k)
        result[f"recall@{k}"] = hits / max(1, len(firsts))
    result["add 1 article ms"] = 1000 * timed(lambda: engine.add(one))
    result["p50 ms after add"] = 1000 * quantile(ask_all()[0], 0.5)
    result["add 1,000 articles s"] = timed(lambda: engine.add(many))
    result["delete 1 ms"] = 1000 * timed(lambda: engine.delete([one[0].article_id]))
    many_ids = sorted({p.article_id for p in many})
    result["delete 1,000 s"] = timed(lambda: engine.delete(many_ids))
    polls: list[float] = []
    for n in range(POLLS):  # one-article feed polls, one after another
        poll = copies(passages[n * 7 :], 1, f"poll{n}")
        polls.append(timed(lambda: engine.add(poll)))  # noqa: B023 (called at once)
    result["poll p50 ms"] = 1000 * quantile(polls, 0.5)
    result["poll max ms"] = 1000 * max(polls)
    result["peak MiB"] = peak_mib()
    return result


COLUMNS = (
    ("build s", "{:.2f}"),
    ("build peak MiB", "{:.0f}"),
    ("disk MiB", "{:.1f}"),
    ("query p50 ms", "{:.1f}"),
    ("p95 ms", "{:.1f}"),
    ("recall@5", "{:.3f}"),
    ("recall@10", "{:.3f}"),
    ("add 1 article ms", "{:.1f}"),
    ("add 1,000 articles s", "{:.3f}"),
    ("delete 1 ms", "{:.1f}"),
    ("delete 1,000 s", "{:.3f}"),
    ("before MiB", "{:.0f}"),
    ("p50 ms after add", "{:.1f}"),
    ("poll p50 ms", "{:.1f}"),
    ("poll max ms", "{:.1f}"),
    ("peak MiB", "{:.0f}"),
)


def machine() -> str:
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        info = ""
    model = next(
        (line.split(":", 1)[1].strip() for line in info.splitlines() if "model name" in line),
        platform.processor() or "unknown CPU",
    )
    flags = set(
        next(
            (ln.split(":", 1)[1].split() for ln in info.splitlines() if ln.startswith("flags")), []
        )
    )
    present = ", ".join(
        f"{f} {'yes' if f in flags else 'no'}" for f in ("avx2", "avx512_bf16", "amx_tile")
    )
    return f"{platform.machine()}, {model}, {os.cpu_count()} cores; {present}"


def commit() -> str:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], capture_output=True, text=True, check=False)
        return done.stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    return head + (" (working tree modified)" if git("status", "--porcelain") else "")


def versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    found = [f"SQLite {sqlite3.sqlite_version}"]
    for package in ("bm25s", "tantivy"):
        try:
            found.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            found.append(f"{package} not installed")
    return ", ".join(found)


def report(job: Job, results: dict[str, dict[str, float]], command: str) -> str:
    first = next(iter(results.values()), {})
    header = "| engine | " + " | ".join(c for c, _ in COLUMNS) + " |"
    lines = [
        "# Lexical engines (issue 33, item 1)",
        "",
        f"- Machine: {machine()}",
        f"- Date: {date.today().isoformat()}; commit {commit()}",
        f"- Command: `{command}`",
        f"- Passages: {int(first.get('passages', 0)):,} of the collection's"
        f" {int(first.get('total', 0)):,}; top {K}; date filter:"
        f" {'the bot’s (nothing after the question’s time frame)' if job.date_filter else 'none'}",
        f"- Versions: {versions()}",
        "",
        header,
        "|---|" + "---:|" * len(COLUMNS),
    ]
    for name, row in results.items():
        cells = [fmt.format(row[column]) for column, fmt in COLUMNS]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "- Times include our analysis (tokenize: stop words, stems) of passages and questions.",
        "- build peak MiB: the engine process's VmHWM after the build; before MiB: the same just"
        " before it (imports, passages and questions loaded).",
        "- Adds are copies of indexed articles under new ids; the deletes remove those copies."
        " Each is committed and searchable before the clock stops.",
        "- p50 ms after add: the questions again, with the one-article add in place.",
        "- poll p50/max ms: 30 one-article adds after the rest, each committed (the worst is"
        " what a feed poll may pay).",
        "- newsbot: `TantivyIndex.build`/`write` as the bot calls them (64 MB writer heap, its"
        " merges waited for in each write); tantivy: the same engine driven directly (128 MB).",
        "- BM25 parameters: FTS5 bm25() and Tantivy k1 1.2, b 0.75. Tantivy writer: 1 thread.",
        "- FTS5: a contentless table; "
        + (
            "rows deleted with contentless_delete."
            if sqlite3.sqlite_version_info >= (3, 43, 0)
            else f"SQLite {sqlite3.sqlite_version} predates contentless_delete (3.43), so a"
            " delete hands FTS5 the passages' tokens again (their analysis is in the times)."
        ),
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--questions", type=Path, required=True)
    parser.add_argument("--limit-passages", type=int, default=0, help="0: every passage")
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--copies", type=int, default=1, help="index each passage N times")
    parser.add_argument("--no-date-filter", action="store_true")
    parser.add_argument("--limit-questions", type=int, default=0, help="0: every question")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/lexical-engines.md"))
    args = parser.parse_args()
    names = [n.strip() for n in args.engines.split(",") if n.strip()]
    unknown = [n for n in names if n not in MAKERS]
    if unknown:
        parser.error(f"unknown engine(s) {', '.join(unknown)}; choose from {', '.join(ENGINES)}")
    if "tantivy" in names:
        try:
            import tantivy  # noqa: F401
        except ImportError:
            print("tantivy is not installed (pip install tantivy): skipping it")
            names.remove("tantivy")
    if not names:
        return

    from retrieval.core.settings import Settings
    from retrieval.index.catalog import Catalog
    from retrieval.index.state import IndexState

    settings = Settings(_env_file=None, data_dir=args.data_dir)  # type: ignore[call-arg]
    catalog = Catalog(args.data_dir / "catalog.sqlite")
    collection = IndexState(catalog.state, settings.store.collection).active()
    command = "python -m benchmarks.lexical_engines " + shlex.join(sys.argv[1:])
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="lexical-engines-") as scratch:
        job = Job(
            args.data_dir,
            collection,
            args.questions,
            args.limit_passages,
            not args.no_date_filter,
            Path(scratch),
            args.copies,
            args.limit_questions,
        )
        for name in names:
            print(f"{name}: measuring…", flush=True)
            with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
                results[name] = pool.submit(measure, name, job).result()
    text = report(job, results, command)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
