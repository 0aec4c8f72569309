"""Stories: wire copies and light rewrites of one report, grouped as they are indexed.

Each article gets two MinHash sketches (datasketch) of its word triples, one of its whole text
and one of its opening words. Two articles are copies of one story when both estimates of
their Jaccard similarity reach the threshold: the whole text alone joins long pages that share
a block of related links, the opening alone joins pages cut from one template (both seen on
RealTimeQA; BENCHMARKS.md, *Stories*). The opening's sketch is cut into LSH bands whose buckets
are kept in SQLite beside the article, so adding an article looks up only its own buckets. A
story is a connected group of copies, named by its earliest article (undated ones last, then
by id), so the same articles make the same stories in whatever order they come.

Only the writers (under the index's job lock) change these tables; readers look stories up.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from retrieval.core.azerbaijani import lower as azerbaijani_lower
from retrieval.core.records import Article

logger = logging.getLogger(__name__)

# Appended to the catalog's migrations (retrieval/index/catalog/db.py, step 7); never edited: a
# later change is a step of its own. Sketches are NULL for an article too short to tell a copy
# from a coincidence (it is a story of its own).
MIGRATION = [
    "CREATE TABLE IF NOT EXISTS story_members (collection TEXT NOT NULL,"
    " article_id TEXT NOT NULL, story TEXT NOT NULL, published INTEGER NOT NULL,"
    " source TEXT NOT NULL, text_sketch BLOB, lede_sketch BLOB,"
    " PRIMARY KEY (collection, article_id)) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS story_members_by_story ON story_members (collection, story)",
    "CREATE TABLE IF NOT EXISTS story_buckets (collection TEXT NOT NULL, band INTEGER NOT NULL,"
    " bucket INTEGER NOT NULL, article_id TEXT NOT NULL,"
    " PRIMARY KEY (collection, band, bucket, article_id)) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS story_buckets_by_article ON story_buckets (collection, article_id)",
]

WORD = re.compile(r"\w+")
BYTE_ORDER = "<"  # sketches stored little-endian, whatever the machine
UNDATED = 99_999_999  # sorts an undated article after every dated one


@dataclass(frozen=True)
class StoryConfig:
    """How copies are told apart. Changing any of it regroups every story (see `identity`)."""

    threshold: float = 0.5
    num_perm: int = 128
    shingle_words: int = 3
    lede_words: int = 300
    # Fewer words than this: a story of its own (two short notes share triples by chance).
    min_words: int = 20

    def identity(self) -> str:
        return (
            f"minhash-{self.num_perm}|{self.shingle_words}w|lede {self.lede_words}"
            f"|{self.threshold:g}|min {self.min_words}"
        )


@dataclass(frozen=True)
class StoryText:
    """What grouping reads of an article."""

    article_id: str
    text: str
    published: int  # YYYYMMDD, 0 when undated
    source: str
    language: str = "en"

    @classmethod
    def of(cls, article: Article) -> StoryText:
        published = article.published
        day = published.year * 10000 + published.month * 100 + published.day if published else 0
        return cls(article.id, article.text, day, article.source, article.language)


class Database(Protocol):
    """The catalog's database: one short-lived connection a call, committed on success."""

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...


@dataclass(frozen=True)
class Sketch:
    text: bytes
    lede: bytes
    buckets: tuple[tuple[int, int], ...]  # (band, bucket)


class _Member(NamedTuple):
    """An article of a story, as grouping it again reads it."""

    published: int  # YYYYMMDD, 0 undated
    sketches: tuple[bytes, bytes]  # text and opening (only an article with them has buckets)


