"""Feeds and article pages over HTTP, from a loopback server (the real fetcher, no mocks)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from retrieval.loaders import Skipped, load_sources
from retrieval.models import Article
from retrieval.services import Services

pytestmark = pytest.mark.unit

PAGE = """<html><head><title>Bridge opens</title>
<meta property="og:site_name" content="Valley Courier">
<meta property="article:published_time" content="2025-05-27"></head>
<body><nav>Home | Sport</nav><article><h1>Bridge opens</h1>
<p>A new 1.4-kilometre road bridge over the Aster River opened to traffic on Monday, cutting the
drive between Cedar Ridge and Harborview by about twenty minutes.</p>
<p>The bridge cost 190 million euros and took three years to build, officials said.</p>
</article><script>track()</script></body></html>"""


def feed(base: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Valley Courier</title><link>{base}</link>
<item><title>Bridge opens</title><link>{base}/bridge</link>
<pubDate>Tue, 27 May 2025 08:00:00 GMT</pubDate><description>A teaser.</description></item>
<item><title>Gone story</title><link>{base}/missing</link>
<pubDate>Wed, 28 May 2025 08:00:00 GMT</pubDate><description>Only this teaser survives, since
the page itself has gone.</description></item>
</channel></rss>"""


@pytest.fixture
def site() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            routes = {
                "/feed.xml": ("application/rss+xml", feed(base)),
                "/bridge": ("text/html; charset=utf-8", PAGE),
            }
            if self.path not in routes:
                self.send_response(404)
                self.end_headers()
                return
            kind, body = routes[self.path]
            data = body.encode()
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
    items = list(load_sources([f"{site}/feed.xml"]))
    articles = [i for i in items if isinstance(i, Article)]
    assert [a.title for a in articles] == ["Bridge opens", "Gone story"]
    bridge, gone = articles
    assert "190 million euros" in bridge.text and "Home" not in bridge.text
    assert bridge.url == f"{site}/bridge" and bridge.source == "Valley Courier"
    assert bridge.published == date(2025, 5, 27)
    assert gone.text.startswith("Only this teaser survives")  # the page 404'd: teaser kept


def test_page_url_and_missing_url(site: str) -> None:
    [article] = list(load_sources([f"{site}/bridge"]))
    assert isinstance(article, Article) and article.title == "Bridge opens"
    [skip] = list(load_sources([f"{site}/nothing-here"]))
    assert isinstance(skip, Skipped) and "HTTP 404" in skip.reason


def test_ingesting_a_feed_url_indexes_it(site: str, hash_services: Services) -> None:
    report = hash_services.index.sync([f"{site}/feed.xml"])
    assert report.added == 2
    answer = hash_services.qa.answer("How much did the bridge over the Aster River cost?")
    assert answer.citations[0].url == f"{site}/bridge"
    assert "190 million euros" in answer.passages[0].text
