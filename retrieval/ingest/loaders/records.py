"""JSON and JSONL exports: one record an article, with the field names real exports use."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping

from retrieval.core.records import Article
from retrieval.ingest.loaders.common import LoadError, Skipped, article_from_record


def _records(value: object) -> list[object]:
    if isinstance(value, list):
        return value
    if isinstance(value, Mapping):
        for key in ("articles", "items", "data", "results", "docs", "records"):
            inner = value.get(key)
            if isinstance(inner, list):
                return inner
        return [value]
    raise LoadError("JSON is neither an object nor a list of objects")


def _one(record: object, origin: str) -> Article | Skipped:
    if not isinstance(record, Mapping):
        return Skipped(origin, "record is not a JSON object")
    try:
        return article_from_record(record, origin)
    except LoadError as exc:
        return Skipped(origin, str(exc))


def parse_json(content: str, origin: str) -> Iterator[Article | Skipped]:
    try:
        value = json.loads(content)
    except json.JSONDecodeError as exc:
        raise LoadError(f"malformed JSON (line {exc.lineno}: {exc.msg})") from None
    for number, record in enumerate(_records(value), start=1):
        yield _one(record, f"{origin}#{number}")


def parse_jsonl(content: str, origin: str) -> Iterator[Article | Skipped]:
    # Lines end at "\n" only, as when the file is streamed: a JSON string may hold U+2028,
    # which `str.splitlines` would take for a line end.
    for number, line in enumerate(content.split("\n"), start=1):
        yield from parse_jsonl_line(line, f"{origin}:{number}")


def parse_jsonl_line(line: str, where: str) -> Iterator[Article | Skipped]:
    """One line of a JSONL file: an article, a reason it is skipped, or nothing (blank)."""
    if not line.strip():
        return
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        yield Skipped(where, f"malformed JSON line ({exc.msg})")
        return
    yield _one(record, where)
