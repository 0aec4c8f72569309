"""The tests' network guard: a socket may connect (or send a datagram) only to loopback.

Installed in the pytest process before any fixture (tests/conftest.py) and, through the
`sitecustomize` beside this file (whose folder the tests put first on PYTHONPATH), in every
Python process the tests start: the CLI children, the embedding server, and the Python part of
`chroma run`. Names are not resolved here: a host given by name must be "localhost"."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from typing import Any

MESSAGE = "only loopback is allowed in tests"


def check_address(address: Any) -> None:
    """Raise RuntimeError unless `address` (a socket address) is on loopback. Unix sockets
    (a path, or bytes for the abstract namespace) are local by nature."""
    if not isinstance(address, tuple) or not address:
        return
    host = str(address[0])
    try:
        ip = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        if host == "localhost":
            return
    else:
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        if ip.is_loopback:
            return
    raise RuntimeError(f"test tried to reach {host}: {MESSAGE}")


def guarded(
    connect: Callable[..., Any],
    connect_ex: Callable[..., Any],
    sendto: Callable[..., Any],
) -> dict[str, Callable[..., Any]]:
    """Replacements for socket.socket's methods that check the address, then call the real
    ones."""

    def guarded_connect(self: socket.socket, address: Any) -> Any:
        check_address(address)
        return connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: Any) -> Any:
        check_address(address)
        return connect_ex(self, address)

    def guarded_sendto(self: socket.socket, data: Any, *args: Any) -> Any:
        check_address(args[-1])  # sendto(data, address) or sendto(data, flags, address)
        return sendto(self, data, *args)

    return {"connect": guarded_connect, "connect_ex": guarded_connect_ex, "sendto": guarded_sendto}


def install() -> None:
    """For good, in this process (a child's start-up: it has nothing to restore)."""
    real = socket.socket
    for name, method in guarded(real.connect, real.connect_ex, real.sendto).items():
        setattr(real, name, method)
