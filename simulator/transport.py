"""The WebSocket side: connect to a CSMS as an OCPP-J 1.6 charge point.

OCPP-J 1.6 §3: the charge point connects to ``<csms base URL>/<chargePointId>`` and offers
subprotocol ``ocpp1.6``; Security Profile 1 adds HTTP Basic auth, profile 2 TLS (wss).
Every way this can go wrong becomes a TransportError with a kind and a plain message.
:class:`WebSocketDialer` is the production dialer the runner is given (simulator.channel).
"""

from __future__ import annotations

import base64
import contextlib
import ssl
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import (
    ConnectionClosed,
    InvalidHandshake,
    InvalidStatus,
    InvalidURI,
    NegotiationError,
)

from simulator.channel import (
    NORMAL_CLOSURE,
    SUBPROTOCOL,
    USUAL,
    Attempt,
    Channel,
    ChannelClosed,
    TransportError,
)

__all__ = [
    "ConnectionSettings",
    "TransportError",
    "WebSocketChannel",
    "WebSocketDialer",
    "open_connection",
]


@dataclass(frozen=True)
class ConnectionSettings:
    csms_url: str  # base URL; the charge point id is appended as the last path segment
    charge_point_id: str
    basic_auth_password: str | None = None  # Security Profile 1; user name = charge point id
    ca_file: str | None = None  # for wss:// with a private CA
    open_timeout: float = 10.0
    # Security Profile 3: the client certificate chain and its key (PEM) TLS presents.
    client_certificate: tuple[bytes, bytes] | None = None

    @property
    def url(self) -> str:
        return f"{self.csms_url.rstrip('/')}/{quote(self.charge_point_id, safe='')}"


def csms_url_problem(csms_url: str) -> str | None:
    """Why ``csms_url`` cannot be a CSMS's OCPP-J base URL, or None when it can."""
    parts = urlsplit(csms_url)
    if parts.scheme not in ("ws", "wss"):
        return f"CSMS URL must start with ws:// or wss://, got {csms_url!r}"
    if not parts.hostname:
        return f"CSMS URL {csms_url!r} names no host"
    return None


async def open_connection(
    settings: ConnectionSettings, attempt: Attempt = USUAL
) -> ClientConnection:
    """Open the WebSocket as ``attempt`` says. Only a connection on subprotocol ocpp1.6 is
    kept (OCPP-J 1.6 §3.1.2); anything else raises TransportError."""
    url = settings.url
    problem = csms_url_problem(settings.csms_url)
    if problem is not None:
        raise TransportError("invalid-url", problem)
    headers = {}
    password = attempt.password if attempt.password is not None else settings.basic_auth_password
    if attempt.basic_auth and password is not None:
        # Security whitepaper §2.1: user name = the charge point's identity.
        secret = password if isinstance(password, bytes) else password.encode()
        token = base64.b64encode(f"{settings.charge_point_id}:".encode() + secret).decode()
        headers["Authorization"] = f"Basic {token}"
    ssl_context = None
    if urlsplit(url).scheme == "wss":
        ssl_context = client_tls_context(settings.ca_file, settings.client_certificate)
    try:
        websocket = await connect(
            url,
            subprotocols=list(attempt.subprotocols),  # type: ignore[arg-type]
            additional_headers=headers,
            ssl=ssl_context,
            open_timeout=settings.open_timeout,
            max_size=2**22,
            ping_interval=None,  # OCPP has its own Heartbeat; keep the wire to OCPP frames
        )
    except InvalidURI as exc:
        raise TransportError("invalid-url", f"invalid CSMS URL {url!r}: {exc}") from None
    except InvalidStatus as exc:
        status = exc.response.status_code
        raise TransportError(
            "http-status",
            f"the CSMS answered the WebSocket handshake for {url} with HTTP {status}",
        ) from None
    except ssl.SSLCertVerificationError as exc:  # the charge point's trust settings
        raise TransportError("tls", f"TLS handshake with {url} failed: {exc}") from None
    except ssl.SSLError as exc:  # the CSMS ended the handshake (an alert): its decision
        raise TransportError(
            "tls-alert", f"the CSMS refused the TLS handshake with {url}: {exc}"
        ) from None
    except TimeoutError:
        raise TransportError(
            "timeout", f"no WebSocket handshake with {url} within {settings.open_timeout:g} s"
        ) from None
    except NegotiationError as exc:  # a 101 naming a subprotocol that was not offered
        raise TransportError(
            "subprotocol",
            f"the CSMS switched protocols for {url} but {exc}; offered: "
            f"{', '.join(attempt.subprotocols)} (OCPP-J 1.6 §3.1.2)",
            csms_fault=True,
            upgraded=True,
        ) from None
    except InvalidHandshake as exc:
        hint = ""
        if settings.client_certificate is not None and "valid HTTP response" in str(exc):
            # TLS 1.3 checks the client certificate after the handshake: a CSMS that
            # refuses it closes the connection before the HTTP answer.
            hint = " (the CSMS closed the TLS connection: did it refuse the client certificate?)"
        raise TransportError(
            "handshake", f"WebSocket handshake with {url} failed: {exc}{hint}", csms_fault=True
        ) from None
    except OSError as exc:
        raise TransportError("refused", f"cannot connect to {url}: {exc.strerror or exc}") from None
    if websocket.subprotocol != SUBPROTOCOL:
        await websocket.close()
        selected = websocket.subprotocol or "none"
        raise TransportError(
            "subprotocol",
            f"the CSMS did not select subprotocol {SUBPROTOCOL} (selected: {selected}; "
            f"offered: {', '.join(attempt.subprotocols)}); OCPP-J 1.6 §3.1.2",
            csms_fault=True,
            upgraded=True,
        )
    return websocket


