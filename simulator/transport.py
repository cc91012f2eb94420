"""The WebSocket side: connect to a CSMS as an OCPP-J 1.6 charge point.

OCPP-J 1.6 §3: the charge point connects to ``<csms base URL>/<chargePointId>`` and offers
subprotocol ``ocpp1.6``; Security Profile 1 adds HTTP Basic auth, profile 2 TLS (wss).
Every way this can go wrong becomes a TransportError with a kind and a plain message.
"""

from __future__ import annotations

import base64
import ssl
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidHandshake, InvalidStatus, InvalidURI

SUBPROTOCOL = "ocpp1.6"


@dataclass(frozen=True)
class ConnectionSettings:
    csms_url: str  # base URL; the charge point id is appended as the last path segment
    charge_point_id: str
    basic_auth_password: str | None = None  # Security Profile 1; user name = charge point id
    ca_file: str | None = None  # for wss:// with a private CA
    open_timeout: float = 10.0

    @property
    def url(self) -> str:
        return f"{self.csms_url.rstrip('/')}/{quote(self.charge_point_id, safe='')}"


class TransportError(Exception):
    """The connection could not be opened. ``kind`` is one of: invalid-url, refused,
    timeout, tls, http-status, subprotocol, handshake. ``csms_fault`` tells whether the
    CSMS broke a rule (FAIL) rather than the environment failing (ERROR)."""

    def __init__(self, kind: str, message: str, *, csms_fault: bool = False) -> None:
        super().__init__(message)
        self.kind = kind
        self.csms_fault = csms_fault


async def open_connection(settings: ConnectionSettings) -> ClientConnection:
    url = settings.url
    scheme = urlsplit(url).scheme
    if scheme not in ("ws", "wss"):
        raise TransportError(
            "invalid-url", f"CSMS URL must start with ws:// or wss://, got {settings.csms_url!r}"
        )
    headers = {}
    if settings.basic_auth_password is not None:
        token = base64.b64encode(
            f"{settings.charge_point_id}:{settings.basic_auth_password}".encode()
        ).decode()
        headers["Authorization"] = f"Basic {token}"
    ssl_context = None
    if scheme == "wss":
        ssl_context = ssl.create_default_context(cafile=settings.ca_file)
    try:
        websocket = await connect(
            url,
            subprotocols=[SUBPROTOCOL],  # type: ignore[list-item]
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
            "http-status", f"the CSMS answered the WebSocket handshake for {url} with HTTP {status}"
        ) from None
    except ssl.SSLError as exc:
        raise TransportError("tls", f"TLS handshake with {url} failed: {exc}") from None
    except TimeoutError:
        raise TransportError(
            "timeout", f"no WebSocket handshake with {url} within {settings.open_timeout:g} s"
        ) from None
    except InvalidHandshake as exc:
        raise TransportError(
            "handshake", f"WebSocket handshake with {url} failed: {exc}", csms_fault=True
        ) from None
    except OSError as exc:
        raise TransportError("refused", f"cannot connect to {url}: {exc.strerror or exc}") from None
    if websocket.subprotocol != SUBPROTOCOL:
        await websocket.close()
        selected = websocket.subprotocol or "none"
        raise TransportError(
            "subprotocol",
            f"the CSMS did not select subprotocol {SUBPROTOCOL} (selected: {selected}); OCPP-J 1.6 §3.1.2",
            csms_fault=True,
        )
    return websocket
