"""A reverse proxy on loopback in front of a real `chroma run`.

With a header, it checks a token: what a secured Chroma deployment or Chroma Cloud asks of a
client (the OSS server of this chromadb has no auth of its own); requests without the expected
header get 401 and never reach the server. With `stalled` set, it is a server that accepts
every request and never answers, until the block ends: a hung Chroma behind a live socket."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.fakes.http import running, send_json


class AuthProxy:
    def __init__(self, upstream_port: int, header: str | None, value: str | None) -> None:
        self.seen: list[tuple[str, str, str | None]] = []  # (method, path, header value)
        self.headers: list[dict[str, str]] = []  # every request's headers, names lower-cased
        self.stalled = threading.Event()
        self.released = threading.Event()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                return

            def _forward(self) -> None:
                got = self.headers.get(header) if header else None
                proxy.seen.append((self.command, self.path, got))
                proxy.headers.append({k.lower(): v for k, v in self.headers.items()})
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                if proxy.stalled.is_set():
                    proxy.released.wait()  # accepted, read, never answered
                    return
                if got != value:
                    send_json(self, 401, {"error": "Unauthorized", "message": "wrong token"})
                    return
                upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=60)
                dropped = ("host", header.lower()) if header else ("host",)
                forwarded = {k: v for k, v in self.headers.items() if k.lower() not in dropped}
                upstream.request(self.command, self.path, body=body, headers=forwarded)
                response = upstream.getresponse()
                data = response.read()
                self.send_response(response.status)
                for key, val in response.getheaders():
                    if key.lower() not in ("transfer-encoding", "content-length", "connection"):
                        self.send_header(key, val)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                upstream.close()

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]


@contextmanager
def auth_proxy(
    upstream_port: int, header: str | None = None, value: str | None = None
) -> Iterator[AuthProxy]:
    proxy = AuthProxy(upstream_port, header, value)
    with running(proxy.server):
        try:
            yield proxy
        finally:
            proxy.released.set()  # the stalled requests end, so the server can shut down
