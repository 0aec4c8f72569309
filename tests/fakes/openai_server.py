"""A fake OpenAI-compatible chat endpoint on loopback, for the LLM answerer's tests."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.fakes.http import running, send_json


@dataclass
class Stream:
    """A streamed reply (for requests with "stream": true): `pieces` sent as server-sent
    events. After `hold_after` pieces the server sets `held` and waits for `release` (a test
    sees the draft on screen, then lets the model go on); after `break_after` pieces it drops
    the connection mid-answer."""

    pieces: list[str]
    hold_after: int | None = None
    break_after: int | None = None
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


Reply = Callable[[list[dict[str, Any]]], "str | int | Stream"]  # text, an HTTP status, a stream


class FakeOpenAI:
    def __init__(self, reply: Reply) -> None:
        self.reply = reply
        self.requests: list[dict[str, Any]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # chunked streams

            def log_message(self, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append(
                    {"path": self.path, "body": body, "auth": self.headers.get("Authorization")}
                )
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._send(404, {"error": {"message": "not found"}})
                    return
                result = fake.reply(body["messages"])
                if body.get("stream"):
                    if isinstance(result, str):
                        result = Stream([w + " " for w in result.split(" ")])
                    if isinstance(result, Stream):
                        self._stream(result, body.get("model", "fake"))
                        return
                if isinstance(result, Stream):
                    result = "".join(result.pieces)
                if isinstance(result, int):
                    self._send(result, {"error": {"message": "boom", "type": "server_error"}})
                    return
                self._send(
                    200,
                    {
                        "id": "chatcmpl-1",
                        "object": "chat.completion",
                        "created": int(time.time()),
                        "model": body.get("model", "fake"),
                        "choices": [
                            {
                                "index": 0,
                                "finish_reason": "stop",
                                "message": {"role": "assistant", "content": result},
                            }
                        ],
                        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                    },
                )

            def _stream(self, stream: Stream, model: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()

                def event(delta: dict[str, Any], finish: str | None = None) -> None:
                    payload = {
                        "id": "chatcmpl-1",
                        "object": "chat.completion.chunk",
                        "created": int(time.time()),
                        "model": model,
                        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                    }
                    self._chunk(f"data: {json.dumps(payload)}\n\n".encode())

                event({"role": "assistant", "content": ""})
                for number, piece in enumerate(stream.pieces, start=1):
                    event({"content": piece})
                    if number == stream.break_after:
                        self.wfile.flush()
                        self.connection.shutdown(socket.SHUT_RDWR)
                        self.close_connection = True
                        return
                    if number == stream.hold_after:
                        stream.held.set()
                        stream.release.wait(60)
                event({}, "stop")
                self._chunk(b"data: [DONE]\n\n")
                self._chunk(b"")
                self.close_connection = True

            def _chunk(self, data: bytes) -> None:
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                send_json(self, status, payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def prompts(self) -> list[str]:
        return [r["body"]["messages"][-1]["content"] for r in self.requests]


@contextmanager
def fake_openai(reply: Reply) -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI(reply)
    with running(fake.server):
        yield fake
