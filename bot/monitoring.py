"""`/healthz` (liveness), `/readyz` (readiness) and `/metrics` over HTTP, beside the bot (long
polling or webhook alike), in a thread of their own: a stalled event loop does not stop the
health check from answering.

Orchestrators restart on liveness and route on readiness: `/healthz` is 200 while the process
serves, `/readyz` is 503 while the store does not answer or the index is not loaded."""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from retrieval.core.errors import NewsbotError
from retrieval.services import Services

logger = logging.getLogger(__name__)


class MonitoringServer:
    def __init__(self, services: Services, host: str, port: int) -> None:
        monitor = services.monitor

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                try:
                    if path in ("/healthz", "/readyz"):
                        health = monitor.health() if path == "/healthz" else monitor.ready()
                        body = json.dumps(health.to_dict()).encode()
                        self._send(200 if health.ok else 503, body, "application/json")
                    elif path == "/metrics":
                        self._send(200, *monitor.metrics())
                    else:
                        self._send(404, b"not found\n", "text/plain")
                except NewsbotError as exc:  # the catalog itself unreadable, say
                    body = json.dumps({"status": "failing", "reasons": [str(exc)]}).encode()
                    self._send(503, body, "application/json")

            def _send(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                return None  # scrapes every few seconds would drown the bot's log

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> MonitoringServer:
        self._thread.start()
        logger.info("health and metrics on port %d (/healthz, /readyz, /metrics)", self.port)
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
