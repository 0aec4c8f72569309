"""Feeds and article pages over HTTP, from a loopback server (the real fetcher, no mocks)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from retrieval.core.errors import SourceError
from retrieval.core.records import Article
from retrieval.embed.hashing import HashEmbedder
from retrieval.engine import Engine, build_engine
from retrieval.ingest.loaders import HttpFetcher, Skipped, load_sources
from retrieval.ingest.loaders import fetch as fetch_module
from retrieval.ingest.loaders.common import declared_charset
from tests.conftest import SAMPLE_TODAY, make_settings

PAGE = """<html><head><title>Bridge opens</title>
<meta property="og:site_name" content="Valley Courier">
<meta property="article:published_time" content="2025-05-27"></head>
<body><nav>Home | Sport</nav><article><h1>Bridge opens</h1>
<p>A new 1.4-kilometre road bridge over the Aster River opened to traffic on Monday, cutting the
drive between Cedar Ridge and Harborview by about twenty minutes.</p>
<p>The bridge cost 190 million euros and took three years to build, officials said.</p>
</article><script>track()</script></body></html>"""


RU_PAGE = """<html><head><title>Мост открыт</title></head><body><article><h1>Мост открыт</h1>
<p>Новый автомобильный мост через реку открылся в понедельник. Он сократит дорогу между двумя
городами примерно на двадцать минут.</p><p>Мост обошёлся в 190 миллионов евро, сообщили
власти.</p></article></body></html>"""


def feed(base: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Valley Courier</title><link>{base}</link>
<item><title>Bridge opens</title><link>{base}/bridge</link>
<pubDate>Tue, 27 May 2025 08:00:00 GMT</pubDate><description>A teaser.</description></item>
<item><title>Gone story</title><link>{base}/missing</link>
<pubDate>Wed, 28 May 2025 08:00:00 GMT</pubDate><description>Only this teaser survives, since
the page itself has gone.</description></item>
</channel></rss>"""


REQUESTS: list[str] = []
LOOPBACK = HttpFetcher(allow_private=True)  # the test site is on loopback


@pytest.fixture
def site() -> Iterator[str]:
    REQUESTS.clear()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            REQUESTS.append(self.path)
            if self.path == "/redirect":
                self.send_response(302)
                self.send_header("Location", "http://10.0.0.1/internal")
                self.end_headers()
                return
            routes = {
                "/feed.xml": ("application/rss+xml", feed(base)),
                "/bridge": ("text/html; charset=utf-8", PAGE),
                "/ru": ("text/html; charset=windows-1251", RU_PAGE),
            }
            if self.path not in routes:
                self.send_response(404)
                self.end_headers()
                return
            kind, body = routes[self.path]
            data = body.encode(declared_charset(kind) or "utf-8")
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_feed_url_entries_are_completed_from_their_pages(site: str) -> None:
    items = list(load_sources([f"{site}/feed.xml"], fetcher=LOOPBACK))
    articles = [i for i in items if isinstance(i, Article)]
    assert [a.title for a in articles] == ["Bridge opens", "Gone story"]
    bridge, gone = articles
    assert "190 million euros" in bridge.text and "Home" not in bridge.text
    assert bridge.url == f"{site}/bridge" and bridge.source == "Valley Courier"
    assert bridge.published == date(2025, 5, 27)
    assert gone.text.startswith("Only this teaser survives")  # the page 404'd: teaser kept


def test_a_page_in_the_charset_its_server_declares(site: str) -> None:
    """A cp1251 page with `charset=windows-1251` in its Content-Type: decoded, not skipped."""
    items = list(load_sources([f"{site}/ru"], fetcher=LOOPBACK))
    (article,) = [i for i in items if isinstance(i, Article)]
    assert article.title == "Мост открыт" and "190 миллионов евро" in article.text


def test_page_url_and_missing_url(site: str) -> None:
    [article] = list(load_sources([f"{site}/bridge"], fetcher=LOOPBACK))
    assert isinstance(article, Article) and article.title == "Bridge opens"
    [skip] = list(load_sources([f"{site}/nothing-here"], fetcher=LOOPBACK))
    assert isinstance(skip, Skipped) and "HTTP 404" in skip.reason


def test_ingesting_a_feed_url_indexes_it(site: str, tmp_path: Path) -> None:
    hash_engine = build_engine(
        make_settings(tmp_path / "data", fetch_allow_private=True),
        embedder=HashEmbedder(),
        today=lambda: SAMPLE_TODAY,
    )
    report = hash_engine.services.index.sync([f"{site}/feed.xml"])
    assert report.added == 2
    answer = hash_engine.services.qa.answer("How much did the bridge over the Aster River cost?")
    assert answer.citations[0].url == f"{site}/bridge"
    assert "190 million euros" in answer.passages[0].text


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/admin",
        "http://192.168.1.1/",
        "http://172.16.5.4:8080/x",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[::ffff:10.0.0.1]/",
        "http://localhost/",
        "http://0.0.0.0/",
        "file:///etc/passwd",
        "ftp://example.org/x",
    ],
)
def test_private_and_non_http_urls_are_refused_before_any_connection(url: str) -> None:
    # The network guard fails the test if anything connects beyond loopback; nothing may
    # connect at all here.
    with pytest.raises(SourceError, match=r"not public|only http"):
        HttpFetcher().fetch(url)


def test_the_loopback_site_itself_is_refused_by_default(site: str) -> None:
    with pytest.raises(SourceError, match="not public"):
        HttpFetcher().fetch(f"{site}/bridge")
    assert REQUESTS == []
    [skip] = list(load_sources([f"{site}/bridge"], fetcher=HttpFetcher()))
    assert isinstance(skip, Skipped) and "NEWSBOT_FETCH_ALLOW_PRIVATE" in skip.reason


def test_a_redirect_to_a_private_address_is_refused(
    site: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pretend the test site is public: its redirect to 10.0.0.1 must still be refused.
    monkeypatch.setattr(fetch_module, "is_public_address", lambda address: address == "127.0.0.1")
    with pytest.raises(SourceError, match="not public"):
        HttpFetcher().fetch(f"{site}/redirect")
    assert REQUESTS == ["/redirect"]


def test_ingest_refuses_private_urls_unless_allowed(hash_engine: Engine) -> None:
    report = hash_engine.services.index.sync(["http://10.0.0.1/feed.xml"])
    assert report.added == 0 and "not public" in report.skipped[0][1]