class Sketcher:
    """MinHash sketches and LSH buckets of texts (datasketch, loaded on first use: it imports
    scipy, which `newsbot --help` should not wait for)."""

    def __init__(self, config: StoryConfig) -> None:
        self.config = config
        from datasketch import LeanMinHash, MinHash, MinHashLSH

        self._lean, self._minhash = LeanMinHash, MinHash
        self._permutations = MinHash(num_perm=config.num_perm).permutations
        # A missed copy costs more than a pair checked in vain: weigh false negatives more.
        bands = MinHashLSH(threshold=config.threshold, num_perm=config.num_perm, weights=(0.2, 0.8))
        self.bands: list[tuple[int, int]] = list(bands.hashranges)

    def sketch(self, text: str, language: str) -> Sketch | None:
        words = WORD.findall(azerbaijani_lower(text) if language == "az" else text.lower())
        if len(words) < self.config.min_words:
            return None
        n = self.config.shingle_words
        shingles = [" ".join(words[i : i + n]).encode("utf-8") for i in range(len(words) - n + 1)]
        lede = shingles[: max(1, self.config.lede_words - n + 1)]
        whole, opening = self._signature(shingles), self._signature(lede)
        values = opening.hashvalues.astype(BYTE_ORDER + "u4")
        buckets = tuple(
            (band, _bucket(values[start:end].tobytes()))
            for band, (start, end) in enumerate(self.bands)
        )
        return Sketch(self._bytes(whole), self._bytes(opening), buckets)

    def similarity(self, a: tuple[bytes, bytes], b: tuple[bytes, bytes]) -> float:
        """The lower of the two estimates (whole text, opening)."""
        load = self._lean.deserialize
        return min(
            load(a[0], BYTE_ORDER).jaccard(load(b[0], BYTE_ORDER)),
            load(a[1], BYTE_ORDER).jaccard(load(b[1], BYTE_ORDER)),
        )

    def _signature(self, shingles: Sequence[bytes]) -> Any:
        signature = self._minhash(
            num_perm=self.config.num_perm, permutations=self._permutations, scheme="affine32"
        )
        signature.update_batch(set(shingles))
        return signature

    def _bytes(self, signature: Any) -> bytes:
        lean = self._lean(signature)
        buffer = bytearray(lean.bytesize(BYTE_ORDER))
        lean.serialize(buffer, BYTE_ORDER)
        return bytes(buffer)


