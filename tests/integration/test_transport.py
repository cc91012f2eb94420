"""The WebSocket client against small scripted servers: what a CSMS's handshake can do."""

import base64
import ssl
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from simulator.demo_pki import DemoPki as Pki
from simulator.transport import ConnectionSettings, TransportError, open_connection

seen: dict[str, Any] = {}


async def echo(connection: ServerConnection) -> None:
    seen["path"] = connection.request.path if connection.request else None
    seen["auth"] = connection.request.headers.get("Authorization") if connection.request else None
    async for message in connection:
        await connection.send(message)


def select_ocpp(connection: ServerConnection, offered: Any) -> Any:
    return "ocpp1.6" if "ocpp1.6" in offered else None


async def start(**kwargs: Any) -> Server:
    kwargs.setdefault("select_subprotocol", select_ocpp)
    return await serve(echo, "127.0.0.1", 0, **kwargs)


def url_of(server: Server, scheme: str = "ws") -> str:
    port = next(iter(server.sockets)).getsockname()[1]
    return f"{scheme}://127.0.0.1:{port}/ocpp"


@pytest.fixture
async def plain() -> AsyncIterator[Server]:
    async with await start() as server:
        yield server


async def test_charge_point_id_is_the_last_path_segment_and_basic_auth_is_sent(
    plain: Server,
) -> None:
    settings = ConnectionSettings(url_of(plain) + "/", "CP/1 x", basic_auth_password="s3cret")
    websocket = await open_connection(settings)
    assert websocket.subprotocol == "ocpp1.6"
    await websocket.close()
    assert seen["path"] == "/ocpp/CP%2F1%20x"
    assert seen["auth"] == "Basic " + base64.b64encode(b"CP/1 x:s3cret").decode()


async def test_a_csms_that_selects_no_subprotocol_fails() -> None:
    async with await start(select_subprotocol=lambda connection, offered: None) as server:
        with pytest.raises(TransportError) as info:
            await open_connection(ConnectionSettings(url_of(server), "CP_1"))
    assert info.value.kind == "subprotocol" and info.value.csms_fault
    assert "did not select subprotocol ocpp1.6" in str(info.value)


def reject_with(status: int) -> Callable[[ServerConnection, Request], Response]:
    def process_request(connection: ServerConnection, request: Request) -> Response:
        return Response(status, "Nope", Headers(), b"")

    return process_request


@pytest.mark.parametrize("status", [401, 404])
async def test_http_status_at_the_handshake_is_named(status: int) -> None:
    async with await start(process_request=reject_with(status)) as server:
        with pytest.raises(TransportError) as info:
            await open_connection(ConnectionSettings(url_of(server), "CP_1"))
    assert info.value.kind == "http-status"
    assert f"HTTP {status}" in str(info.value)


async def test_wss_with_a_ca_file(pki: Pki, server_tls: ssl.SSLContext) -> None:
    async with await start(ssl=server_tls) as server:
        websocket = await open_connection(
            ConnectionSettings(url_of(server, "wss"), "CP_1", ca_file=str(pki.ca))
        )
        await websocket.send('[2,"1","Heartbeat",{}]')
        assert await websocket.recv() == '[2,"1","Heartbeat",{}]'
        await websocket.close()
        # Without the CA the server's certificate is not trusted: a TLS failure, named.
        with pytest.raises(TransportError) as info:
            await open_connection(ConnectionSettings(url_of(server, "wss"), "CP_1"))
    assert info.value.kind == "tls"
    assert "TLS handshake" in str(info.value)


@pytest.mark.parametrize(
    ("url", "kind"),
    [("http://127.0.0.1:9/ocpp", "invalid-url"), ("ws://127.0.0.1:9/ocpp", "refused")],
)
async def test_bad_urls_and_refused_connections(url: str, kind: str) -> None:
    with pytest.raises(TransportError) as info:
        await open_connection(ConnectionSettings(url, "CP_1", open_timeout=2))
    assert info.value.kind == kind and not info.value.csms_fault
