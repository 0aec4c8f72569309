from __future__ import annotations

import gzip
import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from retrieval.core.errors import SourceError
from retrieval.core.records import Article
from retrieval.engine import Engine
from retrieval.ingest.loaders import Skipped, load_sources
from retrieval.ingest.loaders.common import parse_date
from retrieval.ingest.loaders.text import parse_text_article
from tests.conftest import SAMPLES

SEED = """ date 2019-11-25 By Trend

The holding of the next Russia-Azerbaijan Interregional Forum in Moscow is a landmark event, Galina Niyazova told Trend.

“Therefore, there is every reason to believe that the current forum will open up new prospects,” Niyazova noted.

The 10th Russia-Azerbaijan Interregional Forum was held Nov. 22-23 in Moscow.

---

Follow us on Twitter @AzerNewsAz"""


def articles(items: list[Article | Skipped]) -> list[Article]:
    return [i for i in items if isinstance(i, Article)]


def skips(items: list[Article | Skipped]) -> list[Skipped]:
    return [i for i in items if isinstance(i, Skipped)]


def test_seed_format_dateline_outlet_and_footer() -> None:
    article = parse_text_article(SEED, "seed.txt")
    assert article.published == date(2019, 11, 25)
    assert article.source == "Trend"
    assert "Follow us" not in article.text and "@AzerNewsAz" not in article.text
    assert article.text.startswith("The holding of the next")
    assert article.text.endswith("Nov. 22-23 in Moscow.")
    # No title line: a title is derived from the first sentence, short and whole-word.
    assert article.title.startswith("The holding of the next Russia-Azerbaijan")
    assert len(article.title) <= 121


def test_title_line_is_used_when_present() -> None:
    article = parse_text_article(
        "date 2025-01-02 By X\n\nBig headline here\n\nBody text. More.", "a"
    )
    assert article.title == "Big headline here"
    assert article.text == "Body text. More."


def test_sample_archive_loads_every_format_without_skips() -> None:
    items = list(load_sources([SAMPLES]))
    assert skips(items) == []
    loaded = articles(items)
    assert len(loaded) == 30
    suffixes = {Path(a.origin.split("#")[0].split(":")[0]).suffix for a in loaded}
    assert suffixes == {".txt", ".md", ".json", ".jsonl", ".html", ".xml"}
    for article in loaded:
        assert article.title and article.text and article.published and article.source
    assert len({a.id for a in loaded}) == 30


