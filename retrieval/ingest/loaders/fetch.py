"""Fetching articles and feeds over HTTP(S), bounded in time and size.

An admin's `/ingest URL` must not become a way into the bot's own network: addresses that are
loopback, private, link-local or otherwise not public are refused before any connection, at
every redirect, unless `NEWSBOT_FETCH_ALLOW_PRIVATE=true` (an intranet archive, or tests).
The name is resolved before connecting; a DNS answer that changes between that check and the
connection (rebinding) is not covered: put the bot behind an egress proxy if that matters.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from retrieval.core.errors import SourceError

USER_AGENT = "newsbot/0.1 (+https://github.com/newsbot)"
MAX_REDIRECTS = 5


@dataclass(frozen=True)
class Fetched:
    url: str
    content: bytes
    content_type: str
    status: int = 200  # 304: not modified since the validators sent (content is empty)
    etag: str = ""
    last_modified: str = ""


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_destination(url: str, *, allow_private: bool) -> None:
    """Raise SourceError unless `url` is http(s) to a host whose every address is public."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SourceError(f"{url}: only http(s) URLs can be fetched")
    if allow_private:
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError) as exc:
        raise SourceError(f"{url}: the host cannot be resolved ({type(exc).__name__})") from None
    if not infos or not all(is_public_address(str(info[4][0])) for info in infos):
        raise SourceError(
            f"{url}: refused, the address is not public (set NEWSBOT_FETCH_ALLOW_PRIVATE=true "
            "to fetch from a private network)"
        )


class HttpFetcher:
    """Small, so tests can point it at a loopback server (or hand in a fake)."""

    def __init__(
        self, *, timeout_s: float = 20.0, max_bytes: int = 20_000_000, allow_private: bool = False
    ) -> None:
        self.timeout_s = timeout_s
        self.max_bytes = max_bytes
        self.allow_private = allow_private

    def fetch(self, url: str, *, etag: str = "", last_modified: str = "") -> Fetched:
        """GET `url`. With `etag` / `last_modified` from an earlier fetch the request is
        conditional, and an unchanged resource comes back as status 304 with no content."""
        headers = {"User-Agent": USER_AGENT}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            with httpx.Client(
                timeout=self.timeout_s, follow_redirects=False, headers=headers
            ) as client:
                for _ in range(MAX_REDIRECTS + 1):
                    check_destination(url, allow_private=self.allow_private)
                    with client.stream("GET", url) as response:
                        if response.is_redirect and "location" in response.headers:
                            url = urljoin(url, response.headers["location"])
                            continue
                        return self._read(url, response)
                raise SourceError(f"{url}: more than {MAX_REDIRECTS} redirects")
        except httpx.HTTPError as exc:
            raise SourceError(f"{url}: could not be fetched ({type(exc).__name__})") from None

    def _read(self, url: str, response: httpx.Response) -> Fetched:
        validators = {
            "etag": response.headers.get("etag", ""),
            "last_modified": response.headers.get("last-modified", ""),
        }
        if response.status_code == 304:
            return Fetched(str(response.url), b"", "", status=304, **validators)
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
            str(response.url),
            b"".join(chunks),
            response.headers.get("content-type", ""),
            status=response.status_code,
            **validators,
        )
