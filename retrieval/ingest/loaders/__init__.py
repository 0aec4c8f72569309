"""Articles from files, directories, feeds and pages. Bad input is skipped with a reason."""

from __future__ import annotations

import gzip
import logging
from collections.abc import Iterable, Iterator
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


def load_file(path: Path, *, fetcher: HttpFetcher | None = None) -> Iterator[Article | Skipped]:
    """The articles of one file (and skips), each without its boilerplate."""
    return _without_boilerplate(_read_file(path, fetcher))


def _without_boilerplate(items: Iterator[Article | Skipped]) -> Iterator[Article | Skipped]:
    """Every loader's articles pass here (files, pages, feeds, records), so boilerplate is
    recognised on the raw lines of each, before chunking joins them."""
    for item in items:
        if isinstance(item, Skipped):
            yield item
            continue
        try:
            yield without_boilerplate(item)
        except LoadError as exc:
            yield Skipped(item.origin, str(exc))


def _read_file(path: Path, fetcher: HttpFetcher | None) -> Iterator[Article | Skipped]:
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
            yield from _stream_jsonl(path, suffix, origin)
            return
        raw = path.read_bytes()
    except OSError as exc:
        yield Skipped(origin, f"cannot be read ({exc.strerror or exc})")
        return
    try:
        yield from _parse(raw, suffix, origin, fetcher)
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


def _stream_jsonl(path: Path, suffix: str, origin: str) -> Iterator[Article | Skipped]:
    """A JSONL file (gzipped or not) a line at a time: a million-article export is never
    held in memory whole (a 200,000-article one is 1.9 GB of text)."""
    try:
        with _open(path, suffix) as handle:
            for number, raw in enumerate(handle, start=1):
                if number == 1:
                    raw = raw.removeprefix(b"\xef\xbb\xbf")
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError:
                    try:
                        line = decode_text(raw)
                    except LoadError as exc:
                        yield Skipped(f"{origin}:{number}", str(exc))
                        continue
                yield from parse_jsonl_line(line, f"{origin}:{number}")
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
    sources: Iterable[str | Path], *, fetcher: HttpFetcher | None = None
) -> Iterator[Article | Skipped]:
    """Articles (and skips) from files, directories (recursively) and http(s) URLs."""
    for source in sources:
        text = str(source)
        if text.startswith(("http://", "https://")):
            yield from _without_boilerplate(_load_url(text, fetcher or HttpFetcher()))
            continue
        path = Path(text).expanduser()
        if path.is_dir():
            for file in iter_files(path):
                yield from load_file(file.resolve(), fetcher=fetcher)
        elif path.is_file():
            yield from load_file(path.resolve(), fetcher=fetcher)
        else:
            raise SourceError(f"{text}: no such file, directory or URL")
