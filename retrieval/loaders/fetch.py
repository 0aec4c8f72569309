"""Fetching articles and feeds over HTTP(S), bounded in time and size."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from retrieval.errors import SourceError

USER_AGENT = "newsbot/0.1 (+https://github.com/newsbot)"


@dataclass(frozen=True)
class Fetched:
    url: str
    content: bytes
    content_type: str


class HttpFetcher:
    """Small, so tests can point it at a loopback server (or hand in a fake)."""

    def __init__(self, *, timeout_s: float = 20.0, max_bytes: int = 20_000_000) -> None:
        self.timeout_s = timeout_s
        self.max_bytes = max_bytes

    def fetch(self, url: str) -> Fetched:
        if not url.startswith(("http://", "https://")):
            raise SourceError(f"{url}: only http(s) URLs can be fetched")
        try:
            with (
                httpx.Client(
                    timeout=self.timeout_s,
                    follow_redirects=True,
                    headers={"User-Agent": USER_AGENT},
                ) as client,
                client.stream("GET", url) as response,
            ):
                if response.status_code >= 400:
                    raise SourceError(f"{url}: the server answered HTTP {response.status_code}")
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise SourceError(f"{url}: larger than {self.max_bytes} bytes")
                    chunks.append(chunk)
                return Fetched(
                    str(response.url), b"".join(chunks), response.headers.get("content-type", "")
                )
        except httpx.HTTPError as exc:
            raise SourceError(f"{url}: could not be fetched ({type(exc).__name__})") from None
