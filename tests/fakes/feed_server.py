"""A loopback HTTP server for feeds and article pages whose content tests change between polls.

It honours conditional GETs (ETag / If-None-Match and Last-Modified / If-Modified-Since, 304),
counts requests per path, and can answer 500, stall until released (a slow feed), send a huge
body or malformed XML. It runs in a thread, so the synchronous feed poller and the bot's event
loop can both reach it.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import quoteattr


@dataclass
class FeedItem:
    link: str
    title: str
    summary: str
    published: str = "Mon, 06 Mar 2023 09:00:00 GMT"


@dataclass
class Route:
    body: bytes = b""
    content_type: str = "application/rss+xml"
    status: int = 200
    validators: bool = True  # send ETag and Last-Modified, honour conditional requests
    stall: threading.Event | None = None  # wait for this before answering


def rss(title: str, items: list[FeedItem]) -> bytes:
    entries = "".join(
        f"<item><title>{escape(i.title)}</title><link>{escape(i.link)}</link>"
        f"<guid>{escape(i.link)}</guid><pubDate>{i.published}</pubDate>"
        f"<description>{escape(i.summary)}</description></item>"
        for i in items
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{escape(title)}</title>'
        f"<link>http://example.org/</link><description>news</description>{entries}"
        "</channel></rss>"
    ).encode()


def atom(title: str, items: list[FeedItem]) -> bytes:
    """The same feed as Atom: each entry dated by <updated> only, its text as HTML content."""
    entries = "".join(
        f"<entry><title>{escape(i.title)}</title><link href={quoteattr(i.link)}/>"
        f"<id>{escape(i.link)}</id><updated>{parsedate_to_datetime(i.published).isoformat()}"
        f'</updated><content type="html">{escape(f"<p>{escape(i.summary)}</p>")}</content>'
        "</entry>"
        for i in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{escape(title)}</title><id>urn:newsbot:test</id>"
        f"<updated>2023-03-06T09:00:00Z</updated>{entries}</feed>"
    ).encode()


def article_page(title: str, paragraphs: list[str]) -> bytes:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        f"<html><head><title>{escape(title)}</title></head><body><article>"
        f"<h1>{escape(title)}</h1>{body}</article></body></html>"
    ).encode()


@dataclass
class FeedServer:
    routes: dict[str, Route] = field(default_factory=dict)
    hits: Counter[str] = field(default_factory=Counter)
    not_modified: Counter[str] = field(default_factory=Counter)  # 304s sent, per path
    arrived: threading.Event = field(default_factory=threading.Event)  # a stalled request came
    _server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server._answer(self)

            def log_message(self, format: str, *args: object) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        for route in self.routes.values():
            if route.stall is not None:
                route.stall.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def url(self, path: str) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def feed(self, path: str, title: str, items: list[FeedItem], *, kind: str = "rss") -> str:
        body = atom(title, items) if kind == "atom" else rss(title, items)
        self.routes[path] = Route(body, f"application/{kind}+xml")
        return self.url(path)

    def page(self, path: str, title: str, paragraphs: list[str]) -> str:
        self.routes[path] = Route(article_page(title, paragraphs), "text/html")
        return self.url(path)

    def _answer(self, request: BaseHTTPRequestHandler) -> None:
        path = request.path
        self.hits[path] += 1
        route = self.routes.get(path)
        if route is None:
            request.send_error(404)
            return
        if route.stall is not None:
            self.arrived.set()
            route.stall.wait()
        if route.status != 200:
            request.send_error(route.status)
            return
        etag = '"' + hashlib.sha256(route.body).hexdigest()[:16] + '"'
        modified = formatdate(1_700_000_000 + len(route.body), usegmt=True)
        if route.validators and (
            request.headers.get("If-None-Match") == etag
            or (
                request.headers.get("If-Modified-Since") == modified
                and not request.headers.get("If-None-Match")
            )
        ):
            self.not_modified[path] += 1
            request.send_response(304)
            request.end_headers()
            return
        request.send_response(200)
        request.send_header("Content-Type", route.content_type)
        request.send_header("Content-Length", str(len(route.body)))
        if route.validators:
            request.send_header("ETag", etag)
            request.send_header("Last-Modified", modified)
        request.end_headers()
        request.wfile.write(route.body)
