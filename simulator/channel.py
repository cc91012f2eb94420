"""What the runner talks to the CSMS through: a channel of text frames, opened by a dialer.

The runner never opens a socket itself. Production injects the WebSocket transport
(``simulator.transport.WebSocketDialer``); the project's tests inject an in-memory peer.
Like python-websockets' split of ``asyncio/connection.py`` over ``protocol.py``, the
channel is a thin pump: framing, pairing and validation stay in the sans-I/O session.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from simulator.errors import LinkError

NORMAL_CLOSURE = 1000  # RFC 6455 §7.4.1


SUBPROTOCOL = "ocpp1.6"  # OCPP-J 1.6 §3.1.2


class TransportError(LinkError):
    """The connection could not be opened. ``kind`` is one of: invalid-url, refused,
    timeout, tls, http-status, subprotocol, handshake. ``csms_fault`` tells whether the
    CSMS broke a rule (FAIL) rather than the environment failing (ERROR); ``upgraded``
    that the CSMS did switch protocols (101) and the charge point gave the connection up
    (a subprotocol it did not offer, or none)."""

    def __init__(
        self,
        kind: str,
        message: str,
        *,
        csms_fault: bool = False,
        upgraded: bool = False,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.csms_fault = csms_fault
        self.upgraded = upgraded


@dataclass(frozen=True)
class Attempt:
    """How one connection attempt is made. The default is the charge point's own; the
    Security cases make deliberate others (catalog §11.0 a): another subprotocol offer
    (TC_088), no or another Basic-auth password (TC_085, TC_073)."""

    subprotocols: tuple[str, ...] = (SUBPROTOCOL,)
    basic_auth: bool = True  # False: no Authorization header, whatever is configured
    # Instead of the configured one (security.password); bytes: a password the CSMS set
    # with ChangeConfiguration AuthorizationKey (hex-decoded, TC_073).
    password: str | bytes | None = None
    # The security profile to connect in (whitepaper §2); None: the configured one. The
    # charge point's own attempt carries its SecurityProfile (raised in TC_083).
    profile: int | None = None
    # Profile 3: the client certificate chain and key (PEM) to present instead of the
    # configured ones: those the CSMS signed (CertificateSigned, TC_074).
    client_certificate: tuple[bytes, bytes] | None = None


USUAL = Attempt()  # the charge point's own attempt


class ChannelClosed(LinkError):
    """The channel is closed; ``code`` and ``reason`` are those of the closing handshake
    (``code`` None when there was none)."""

    def __init__(self, code: int | None, reason: str = "") -> None:
        super().__init__(f"closed (code {code}{', ' + reason if reason else ''})")
        self.code = code
        self.reason = reason


class Channel(Protocol):
    async def send(self, text: str) -> None:
        """Send one text frame; raises ChannelClosed."""

    async def receive(self) -> str | bytes:
        """The next frame from the peer; raises ChannelClosed once the channel is closed."""

    async def close(self, code: int = NORMAL_CLOSURE, reason: str = "") -> None:
        """Close the channel (the closing handshake, where there is one)."""


# Opens a fresh channel to the CSMS as the attempt says; raises TransportError.
Dialer = Callable[[Attempt], Awaitable[Channel]]
