"""Listening sockets and URLs for the two servers (OCPP-J and operator API)."""

from __future__ import annotations

import socket


def listen_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on the first address ``host`` resolves to; port 0 = any free.

    One socket (not one per address family) so that port 0 gives one well-defined port.
    """
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    if not infos:
        raise OSError(f"cannot resolve {host!r}")
    family, _, _, _, address = infos[0]
    return socket.create_server(address, family=family)


def bound_port(sock: socket.socket) -> int:
    port: int = sock.getsockname()[1]
    return port


def url_host(host: str) -> str:
    """``host`` as it goes into a URL: IPv6 literals in brackets."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host