def test_markdown_front_matter_fields(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(
        "---\ntitle: T1\ndate: 2024-02-03\noutlet: Paper\nlink: https://e.org/x\n"
        "author: A. Writer\n---\n\nSome **bold** text with a [link](https://e.org).\n"
    )
    [article] = articles(list(load_sources([tmp_path])))
    assert (article.title, article.published, article.source, article.url) == (
        "T1",
        date(2024, 2, 3),
        "Paper",
        "https://e.org/x",
    )
    assert article.text == "Some bold text with a link."
    assert article.authors == ("A. Writer",)


def test_realtimeqa_style_jsonl_gz(tmp_path: Path) -> None:
    record = {
        "doc_id": "abc123",
        "url": "https://www.usatoday.com/x",
        "title": "T",
        "text": "Body of the story.",
        "authors": "['Ann', 'Bob']",
        "publish_date": "2023/01/05",
    }
    with gzip.open(tmp_path / "a.jsonl.gz", "wt") as handle:
        handle.write(json.dumps(record) + "\n")
    [article] = articles(list(load_sources([tmp_path / "a.jsonl.gz"])))
    assert article.id == "abc123"
    assert article.published == date(2023, 1, 5)
    assert article.authors == ("Ann", "Bob")
    assert article.source == "usatoday.com"


def test_jsonl_is_read_a_line_at_a_time_with_the_same_articles(tmp_path: Path) -> None:
    """A JSONL export is streamed (never held whole), and reads as it did whole: a BOM, CRLF,
    a blank line, a line separator inside a string, a broken line, a gzipped copy; a file in
    another encoding is still read whole, its encoding found."""
    from retrieval.ingest.loaders import _parse

    records = [
        {"doc_id": "a1", "title": "First", "text": "One line\u2028still the first story."},
        {"doc_id": "a2", "title": "Second", "text": "Second story, with “quotes”."},
    ]
    body = "\ufeff" + json.dumps(records[0], ensure_ascii=False) + "\r\n\n"
    body += "{broken\n" + json.dumps(records[1], ensure_ascii=False) + "\n"
    (tmp_path / "a.jsonl").write_bytes(body.encode("utf-8"))
    with gzip.open(tmp_path / "b.jsonl.gz", "wb") as handle:
        handle.write(body.encode("utf-8"))
    whole = list(_parse(body.encode("utf-8"), ".jsonl", str(tmp_path / "a.jsonl"), None))
    streamed = list(load_sources([tmp_path / "a.jsonl"]))
    # The separator is a space in the text, not the end of a line (as it was read whole).
    assert [a.text for a in articles(streamed)] == [
        "One line still the first story.",
        "Second story, with “quotes”.",
    ]
    # Read whole, the same articles, at the same line numbers.
    assert articles(streamed)[1].origin.endswith("a.jsonl:4")
    # Streamed lines also carry the key of their raw record (`Article.record_key`).
    assert all(a.record_key for a in articles(streamed))
    assert [replace(a, record_key="") for a in articles(streamed)] == articles(whole)
    assert [s.origin.rsplit(":", 1)[1] for s in skips(streamed)] == ["3"]
    gzipped = list(load_sources([tmp_path / "b.jsonl.gz"]))
    assert [a.content_hash for a in articles(gzipped)] == [
        a.content_hash for a in articles(streamed)
    ]
    cyrillic = {"title": "Новости", "text": "Городской совет утвердил бюджет, сообщил мэр."}
    (tmp_path / "c.jsonl").write_bytes(json.dumps(cyrillic, ensure_ascii=False).encode("cp1251"))
    [article] = articles(list(load_sources([tmp_path / "c.jsonl"])))
    assert article.text == cyrillic["text"]


def test_html_keeps_article_drops_navigation_and_scripts() -> None:
    [article] = articles(list(load_sources([SAMPLES / "html" / "central-bank-rate.html"])))
    assert article.title == "Central bank raises interest rate to 3.75 percent"
    assert article.source == "Metro Wire"
    assert article.published == date(2025, 3, 5)
    assert "3.75 percent" in article.text and "& services inflation" in article.text
    for junk in ("Home", "analytics", "Most read", "newsletter"):
        assert junk not in article.text


def test_bad_files_are_skipped_with_reasons_and_good_ones_kept(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("date 2024-01-01 By P\n\nA fine article. It has text.")
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02garbage")
    (tmp_path / "cyrillic.txt").write_bytes(
        "date 2024-01-02 By P\n\nНовости дня\n\nГородской совет утвердил бюджет, сообщил мэр.".encode(
            "cp1251"
        )
    )
    (tmp_path / "noise.txt").write_bytes(bytes(range(1, 256)) * 40)
    (tmp_path / "broken.json").write_text("{not json")
    (tmp_path / "lines.jsonl").write_text(
        '{"title": "x", "text": "ok text"}\nnot json\n{"title": "no text"}\n'
    )
    (tmp_path / "huge.txt").write_bytes(b"a" * 5_000_001)
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    items = list(load_sources([tmp_path]))
    good = articles(items)
    # Another encoding is decoded (charset-normalizer), not skipped or garbled.
    assert sorted(a.title for a in good) == ["A fine article", "x", "Новости дня"]
    assert any("Городской совет утвердил бюджет" in a.text for a in good)
    reasons = {Path(s.origin.split(":")[0]).name: s.reason for s in skips(items)}
    assert reasons["empty.txt"] == "empty file"
    assert "binary" in reasons["binary.txt"]
    assert "not text in any encoding" in reasons["noise.txt"]
    assert "malformed JSON" in reasons["broken.json"]
    assert "too large" in reasons["huge.txt"]
    assert "unsupported file type .png" in reasons["image.png"]
    assert sum("lines.jsonl" in s.origin for s in skips(items)) == 2
    assert all("\n" not in s.reason for s in skips(items))


def test_missing_source_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file"):
        list(load_sources([tmp_path / "nope"]))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2023/01/05", date(2023, 1, 5)),
        ("2024-02-03T10:00:00Z", date(2024, 2, 3)),
        ("Thu, 05 Jun 2025 08:00:00 GMT", date(2025, 6, 5)),
        ("Nov. 22, 2019", date(2019, 11, 22)),
        ("", None),
        ("not a date", None),
        (1700000000, date(2023, 11, 14)),
    ],
)
def test_parse_date_variants(value: object, expected: date | None) -> None:
    assert parse_date(value) == expected