@contextlib.contextmanager
def identity_files(
    client_certificate: tuple[bytes, bytes] | None,
) -> Iterator[tuple[Path, Path] | None]:
    """The client certificate chain and key as files (ssl loads them only from files), in
    a private folder removed afterwards."""
    if client_certificate is None:
        yield None
        return
    chain, key = client_certificate
    with tempfile.TemporaryDirectory(prefix="cp-identity-") as folder:
        chain_file, key_file = Path(folder) / "chain.pem", Path(folder) / "key.pem"
        chain_file.write_bytes(chain)
        key_file.touch(mode=0o600)
        key_file.write_bytes(key)
        yield chain_file, key_file


def client_tls_context(
    ca_file: str | None, client_certificate: tuple[bytes, bytes] | None = None
) -> ssl.SSLContext:
    """TLS 1.2 or later (whitepaper A00.FR.318) verifying the server against ``ca_file``
    (else the system's CAs), presenting ``client_certificate`` when given (profile 3).
    A CA or certificate that cannot be loaded is a TransportError of kind "tls-config"."""
    try:
        context = ssl.create_default_context(cafile=ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise TransportError("tls-config", f"cannot load the CA file {ca_file}: {exc}") from None
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    with identity_files(client_certificate) as identity:
        if identity is not None:
            try:
                context.load_cert_chain(*identity)
            except (OSError, ssl.SSLError) as exc:
                raise TransportError(
                    "tls-config", f"cannot use the client certificate and key: {exc}"
                ) from None
    return context


class WebSocketChannel:
    """A websockets client connection as a :class:`simulator.channel.Channel`."""

    def __init__(self, websocket: ClientConnection) -> None:
        self.websocket = websocket

    async def send(self, text: str) -> None:
        try:
            await self.websocket.send(text)
        except ConnectionClosed as exc:
            raise _closed(exc) from None

    async def receive(self) -> str | bytes:
        try:
            return await self.websocket.recv()
        except ConnectionClosed as exc:
            raise _closed(exc) from None

    async def close(self, code: int = NORMAL_CLOSURE, reason: str = "") -> None:
        await self.websocket.close(code, reason)


def _closed(exc: ConnectionClosed) -> ChannelClosed:
    close = exc.rcvd or exc.sent
    return ChannelClosed(close.code if close else None, close.reason if close else "")


class WebSocketDialer:
    """Opens an OCPP-J WebSocket to the CSMS for every connection of a case."""

    def __init__(self, settings: ConnectionSettings) -> None:
        self.settings = settings

    async def __call__(self, attempt: Attempt = USUAL) -> Channel:
        return WebSocketChannel(await open_connection(self.settings, attempt))
