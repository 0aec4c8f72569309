"""BM25 over the same passages as the vectors: our analysis, Tantivy's engine.

Names, places and figures, where a small dense model is weak, are exactly where BM25 is strong.
The analysis stays ours (`tokenize`: stop words out, Snowball stems, Russian lemmas, per the
passage's language); the engine indexes the analysed tokens as they are. Tantivy (the Rust engine
under Quickwit and ParadeDB) keeps segments, deletes and merges: a sync that changes a few
articles deletes their passages by article id and adds the new ones, and nothing is ever rebuilt
behind its back (BENCHMARKS.md, "Lexical engines compared").

`LexicalIndex` and `LexicalSnapshot` are the seam: the rest of newsbot calls only them, so a
deployment that outgrows one host can put its words in a shared engine with the same analysed
tokens (docs/shared-lexical-engine.md).
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from retrieval.core import azerbaijani
from retrieval.core.language import WordStemmer, analysis_key, stopwords
from retrieval.core.records import Progress, Stage

logger = logging.getLogger(__name__)


class LexicalRow(NamedTuple):
    """One passage as the lexical index takes it (`PassageStore.lexical_rows`). A tuple with
    names: a rebuild streams millions of them."""

    chunk_id: str
    article_id: str
    embed_text: str  # the text the vectors were made from, which BM25 indexes too
    published: int  # YYYYMMDD, 0 undated
    language: str  # the article's (ISO 639-1)


def _bm25s():  # type: ignore[no-untyped-def]
    """bm25s (its tokenizer and stop-word lists), imported on first use. Its import sets its
    logger to DEBUG, which printed a line on every call whatever the entry point had
    configured; keep the level set before it."""
    bm25s_logger = logging.getLogger("bm25s")
    level = bm25s_logger.level
    import bm25s

    bm25s_logger.setLevel(level)
    return bm25s


def tokenize(texts: Sequence[str], languages: Sequence[str] | None = None) -> list[list[str]]:
    """The tokens indexed for each text, analysed in its language (`languages`, one a text;
    English when not given): stop words out, Snowball stems (`retrieval.core.language`).
    Texts analysed alike are tokenised in one batch."""
    bm25s = _bm25s()
    languages = languages or ["en"] * len(texts)
    groups: dict[str, list[int]] = {}
    for position, language in enumerate(languages):
        groups.setdefault(analysis_key(language), []).append(position)
    result: list[list[str]] = [[] for _ in texts]
    for positions in groups.values():
        language = languages[positions[0]]
        batch = [texts[p] for p in positions]
        if language == "az":  # I is ı and İ is i (str.lower makes İ an i and a loose dot)
            batch = [azerbaijani.lower(text) for text in batch]
        tokens = bm25s.tokenize(
            batch,
            stopwords=sorted(stopwords(language)),
            stemmer=WordStemmer(language),
            show_progress=False,
            return_ids=False,
        )
        for position, words in zip(positions, tokens, strict=True):
            result[position] = list(words)
    return result


class LexicalSnapshot(Protocol):
    """One collection's words at one moment: a search in flight keeps the view it started
    with, whatever is written meanwhile."""

    def search(
        self, query: str, k: int, *, date_from: int = 0, date_to: int = 0, language: str = "en"
    ) -> list[tuple[str, float]]:
        """(chunk id, BM25 score), best first, within an optional YYYYMMDD date range; the
        query analysed in `language`."""
        ...

    def scores(
        self, query: str, chunk_ids: Sequence[str], language: str = "en"
    ) -> tuple[dict[str, float], float]:
        """BM25 scores of these chunks for `query`, and the best score of any chunk (what a
        caller normalises by)."""
        ...

    def live_ids(self) -> set[str]:
        """Every passage a search can find."""
        ...


class LexicalIndex(Protocol):
    """The words of every collection. Writes (`build`, `write`, `drop`, `sweep`) run under the
    index's job lock; reads from any thread."""

    def exists(self, collection: str) -> bool: ...

    def snapshot(self, collection: str) -> LexicalSnapshot: ...

    def search(
        self,
        collection: str,
        query: str,
        k: int,
        *,
        date_from: int = 0,
        date_to: int = 0,
        language: str = "en",
    ) -> list[tuple[str, float]]: ...

    def build(
        self,
        collection: str,
        rows: Iterable[LexicalRow],
        *,
        total: int = 0,
        progress: Progress | None = None,
    ) -> int:
        """The collection's words from scratch, streamed from `rows` (whatever was there is
        replaced once the new words are complete). Returns the passages indexed."""
        ...

    def write(
        self, collection: str, article_ids: Sequence[str], rows: Iterable[LexicalRow]
    ) -> None:
        """These articles' passages replaced by `rows` (none: the articles are gone), in one
        commit. Doing it twice does no harm."""
        ...

    def drop(self, collection: str) -> None: ...

    def sweep(self) -> list[str]:
        """Remove what a write killed halfway left behind; the names removed."""
        ...

    def copy_to(self, collection: str, folder: Path) -> None:
        """A consistent copy of the collection's words into `folder` (a backup)."""
        ...

    def copy_from(self, collection: str, folder: Path) -> bool:
        """The collection's words replaced by a copy made by `copy_to`; False when `folder`
        holds none."""
        ...