WORDS = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFG0123456789éü.,;’", min_size=1, max_size=12
)
paragraph = st.lists(WORDS, min_size=1, max_size=40).map(" ".join)


@settings(max_examples=80)
@given(
    body=st.lists(paragraph, min_size=1, max_size=6),
    day=st.dates(date(1990, 1, 1), date(2030, 1, 1)),
)
@example(body=["tElEGrAm"], day=date(2000, 1, 1))  # found on a clean clone: a story word dropped
@example(body=["one", "subscribers"], day=date(2000, 1, 1))
def test_text_loader_keeps_every_body_word(body: list[str], day: date) -> None:
    content = f"date {day.isoformat()} By Outlet\n\n" + "\n\n".join(body)
    try:
        article = parse_text_article(content, "prop.txt")
    except ValueError:
        assert not any(ch.isalnum() for ch in "".join(body))  # only punctuation: a clean skip
        return
    assert article.published == day
    assert article.source == "Outlet"
    # Title (when taken from a first line) plus text hold the body word for word, in order.
    kept = (article.title + " " + article.text).split()
    words = " ".join(body).split()
    assert kept == words or article.text.split() == words


json_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=80)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=st.lists(st.fixed_dictionaries({"title": json_text, "text": json_text}), max_size=8))
def test_jsonl_loader_keeps_every_record_with_text(tmp_path_factory, records) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("jsonl")
    (folder / "a.jsonl").write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    items = list(load_sources([folder / "a.jsonl"]))
    if not records:
        assert [type(i) for i in items] == [Skipped]  # an empty file is one skip
        return
    assert len(items) == len(records)
    for record, item in zip(records, items, strict=True):
        if " ".join(record["text"].split()):
            assert isinstance(item, Article)
            assert " ".join(item.text.split()) == " ".join(record["text"].split())
        else:
            assert isinstance(item, Skipped)


STORY_ENDINGS = [
    "Telegram did not respond to a request for comment.",
    "The service now has 2 million subscribers.",
    "Readers can write to the editor at letters@example.org.",
    "She follows @nasa and the newsletter of the agency closely.",
    "Subscribe now, the ad said, and the newsletters will follow.",
    "Follow the money, said the prosecutor.",
]


@pytest.mark.parametrize("ending", STORY_ENDINGS)
@pytest.mark.parametrize("separator", ["", "\n---\n\n"])
def test_story_sentences_are_never_taken_for_a_footer(ending: str, separator: str) -> None:
    content = f"date 2024-01-02 By Outlet\n\nFirst paragraph of the story.\n\n{separator}{ending}"
    article = parse_text_article(content, "story.txt")
    assert article.text.endswith(ending)