def _bucket(band: bytes) -> int:
    """A band's values as one signed 64-bit integer (SQLite's INTEGER)."""
    digest = hashlib.blake2b(band, digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def _order(published: int, article_id: str) -> tuple[int, str]:
    return (published or UNDATED, article_id)


class StoryIndex:
    """The stories of each collection, kept in the catalog's database."""

    def __init__(self, database: Database, config: StoryConfig | None = None) -> None:
        self.database = database
        self.config = config or StoryConfig()
        self._sketcher: Sketcher | None = None
        self._loading = threading.Lock()

    @property
    def sketcher(self) -> Sketcher:
        with self._loading:
            if self._sketcher is None:
                self._sketcher = Sketcher(self.config)
            return self._sketcher

    # -- writing (the index's writers, under its job lock) ----------------------------------
    def add(self, collection: str, texts: Iterable[StoryText]) -> None:
        """Group these articles with the copies the collection holds (an article already
        grouped is taken out of its story first: its text may have changed)."""
        items = list(texts)
        if not items:
            return
        sketches = [self.sketcher.sketch(item.text, item.language) for item in items]
        with self.database.transaction() as db:
            self._remove(db, collection, [item.article_id for item in items])
            for item, sketch in zip(items, sketches, strict=True):
                self._add(db, collection, item, sketch)

    def remove(self, collection: str, article_ids: Iterable[str]) -> None:
        """Take these articles out; what is left of each of their stories is grouped again
        (a story whose first article goes keeps its other copies together, under another
        name; one held together only by the article that goes falls apart)."""
        ids = list(article_ids)
        if ids:
            with self.database.transaction() as db:
                self._remove(db, collection, ids)

    def drop(self, collection: str) -> None:
        with self.database.transaction() as db:
            db.execute("DELETE FROM story_members WHERE collection = ?", (collection,))
            db.execute("DELETE FROM story_buckets WHERE collection = ?", (collection,))

    def copy(self, source: str, target: str) -> None:
        """Every story of `source` recorded again under `target` (a re-embedding: the same
        articles, other vectors)."""
        with self.database.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO story_members SELECT ?, article_id, story, published,"
                " source, text_sketch, lede_sketch FROM story_members WHERE collection = ?",
                (target, source),
            )
            db.execute(
                "INSERT OR REPLACE INTO story_buckets SELECT ?, band, bucket, article_id"
                " FROM story_buckets WHERE collection = ?",
                (target, source),
            )

    # -- reading ----------------------------------------------------------------------------
    def grouped(self, collection: str) -> set[str]:
        """The ids of the articles grouped so far."""
        with self.database.transaction() as db:
            return {
                row[0]
                for row in db.execute(
                    "SELECT article_id FROM story_members WHERE collection = ?", (collection,)
                )
            }

    def in_step(self, collection: str) -> bool:
        """Whether as many articles are grouped as the catalog holds (two counts, both read
        from an index: cheap enough for every feed poll)."""
        with self.database.transaction() as db:
            articles, grouped = db.execute(
                "SELECT (SELECT COUNT(*) FROM articles WHERE collection = ?),"
                " (SELECT COUNT(*) FROM story_members WHERE collection = ?)",
                (collection, collection),
            ).fetchone()
        return bool(articles == grouped)

    def counts(self, collection: str) -> tuple[int, int]:
        """(articles grouped, stories they make)."""
        with self.database.transaction() as db:
            members, stories = db.execute(
                "SELECT COUNT(*), COUNT(DISTINCT story) FROM story_members WHERE collection = ?",
                (collection,),
            ).fetchone()
        return int(members), int(stories)

    def sizes(self, collection: str) -> list[int]:
        """How many articles each story holds."""
        with self.database.transaction() as db:
            return [
                int(row[0])
                for row in db.execute(
                    "SELECT COUNT(*) FROM story_members WHERE collection = ? GROUP BY story",
                    (collection,),
                )
            ]

    def stories_of(self, collection: str, article_ids: Iterable[str]) -> dict[str, str]:
        """Each article's story (an article not grouped yet is missing: its own story)."""
        found: dict[str, str] = {}
        with self.database.transaction() as db:
            for part in _parts(sorted(set(article_ids))):
                found.update(
                    db.execute(
                        "SELECT article_id, story FROM story_members WHERE collection = ?"
                        f" AND article_id IN ({','.join('?' * len(part))})",
                        (collection, *part),
                    ).fetchall()
                )
        return found

    def other_outlets(
        self, collection: str, shown: Mapping[str, str]
    ) -> dict[str, tuple[str, ...]]:
        """For each story (story id -> the article shown of it), the outlets of its other
        copies, earliest first, once each, without the shown article's own outlet."""
        rows: list[tuple[str, str, str]] = []
        with self.database.transaction() as db:
            for part in _parts(sorted(shown)):
                rows += db.execute(
                    "SELECT story, article_id, source FROM story_members WHERE collection = ?"
                    f" AND story IN ({','.join('?' * len(part))})"
                    " ORDER BY CASE published WHEN 0 THEN 1 ELSE 0 END, published, article_id",
                    (collection, *part),
                ).fetchall()
        own = {story: source for story, article, source in rows if shown.get(story) == article}
        outlets: dict[str, list[str]] = {}
        for story, article, source in rows:
            names = outlets.setdefault(story, [])
            if article != shown[story] and source and source not in (own.get(story), *names):
                names.append(source)
        return {story: tuple(names) for story, names in outlets.items() if names}

    # -- inside one transaction -------------------------------------------------------------
    def _add(
        self, db: sqlite3.Connection, collection: str, item: StoryText, sketch: Sketch | None
    ) -> None:
        db.execute(
            "INSERT INTO story_members VALUES (?,?,?,?,?,?,?)",
            (
                collection,
                item.article_id,
                item.article_id,
                item.published,
                item.source,
                sketch.text if sketch else None,
                sketch.lede if sketch else None,
            ),
        )
        if sketch is None:
            return
        mates: set[str] = set()
        for band, bucket in sketch.buckets:
            mates.update(
                row[0]
                for row in db.execute(
                    "SELECT article_id FROM story_buckets WHERE collection = ? AND band = ?"
                    " AND bucket = ?",
                    (collection, band, bucket),
                )
            )
        db.executemany(
            "INSERT OR IGNORE INTO story_buckets VALUES (?,?,?,?)",
            [(collection, band, bucket, item.article_id) for band, bucket in sketch.buckets],
        )
        mine = (sketch.text, sketch.lede)
        joined = {item.article_id}
        for _, story, text, lede in self._members(db, collection, sorted(mates)):
            # Mates come from buckets: only an article with sketches has any.
            if text is None or lede is None:
                continue
            if self.sketcher.similarity(mine, (text, lede)) >= self.config.threshold:
                joined.add(story)
        if len(joined) > 1:
            self._merge(db, collection, joined)

    def _merge(self, db: sqlite3.Connection, collection: str, stories: set[str]) -> None:
        """These stories are one now, named by their earliest article."""
        marks = ",".join("?" * len(stories))
        first = db.execute(
            "SELECT article_id FROM story_members WHERE collection = ?"
            f" AND story IN ({marks}) ORDER BY CASE published WHEN 0 THEN 1 ELSE 0 END,"
            " published, article_id LIMIT 1",
            (collection, *stories),
        ).fetchone()[0]
        db.execute(
            f"UPDATE story_members SET story = ? WHERE collection = ? AND story IN ({marks})",
            (first, collection, *stories),
        )

    def _remove(self, db: sqlite3.Connection, collection: str, ids: Sequence[str]) -> None:
        affected: set[str] = set()
        for part in _parts(list(ids)):
            marks = ",".join("?" * len(part))
            affected.update(
                row[0]
                for row in db.execute(
                    "SELECT story FROM story_members WHERE collection = ?"
                    f" AND article_id IN ({marks})",
                    (collection, *part),
                )
            )
            for table in ("story_members", "story_buckets"):
                db.execute(
                    f"DELETE FROM {table} WHERE collection = ? AND article_id IN ({marks})",
                    (collection, *part),
                )
        for story in sorted(affected):
            self._regroup(db, collection, story)

    def _regroup(self, db: sqlite3.Connection, collection: str, story: str) -> None:
        """Group the articles left of a story again, among themselves: the copies that share
        a bucket and pass the threshold, joined however far the chain reaches."""
        members = {
            article_id: _Member(published, (text, lede))
            for article_id, published, text, lede in db.execute(
                "SELECT article_id, published, text_sketch, lede_sketch FROM story_members"
                " WHERE collection = ? AND story = ?",
                (collection, story),
            )
        }
        if not members:
            return
        root = {article_id: article_id for article_id in members}

        def find(article_id: str) -> str:
            while root[article_id] != article_id:
                root[article_id] = root[root[article_id]]
                article_id = root[article_id]
            return article_id

        by_bucket: dict[tuple[int, int], list[str]] = {}
        for part in _parts(sorted(members)):
            for band, bucket, article_id in db.execute(
                "SELECT band, bucket, article_id FROM story_buckets WHERE collection = ?"
                f" AND article_id IN ({','.join('?' * len(part))})",
                (collection, *part),
            ):
                by_bucket.setdefault((band, bucket), []).append(article_id)
        checked: set[tuple[str, str]] = set()
        for mates in by_bucket.values():
            for i, a in enumerate(mates):
                for b in mates[i + 1 :]:
                    pair = (min(a, b), max(a, b))
                    if pair in checked or find(a) == find(b):
                        continue
                    checked.add(pair)
                    similar = self.sketcher.similarity(members[a].sketches, members[b].sketches)
                    if similar >= self.config.threshold:
                        root[find(a)] = find(b)
        groups: dict[str, list[str]] = {}
        for article_id in members:
            groups.setdefault(find(article_id), []).append(article_id)
        for group in groups.values():
            first = min(group, key=lambda a: _order(members[a].published, a))
            for part in _parts(group):
                db.execute(
                    "UPDATE story_members SET story = ? WHERE collection = ?"
                    f" AND article_id IN ({','.join('?' * len(part))})",
                    (first, collection, *part),
                )

    def _members(
        self, db: sqlite3.Connection, collection: str, article_ids: Sequence[str]
    ) -> Iterator[tuple[str, str, bytes | None, bytes | None]]:
        for part in _parts(article_ids):
            yield from db.execute(
                "SELECT article_id, story, text_sketch, lede_sketch FROM story_members"
                f" WHERE collection = ? AND article_id IN ({','.join('?' * len(part))})",
                (collection, *part),
            ).fetchall()


def _parts(items: Sequence[str], size: int = 500) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