# -- Tantivy -----------------------------------------------------------------------------------
WRITER_HEAP = 64_000_000  # bytes buffered before a segment is written: memory stays bounded
LOCKS = (".tantivy-writer.lock", ".tantivy-meta.lock")


def _schema() -> Any:
    """The analysed body (term frequencies, no positions: BM25 needs no more), the chunk id
    (stored, and a term to pick chunks by), the article id (a term to delete by), the date (a
    fast field to filter on)."""
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("body", tokenizer_name="whitespace", index_option="freq")
    builder.add_text_field("chunk_id", stored=True, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("article_id", tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("published", indexed=True, fast=True)
    return builder.build()


class TantivySnapshot:
    """A Tantivy searcher: a point-in-time view that commits do not change."""

    def __init__(self, searcher: Any, schema: Any) -> None:
        import tantivy

        self._tantivy = tantivy
        self._searcher = searcher
        self._schema = schema

    @property
    def size(self) -> int:
        return int(self._searcher.num_docs)

    def _query(self, tokens: Sequence[str]) -> Any:
        q, occur = self._tantivy.Query, self._tantivy.Occur
        return q.boolean_query(
            [(occur.Should, q.term_query(self._schema, "body", t)) for t in tokens]
        )

    def _filtered(self, query: Any, condition: Any) -> Any:
        """`query`'s hits that meet `condition`, scored by `query` alone."""
        q, occur = self._tantivy.Query, self._tantivy.Occur
        return q.boolean_query(
            [(occur.Must, query), (occur.Must, q.const_score_query(condition, 0.0))]
        )

    def _hits(self, query: Any, k: int) -> list[tuple[str, float]]:
        if k <= 0:
            return []
        found = self._searcher.search(query, k, count=False).hits
        return [
            (self._searcher.doc(address)["chunk_id"][0], float(score)) for score, address in found
        ]

    def search(
        self, query: str, k: int, *, date_from: int = 0, date_to: int = 0, language: str = "en"
    ) -> list[tuple[str, float]]:
        tokens = tokenize([query], [language])[0]
        if not tokens:
            return []
        found = self._query(tokens)
        if date_from or date_to:
            dated = self._tantivy.Query.range_query(
                self._schema,
                "published",
                self._tantivy.FieldType.Integer,
                date_from or None,
                date_to or None,
            )
            found = self._filtered(found, dated)
        return self._hits(found, k)

    def scores(
        self, query: str, chunk_ids: Sequence[str], language: str = "en"
    ) -> tuple[dict[str, float], float]:
        tokens = tokenize([query], [language])[0]
        if not tokens or not chunk_ids:
            return {}, 0.0
        everything = self._query(tokens)
        best = self._hits(everything, 1)
        chosen = self._tantivy.Query.term_set_query(self._schema, "chunk_id", list(chunk_ids))
        wanted = self._hits(self._filtered(everything, chosen), len(chunk_ids))
        return dict(wanted), best[0][1] if best else 0.0

    def live_ids(self) -> set[str]:
        return {chunk_id for chunk_id, _ in self._hits(self._tantivy.Query.all_query(), self.size)}


class EmptySnapshot:
    """A collection with no words yet."""

    size = 0

    def search(
        self, query: str, k: int, *, date_from: int = 0, date_to: int = 0, language: str = "en"
    ) -> list[tuple[str, float]]:
        return []

    def scores(
        self, query: str, chunk_ids: Sequence[str], language: str = "en"
    ) -> tuple[dict[str, float], float]:
        return {}, 0.0

    def live_ids(self) -> set[str]:
        return set()


class TantivyIndex:
    """Each collection in `<directory>/tantivy/<collection>`. One `tantivy.Index` a collection
    is opened once and shared by every thread (its searchers are immutable); a commit here
    reloads it at once, another process's commit is picked up by Tantivy's watcher of its
    meta.json (within about a second), so nothing is polled per query."""

    def __init__(self, directory: Path, heap: int = WRITER_HEAP) -> None:
        self.directory = directory
        self.root = directory / "tantivy"
        self.heap = heap
        self._lock = threading.Lock()  # guards the dict of open indexes only
        self._open: dict[str, Any] = {}

    def _folder(self, collection: str) -> Path:
        return self.root / collection

    def exists(self, collection: str) -> bool:
        return (self._folder(collection) / "meta.json").exists()

    def _index(self, collection: str) -> Any | None:
        with self._lock:
            found = self._open.get(collection)
        if found is not None or not self.exists(collection):
            return found
        import tantivy

        try:  # open, never create: a folder dropped meanwhile is no index
            opened = tantivy.Index.open(str(self._folder(collection)))
        except ValueError:
            return None
        with self._lock:
            # Collections another process dropped (a full re-index there): let their files go.
            for name in [n for n in self._open if not self.exists(n)]:
                del self._open[name]
            return self._open.setdefault(collection, opened)

    def snapshot(self, collection: str) -> TantivySnapshot | EmptySnapshot:
        index = self._index(collection)
        if index is None:
            return EmptySnapshot()
        return TantivySnapshot(index.searcher(), index.schema)

    def search(
        self,
        collection: str,
        query: str,
        k: int,
        *,
        date_from: int = 0,
        date_to: int = 0,
        language: str = "en",
    ) -> list[tuple[str, float]]:
        return self.snapshot(collection).search(
            query, k, date_from=date_from, date_to=date_to, language=language
        )

    @staticmethod
    def _add(writer: Any, rows: Iterable[LexicalRow], step: Progress | None, total: int) -> int:
        import tantivy

        count = 0
        batch: list[LexicalRow] = []

        def flush() -> None:
            languages = [row.language or "en" for row in batch]
            tokens = tokenize([row.embed_text for row in batch], languages)
            for row, words in zip(batch, tokens, strict=True):
                writer.add_document(
                    tantivy.Document(
                        body=" ".join(words),
                        chunk_id=row.chunk_id,
                        article_id=row.article_id,
                        published=int(row.published),
                    )
                )
            batch.clear()
            if step is not None:
                step(Stage.LEXICAL, count, max(total, count))

        for row in rows:
            batch.append(row)
            count += 1
            if len(batch) == 2000:
                flush()
        if batch:
            flush()
        return count

    def build(
        self,
        collection: str,
        rows: Iterable[LexicalRow],
        *,
        total: int = 0,
        progress: Progress | None = None,
    ) -> int:
        import tantivy

        staging = self.root / f".{collection}.building"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        index = tantivy.Index(_schema(), path=str(staging), reuse=False)
        writer = index.writer(self.heap, 1)
        count = self._add(writer, rows, progress, total)
        writer.commit()
        writer.wait_merging_threads()  # a settled index, and the writer's lock let go
        del writer, index
        # The old words are set aside whole (never deleted file by file under an open index),
        # the new ones take their place, and this process's readers move to them; a search
        # in flight keeps the searcher it has (its files stay readable once unlinked).
        # A live collection is never built in place by the bot (a full re-index builds a new
        # collection; restore needs an empty data dir): this is for tests and benchmarks.
        target = self._folder(collection)
        retired = self.root / f".{collection}.old"
        shutil.rmtree(retired, ignore_errors=True)
        if target.exists():
            target.rename(retired)
        staging.rename(target)
        opened = tantivy.Index(_schema(), path=str(target), reuse=True)
        with self._lock:
            self._open[collection] = opened
        shutil.rmtree(retired, ignore_errors=True)
        return count

    def write(
        self, collection: str, article_ids: Sequence[str], rows: Iterable[LexicalRow]
    ) -> None:
        index = self._index(collection)
        if index is None:
            raise FileNotFoundError(f"no lexical index for {collection}: build it first")
        writer = index.writer(self.heap, 1)
        try:
            for article_id in article_ids:
                writer.delete_documents_by_term("article_id", article_id)
            self._add(writer, rows, None, 0)
            writer.commit()
        except BaseException:
            writer.rollback()  # nothing half-written stays; the articles stay pending
            raise
        finally:
            writer.wait_merging_threads()  # small segments merged, and the writer's lock let go
        index.reload()

    def _forget(self, collection: str) -> None:
        with self._lock:
            self._open.pop(collection, None)

    def drop(self, collection: str) -> None:
        self._forget(collection)
        shutil.rmtree(self._folder(collection), ignore_errors=True)

    def sweep(self) -> list[str]:
        """A build's staging folder a kill left (`.<name>.building`), and whatever an older
        newsbot's bm25s index left beside the Tantivy folder (the catalog rebuilds the words)."""
        if not self.directory.is_dir():
            return []
        left = [p for p in self.directory.iterdir() if p != self.root]
        if self.root.is_dir():
            left += [p for p in self.root.iterdir() if p.name.startswith(".")]
        for path in left:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        if left:
            logger.info("removed %d lexical leftover(s): %s", len(left), [p.name for p in left])
        return [p.name for p in left]

    def copy_to(self, collection: str, folder: Path) -> None:
        """Segment files never change once written: meta.json and the files it names are one
        consistent version, unless a merge removed a file before it was copied (tried again)."""
        import tantivy

        source = self._folder(collection)
        target = folder / collection
        for _ in range(5):
            shutil.rmtree(target, ignore_errors=True)
            try:
                shutil.copytree(source, target, ignore=shutil.ignore_patterns(*LOCKS))
                tantivy.Index.open(str(target)).searcher()
                return
            except (FileNotFoundError, ValueError, OSError) as exc:
                logger.info("lexical index changed while copied (%s): again", exc)
        raise OSError(f"could not copy the lexical index of {collection}: it kept changing")

    def copy_from(self, collection: str, folder: Path) -> bool:
        copied = folder / collection
        if not (copied / "meta.json").exists():
            return False
        self.drop(collection)
        self.root.mkdir(parents=True, exist_ok=True)
        shutil.copytree(copied, self._folder(collection))
        return True