@pytest.mark.parametrize(
    "footer",
    [
        "Follow us on Twitter @AzerNewsAz",
        "Follow us on Facebook\nSubscribe to our Telegram channel\n@Outlet https://t.me/outlet",
        "Share this article\nhttps://example.org/share  #news",
    ],
)
def test_call_to_action_footer_after_a_rule_is_dropped(footer: str) -> None:
    content = f"date 2024-01-02 By Outlet\n\nThe story. It ends here.\n\n---\n\n{footer}\n"
    assert parse_text_article(content, "a.txt").text == "The story. It ends here."


def test_derived_title_keeps_abbreviations() -> None:
    content = (
        "date 2024-01-02 By Outlet\n\nDr. Amal Yusuf met the U.S. envoy on Monday. Talks went on."
    )
    article = parse_text_article(content, "a.txt")
    assert article.title == "Dr. Amal Yusuf met the U.S. envoy on Monday"


ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Quill Valley Courier</title>
  <id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>
  <updated>2025-05-03T10:00:00Z</updated>
  <entry>
    <title>Ferry timetable &amp; fares change on Monday</title>
    <link href="https://courier.example/2025/05/ferry-timetable"/>
    <id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id>
    <updated>2025-05-02T08:30:00Z</updated>
    <content type="html">&lt;p&gt;The Quill Valley ferry will sail every forty minutes from
      Monday, the operator said, and a single fare rises to 3.20 euros.&lt;/p&gt;
      &lt;p&gt;Evening crossings end at 22:10 instead of 23:00.&lt;/p&gt;</content>
  </entry>
</feed>
"""


def test_atom_files_and_ndjson_files_are_ingested(hash_engine: Engine, tmp_path: Path) -> None:
    """docs/cli.md: `.atom` files (feedparser) and `.ndjson` (also `.ndjson.gz`) records, read
    by a real sync into the archive, with their dates, links, outlets and texts."""
    folder = tmp_path / "archive"
    folder.mkdir()
    (folder / "courier.atom").write_text(ATOM, encoding="utf-8")
    wire = [
        {
            "headline": "Harbour crane arrives by barge",
            "body": "The new harbour crane arrived by barge on Tuesday and will lift 60 tonnes.",
            "link": "https://wire.example/crane",
            "publishedAt": "2025-04-29T07:00:00Z",
            "outlet": {"name": "Wire Service"},
        },
        {
            "title": "Library opens on Sundays",
            "text": "The central library will open on Sundays from June, the council said.",
            "url": "https://wire.example/library",
            "date": "2025/04/30",
            "source": "Wire Service",
        },
    ]
    (folder / "wire.ndjson").write_text("\n".join(json.dumps(r) for r in wire), encoding="utf-8")
    with gzip.open(folder / "late.ndjson.gz", "wt", encoding="utf-8") as handle:
        handle.write(
            json.dumps(
                {
                    "title": "Night buses return",
                    "text": "Night buses return to the Quill Valley routes from 1 May.",
                    "url": "https://wire.example/night-buses",
                    "date": "2025-04-28",
                    "source": "Wire Service",
                }
            )
        )
    report = hash_engine.services.index.sync([folder])
    assert report.added == 4 and report.skipped == []
    stored = {a.url: a for a in hash_engine.services.index.latest(10)}
    assert {url: (a.title, a.source, a.published) for url, a in stored.items()} == {
        "https://courier.example/2025/05/ferry-timetable": (
            "Ferry timetable & fares change on Monday",
            "Quill Valley Courier",
            date(2025, 5, 2),  # Atom's <updated>: the entry has no <published>
        ),
        "https://wire.example/crane": ("Harbour crane arrives by barge", "Wire Service",
                                       date(2025, 4, 29)),
        "https://wire.example/library": ("Library opens on Sundays", "Wire Service",
                                         date(2025, 4, 30)),
        "https://wire.example/night-buses": ("Night buses return", "Wire Service",
                                             date(2025, 4, 28)),
    }  # fmt: skip
    answer = hash_engine.services.qa.answer(
        "How often will the Quill Valley ferry sail from Monday?"
    )
    assert "forty minutes" in answer.text and not answer.refused
