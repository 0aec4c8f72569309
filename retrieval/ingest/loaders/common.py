"""Helpers every loader shares: decoding, dates, ids, titles, field variants."""

from __future__ import annotations

import ast
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from email.utils import parsedate_to_datetime

from dateutil import parser as dateutil_parser

from retrieval.core.language import detect, normalise
from retrieval.core.records import Article
from retrieval.core.sentences import split_sentences
from retrieval.ingest.boilerplate import LANGUAGES, clean_article_text

MAX_TITLE_CHARS = 120


@dataclass(frozen=True)
class Skipped:
    """A source that produced no article, and why (one line, for the report)."""

    origin: str
    reason: str


# charset-normalizer's mess ratio above which a decoding is taken to be garbage, not text.
MAX_CHAOS = 0.2
COMMON = ("cp1251", "koi8_r", "cp1252", "latin_1", "iso8859_15", "cp1250", "cp1254", "iso8859_9")


class LoadError(ValueError):
    """Raised inside a loader; becomes a `Skipped` with this message."""


def decode_text(raw: bytes, declared: str = "") -> str:
    """Text in whatever encoding it came in: UTF-8 (BOM allowed) first, then the charset the
    server declared, then what charset-normalizer finds (cp1251, koi8-r, latin-1 …). Bytes no
    encoding reads as coherent text are reported, not garbled."""
    if not raw.strip():
        raise LoadError("empty file")
    if b"\x00" in raw[:8192]:
        raise LoadError("binary file, not text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        failure = exc
    if declared:
        try:
            return raw.decode(declared)
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong or unknown header: detect instead
    from charset_normalizer import from_bytes

    found = list(from_bytes(raw))
    if found and found[0].chaos < MAX_CHAOS:
        # Among readings as clean as the best, the encodings news files are really in win
        # (a short cp1251 text also reads as mac_cyrillic, one letter wrong).
        clean = [m for m in found if m.chaos <= found[0].chaos + 0.02]
        pick = next((m for name in COMMON for m in clean if m.encoding == name), found[0])
        return str(pick)
    raise LoadError(
        f"not text in any encoding found (byte 0x{raw[failure.start]:02x} at offset "
        f"{failure.start} is not UTF-8); re-save it as UTF-8"
    )


def declared_charset(content_type: str) -> str:
    """The charset of a Content-Type header ("text/html; charset=windows-1251"), or ""."""
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip('"').strip("'")
    return ""


def parse_date(value: object) -> date | None:
    """Dates as real exports write them: ISO, `YYYY/MM/DD`, RFC 822, `Nov. 22, 2019`, epochs."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if value > 1e11 else value
        try:
            return datetime.utcfromtimestamp(seconds).date()
        except (OverflowError, OSError, ValueError):
            return None
    text = str(value).strip()
    if not text:
        return None
    match = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ].*)?", text)
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return None
    try:
        return parsedate_to_datetime(text).date()
    except (TypeError, ValueError, IndexError):
        pass
    try:
        return dateutil_parser.parse(text, fuzzy=False).date()
    except (ValueError, OverflowError, TypeError):
        return None


def stable_id(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def article_id(explicit: str, url: str, origin: str) -> str:
    """An explicit id wins, then the URL, then where the article was read from."""
    if explicit:
        return re.sub(r"[^\w.:-]", "_", explicit)[:64]
    if url:
        return "u" + stable_id(url.strip())
    return "p" + stable_id(origin)


def derive_title(text: str) -> str:
    """A headline for an article that has none: its first sentence, cut at a word."""
    sentences = split_sentences(text)
    first = sentences[0].strip() if sentences else " ".join(text.split())
    if len(first) <= MAX_TITLE_CHARS:
        return first.rstrip(".")
    cut = first[:MAX_TITLE_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def clean_text(text: str) -> str:
    """Normalise line ends and blank runs; keep paragraphs."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    return "\n\n".join(p for p in paragraphs if p)


def without_boilerplate(article: Article) -> Article:
    """The article as it is indexed: its boilerplate lines (datelines, bylines, credits, links,
    promotions: `retrieval.ingest.boilerplate`) gone, and its authors taken from the byline when
    the source named none. Text in a language the patterns do not know is left alone."""
    if article.language not in LANGUAGES:  # loaders give it normalised ("en", not "en-US")
        return article
    cleaned = clean_article_text(article.text)
    authors = article.authors or cleaned.authors
    if cleaned.text == article.text and authors == article.authors:
        return article
    if not cleaned.text:
        raise LoadError("nothing but boilerplate (bylines, credits, links): no story text")
    return replace(article, text=cleaned.text, authors=authors)


def parse_authors(value: object) -> tuple[str, ...]:
    """A list, a string holding a list (`"['A', 'B']"`), or `A, B and C`."""
    if value is None:
        return ()
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                value = text.strip("[]")
        else:
            value = re.split(r",\s*|\s+and\s+", re.sub(r"^[Bb]y\s+", "", text))
    if isinstance(value, Mapping):
        value = [value.get("name", "")]
    if isinstance(value, list | tuple):
        names = []
        for item in value:
            name = item.get("name", "") if isinstance(item, Mapping) else str(item)
            if name.strip():
                names.append(name.strip())
        return tuple(names)
    return ()


def first_field(record: Mapping[str, object], names: tuple[str, ...]) -> object:
    for name in names:
        value = record.get(name)
        if value not in (None, "", [], {}):
            return value
    return None


TITLE_FIELDS = ("title", "headline", "name", "heading")
TEXT_FIELDS = ("text", "body", "content", "article", "maintext", "article_text", "full_text")
SUMMARY_FIELDS = ("description", "summary", "abstract", "lead")
URL_FIELDS = ("url", "link", "href", "canonical_url", "source_url")
DATE_FIELDS = (
    "published",
    "publish_date",
    "published_at",
    "publishedAt",
    "date",
    "pubDate",
    "datePublished",
    "date_publish",
    "pub_date",
    "created_at",
    "timestamp",
)
SOURCE_FIELDS = ("source", "outlet", "publisher", "site_name", "sitename", "source_name", "feed")
AUTHOR_FIELDS = ("authors", "author", "byline", "creator")
ID_FIELDS = ("id", "doc_id", "article_id", "guid", "uuid")


def article_from_record(record: Mapping[str, object], origin: str) -> Article:
    """Map one JSON/front-matter record, with the field names real exports use."""
    text_value = first_field(record, TEXT_FIELDS) or first_field(record, SUMMARY_FIELDS)
    if isinstance(text_value, list):
        text_value = "\n\n".join(str(p) for p in text_value)
    text = clean_text(str(text_value or ""))
    if not text:
        raise LoadError("no article text (looked for text, body, content, ...)")
    source_value = first_field(record, SOURCE_FIELDS)
    if isinstance(source_value, Mapping):
        source_value = source_value.get("name") or source_value.get("title") or ""
    url = str(first_field(record, URL_FIELDS) or "").strip()
    title = " ".join(str(first_field(record, TITLE_FIELDS) or "").split()) or derive_title(text)
    explicit_id = str(first_field(record, ID_FIELDS) or "").strip()
    declared = first_field(record, ("language", "lang", "inLanguage", "locale"))
    language = article_language(str(declared or ""), title, text)
    return Article(
        id=article_id(explicit_id, url, origin),
        title=title,
        text=text,
        published=parse_date(first_field(record, DATE_FIELDS)),
        source=str(source_value or "").strip() or _source_from_url(url),
        authors=parse_authors(first_field(record, AUTHOR_FIELDS)),
        url=url,
        language=language,
        origin=origin,
    )


def article_language(declared: str, title: str, text: str) -> str:
    """The source's own language field when it has one ("ru", "en-US"), else detected from
    the headline and the opening of the text."""
    return normalise(declared) or detect(f"{title}\n{text[:600]}")


def _source_from_url(url: str) -> str:
    match = re.match(r"https?://(?:www\.)?([^/:]+)", url)
    return match[1] if match else ""
