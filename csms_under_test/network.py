"""Listening sockets, URLs and prompt shutdown for the servers (OCPP-J, operator API, FTP)."""

from __future__ import annotations

import contextlib
import socket

# Connections the kernel queues before the server accepts them (Linux caps it at
# net.core.somaxconn): thousands of charge points reconnecting at once after an outage
# must not be turned away by asyncio's default of 100.
LISTEN_BACKLOG = 4096


def listen_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on the first address ``host`` resolves to; port 0 = any free.

    One socket (not one per address family) so that port 0 gives one well-defined port.
    """
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    if not infos:
        raise OSError(f"cannot resolve {host!r}")
    family, _, _, _, address = infos[0]
    return socket.create_server(address, family=family, backlog=LISTEN_BACKLOG)


def bound_port(sock: socket.socket) -> int:
    port: int = sock.getsockname()[1]
    return port


def url_host(host: str) -> str:
    """``host`` as it goes into a URL: IPv6 literals in brackets."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


class Waker:
    """Wakes a thread blocked in select()/poll() at once (the self-pipe trick): register
    :meth:`fileno` beside the sockets, call :meth:`wake` from any thread. A server stops
    the moment it is told to, not at its next poll."""

    def __init__(self) -> None:
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)

    def fileno(self) -> int:
        return self._reader.fileno()

    def wake(self) -> None:
        with contextlib.suppress(OSError):  # full (a wake is pending) or closed
            self._writer.send(b"\0")

    def drain(self) -> None:
        with contextlib.suppress(OSError):
            while self._reader.recv(512):
                pass

    def close(self) -> None:
        self._reader.close()
        self._writer.close()
