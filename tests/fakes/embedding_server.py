"""An OpenAI-compatible `/v1/embeddings` service on loopback that serves the bundled model from
a process of its own, as TEI, Infinity, Ollama or vLLM would. For the remote backend's tests and
its backfill benchmark.

    python -m tests.fakes.embedding_server [--port 0] [--threads N]

Prints `listening on PORT` once the model is loaded. `POST /control` with JSON
`{"fail_next": n, "status": 503, "dimensions": k}` makes the next n requests fail with that
status, and answers cut to k dimensions (0: the model's), for the failure tests.
"""

from __future__ import annotations

import argparse
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.fakes.http import send_json


def serve(port: int, threads: int) -> None:
    import torch

    from retrieval.embed.protocol import bundled_model_path

    if threads:
        torch.set_num_threads(threads)
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(bundled_model_path(), device="cpu")
    lock = threading.Lock()  # one encode at a time: the model is shared by the handler threads
    control: dict[str, int] = {"fail_next": 0, "status": 503, "dimensions": 0}
    served = {"requests": 0, "texts": 0}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
            if self.path == "/control":
                control.update({k: int(v) for k, v in body.items()})
                self._send(200, {"ok": True, **served})
                return
            if self.path.rstrip("/") != "/v1/embeddings":
                self._send(404, {"error": {"message": "not found"}})
                return
            served["requests"] += 1
            if control["fail_next"] > 0:
                control["fail_next"] -= 1
                self._send(control["status"], {"error": {"message": "busy"}})
                return
            texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
            served["texts"] += len(texts)
            with lock:
                vectors = model.encode(texts, batch_size=64, normalize_embeddings=True)
            if control["dimensions"]:
                vectors = vectors[:, : control["dimensions"]]
            self._send(
                200,
                {
                    "object": "list",
                    "model": body.get("model", ""),
                    "data": [
                        {"object": "embedding", "index": i, "embedding": v.tolist()}
                        for i, v in enumerate(vectors)
                    ],
                    "usage": {"prompt_tokens": 0, "total_tokens": 0},
                },
            )

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            send_json(self, status, payload)

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print(f"listening on {server.server_address[1]}", flush=True)
    server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args()
    serve(args.port, args.threads)


if __name__ == "__main__":
    main()
