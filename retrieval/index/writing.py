"""Bringing one collection in line with a list of articles: chunked, embedded, stored in Chroma,
recorded in the catalog, grouped into stories with their copies (retrieval/index/stories.py),
and the words of what changed replaced in the lexical index (retrieval/index/lexical.py).

Incremental and resumable: unchanged articles cost nothing; a batch is recorded in the catalog
only once its vectors are in the store, and the collection's identity only once every batch is,
so a run killed anywhere is redone from where the catalog says it stopped.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from retrieval.core.records import Article, Chunk, IndexReport, Progress, Stage
from retrieval.embed.active import ActiveEmbedder
from retrieval.embed.protocol import Embedder
from retrieval.index.catalog.articles import ArticleStore
from retrieval.index.catalog.db import date_to_int
from retrieval.index.catalog.passages import PassageStore
from retrieval.index.identity import IndexIdentity
from retrieval.index.lexical import LexicalIndex
from retrieval.index.state import IndexState
from retrieval.index.store import VectorStore
from retrieval.index.stories import StoryIndex, StoryText
from retrieval.ingest.chunking import ChunkingConfig, chunk_article
from retrieval.ingest.dedupe import same_story

logger = logging.getLogger(__name__)
EMBED_BATCH_CHUNKS = 512
STORED_BATCH_ARTICLES = 50


# Up to this many articles, a sync looks up the stored ones it touches instead of reading
# every article of the archive.
FEW = 1000


class CollectionWriter:
    def __init__(
        self,
        *,
        articles: ArticleStore,
        passages: PassageStore,
        store: VectorStore,
        lexical: LexicalIndex,
        state: IndexState,
        embedder: ActiveEmbedder,
        chunking: ChunkingConfig,
        stories: StoryIndex,
        embed_batch: int = EMBED_BATCH_CHUNKS,
    ) -> None:
        self.articles = articles
        self.passages = passages
        self.stories = stories
        self.store = store
        self.lexical = lexical
        self.state = state
        self.embedder = embedder
        self.chunking = chunking
        self.embed_batch = embed_batch

    def identity(self, embedder: Embedder | None = None) -> IndexIdentity:
        """What vectors written now depend on: the model new readers get, and the chunking."""
        model = embedder or self.embedder.latest
        return IndexIdentity.of(model.name, self.chunking.max_tokens, self.chunking.overlap_tokens)

    def sync(
        self,
        collection: str,
        articles: Sequence[Article],
        report: IndexReport,
        *,
        delete: Sequence[str] = (),
        progress: Progress,
    ) -> IndexReport:
        """Add and update `articles` in `collection`, and delete the articles `delete` names."""
        report.collection = collection
        self.restore_pending_vectors(collection, progress)
        self.catch_up_stories(collection)  # grouped another way before: all again, first
        if len(articles) + len(delete) <= FEW:  # a feed poll: look up only what it brings
            stored = self.articles.matching(
                collection,
                [a.id for a in articles] + list(delete),
                [a.url for a in articles],
                [a.text_hash for a in articles],
            )
        else:
            stored = self.articles.in_collection(collection)
        find = same_story(stored)
        identity = self.identity()
        # Another model or chunk size makes every stored vector stale, whatever the articles say.
        stale = self.state.identity(collection) not in (None, identity)
        todo: list[Article] = []
        for article in articles:
            previous = stored.get(article.id)
            if previous is None and (copy := find(article)) is not None:
                # The same story under another id (same URL or body): indexed once.
                report.skipped.append((article.origin, f"duplicate of {copy.origin or copy.id}"))
                continue
            unchanged = previous is not None and previous.content_hash == article.content_hash
            if unchanged and not stale:
                report.unchanged += 1
            else:
                todo.append(article)
                if previous is None:
                    report.added += 1
                    report.added_ids.append(article.id)
                else:
                    report.updated += 1
        gone = [i for i in delete if i in stored]
        # Recorded before anything changes: a run killed from here on leaves these articles'
        # words to the next sync, which writes them again (a write is idempotent).
        self.articles.mark_lexical_pending(collection, [a.id for a in todo] + gone)
        # The same for the vectors of recorded articles this sync replaces: a run killed
        # between a batch's delete and its record leaves them to `restore_pending_vectors`.
        # (Not when every vector is stale: a run killed then finds the old identity and
        # redoes everything anyway.)
        if not stale:
            self.articles.mark_vectors_pending(collection, [a.id for a in todo if a.id in stored])
        report.chunks += self._embed_and_store(collection, todo, progress)
        # Only now: a run killed before this point finds the old identity and redoes it all.
        self.state.set_identity(collection, identity)
        if gone:
            self.catalog_and_store_delete(collection, gone)
            report.deleted += len(gone)
        self.catch_up_lexical(collection, progress)
        self.catch_up_stories(collection)
        self.state.touch_last_sync()
        progress(Stage.DONE, 1, 1)
        logger.info("sync into %s: %s", collection, report.summary())
        return report

    def restore_pending_vectors(self, collection: str, progress: Progress) -> None:
        """The vectors of articles an earlier sync was replacing when it stopped, embedded
        again from the version the catalog holds (their store rows may be gone, or half of the
        new version's): the store and the catalog agree before this sync compares anything."""
        pending = self.articles.vectors_pending(collection)
        if not pending:
            return
        logger.info("%d articles' vectors left half-replaced: restoring them", len(pending))
        self.store.delete_articles(collection, pending)
        self.embed_stored(collection, pending, self.embedder, progress)
        self.articles.clear_vectors_pending(collection, pending)

    def delete(self, collection: str, article_ids: Sequence[str]) -> None:
        """Remove these articles' vectors, rows and words."""
        self.articles.mark_lexical_pending(collection, article_ids)
        self.catalog_and_store_delete(collection, article_ids)
        self.catch_up_lexical(collection, lambda stage, done, total: None)

    def catalog_and_store_delete(self, collection: str, article_ids: Sequence[str]) -> None:
        self.store.delete_articles(collection, list(article_ids))
        # Stories first: a run killed before the catalog forgets leaves an article without
        # its story, which the next catch-up groups again.
        self.stories.remove(collection, article_ids)
        self.articles.forget(collection, article_ids)

    def catch_up_stories(self, collection: str) -> int:
        """Group the articles of the collection that no story holds yet (an index an older
        newsbot wrote, a sync killed between the catalog and the stories, passages copied by
        a full re-index), and forget those the catalog no longer has; every article again when
        they were grouped another way (another threshold). Cheap when nothing is missing: two
        counts. The number of articles grouped."""
        identity = self.stories.config.identity()
        recorded = self.state.story_grouping(collection)
        if recorded not in (None, identity):
            logger.info("stories of %s were grouped another way: grouping again", collection)
            self.stories.drop(collection)
            self.state.set_story_grouping(collection, None)
            recorded = None
        if recorded == identity and self.stories.in_step(collection):
            return 0
        held = set(self.articles.in_collection(collection))
        grouped = self.stories.grouped(collection)
        self.stories.remove(collection, sorted(grouped - held))
        missing = sorted(held - grouped)
        if missing:
            logger.info("grouping %d articles of %s into stories", len(missing), collection)
        for start in range(0, len(missing), STORED_BATCH_ARTICLES):
            self.stories.add(
                collection,
                self._story_texts(collection, missing[start : start + STORED_BATCH_ARTICLES]),
            )
        self.state.set_story_grouping(collection, identity)
        return len(missing)

    def copy_stories(self, source: str, target: str) -> None:
        """The stories of `source` for `target`, which holds the same articles."""
        self.stories.copy(source, target)
        self.state.set_story_grouping(target, self.state.story_grouping(source))

    def _story_texts(self, collection: str, article_ids: Sequence[str]) -> list[StoryText]:
        """What grouping reads of stored articles: their whole text, or for those recorded
        before whole texts were kept, their passages joined."""
        whole, legacy = self.articles.whole(collection, article_ids)
        texts = [StoryText.of(article) for article in whole]
        parts: dict[str, list[str]] = {}
        meta: dict[str, tuple[int, str]] = {}
        for row in self.passages.chunk_records(collection, legacy) if legacy else []:
            parts.setdefault(row.article_id, []).append(row.text)
            meta[row.article_id] = (row.published, row.source)
        texts += [
            StoryText(article_id, "\n".join(chunks), *meta[article_id])
            for article_id, chunks in parts.items()
        ]
        return texts

    def catch_up_lexical(self, collection: str, progress: Progress) -> None:
        """The words of the articles the catalog has marked as pending, written as the catalog
        has them now (an article gone from it loses its words); the whole collection's, streamed
        from the catalog, when it has no words yet (new, or indexed by an older newsbot)."""
        if not self.lexical.exists(collection):
            self.rebuild_lexical(collection, progress)
            return
        pending = self.articles.lexical_pending(collection)
        if not pending:
            return
        progress(Stage.LEXICAL, 0, 1)
        self.lexical.write(collection, pending, self.passages.lexical_rows(collection, pending))
        self.articles.clear_lexical_pending(collection, pending)
        progress(Stage.LEXICAL, 1, 1)

    def rebuild_lexical(self, collection: str, progress: Progress) -> None:
        """Every word of the collection again, streamed from the catalog; the old words serve
        searches until the new ones are complete."""
        passages = self.articles.counts(collection).passages
        progress(Stage.LEXICAL, 0, passages)
        self.lexical.build(
            collection, self.passages.lexical_rows(collection), total=passages, progress=progress
        )
        self.articles.clear_lexical_pending(collection)
        progress(Stage.LEXICAL, passages, passages)

    def embed_stored(
        self, collection: str, article_ids: Sequence[str], embedder: Embedder, progress: Progress
    ) -> int:
        """Embed the catalog's passages of these articles (already recorded under `collection`)
        into the store, as they are: no source is read again. The number of passages."""
        ids = list(article_ids)
        progress(Stage.EMBEDDING, 0, len(ids))
        chunks = 0
        for start in range(0, len(ids), STORED_BATCH_ARTICLES):
            rows = self.passages.chunk_records(
                collection, ids[start : start + STORED_BATCH_ARTICLES]
            )
            vectors = embedder.embed_documents([r.embed_text for r in rows])
            self.store.upsert(
                collection,
                [r.chunk_id for r in rows],
                vectors,
                [r.text for r in rows],
                [r.metadata() for r in rows],
            )
            chunks += len(rows)
            progress(Stage.EMBEDDING, min(start + STORED_BATCH_ARTICLES, len(ids)), len(ids))
        return chunks

    def _embed_and_store(self, collection: str, todo: Sequence[Article], progress: Progress) -> int:
        total_articles = len(todo)
        done_chunks = 0
        progress(Stage.EMBEDDING, 0, total_articles)
        batch: list[tuple[Article, list[Chunk]]] = []
        batch_chunks = 0
        for position, article in enumerate(todo, start=1):
            chunks = chunk_article(article, self.embedder, self.chunking)
            batch.append((article, chunks))
            batch_chunks += len(chunks)
            if batch_chunks >= self.embed_batch or position == total_articles:
                self.write_batch(collection, batch)
                done_chunks += batch_chunks
                batch, batch_chunks = [], 0
                progress(Stage.EMBEDDING, position, total_articles)
        return done_chunks

    def write_batch(self, collection: str, batch: list[tuple[Article, list[Chunk]]]) -> None:
        chunks = [c for _, cs in batch for c in cs]
        vectors = self.embedder.embed_documents([c.embed_text for c in chunks])
        by_id = {a.id: a for a, _ in batch}
        # Old chunks first: a changed article may now have fewer chunks than before.
        self.store.delete_articles(collection, list(by_id))
        if chunks:
            self.store.upsert(
                collection,
                [c.id for c in chunks],
                vectors,
                [c.text for c in chunks],
                [_metadata(by_id[c.article_id], c) for c in chunks],
            )
        # Recorded only once the vectors are in: a run killed here re-does this batch.
        self.articles.record(collection, batch)
        self.stories.add(collection, [StoryText.of(article) for article, _ in batch])
        self.articles.clear_vectors_pending(collection, list(by_id))


def _metadata(article: Article, chunk: Chunk) -> dict[str, str | int]:
    return {
        "article_id": article.id,
        "chunk": chunk.number,
        "title": article.title,
        "source": article.source,
        "url": article.url,
        "published": date_to_int(article.published),
    }
