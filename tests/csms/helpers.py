"""Test doubles for the reference CSMS tests: a charge point and an operator HTTP client."""

from __future__ import annotations

import asyncio
import json
import re
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from csms_under_test import ReferenceCsms
from ocppj import (
    IncomingCall,
    IncomingCallError,
    IncomingCallResult,
    Session,
    SessionEvent,
)

WAIT = 3.0  # upper bound for anything the CSMS should do promptly
OCPP_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")  # as the CSMS writes


class FakeChargePoint:
    """Plays a charge point: a raw websockets client framed by ocppj.Session."""

    def __init__(self, websocket: ClientConnection) -> None:
        self.websocket = websocket
        self.session = Session()

    @classmethod
    async def connect(
        cls, ocpp_url: str, charge_point_id: str = "CP_1", subprotocols: list[str] | None = None
    ) -> FakeChargePoint:
        offered = ["ocpp1.6"] if subprotocols is None else subprotocols
        websocket = await asyncio.wait_for(
            connect(
                f"{ocpp_url}/{charge_point_id}",
                subprotocols=[Subprotocol(name) for name in offered],
                open_timeout=WAIT,
                close_timeout=1,
            ),
            WAIT,
        )
        return cls(websocket)

    async def close(self) -> None:
        await self.websocket.close()

    async def send_text(self, text: str) -> None:
        await self.websocket.send(text)

    async def next_event(self, timeout: float = WAIT) -> SessionEvent:
        text = await asyncio.wait_for(self.websocket.recv(), timeout)
        return self.session.receive(text)

    async def call(
        self, action: str, payload: dict[str, Any], timeout: float = WAIT
    ) -> IncomingCallResult | IncomingCallError:
        outgoing = self.session.send_call(action, payload)
        await self.websocket.send(outgoing.text)
        event = await self.next_event(timeout)
        assert isinstance(event, IncomingCallResult | IncomingCallError), event
        return event

    async def request(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Send a request that must be answered with a schema-valid CALLRESULT."""
        outcome = await self.call(action, payload)
        assert isinstance(outcome, IncomingCallResult), outcome
        assert outcome.violations == [], outcome.violations
        return outcome.result.payload

    async def expect_call(self, timeout: float = WAIT) -> IncomingCall:
        event = await self.next_event(timeout)
        assert isinstance(event, IncomingCall), event
        return event

    async def reply(self, call: IncomingCall, payload: dict[str, Any]) -> None:
        await self.websocket.send(self.session.send_result(call.call.unique_id, payload).text)

    # -- common sequences -------------------------------------------------------------
    async def boot(self) -> dict[str, Any]:
        return await self.request(
            "BootNotification", {"chargePointVendor": "TestVendor", "chargePointModel": "TestModel"}
        )

    async def start_transaction(self, id_tag: str, connector_id: int = 1) -> dict[str, Any]:
        return await self.request(
            "StartTransaction",
            {
                "connectorId": connector_id,
                "idTag": id_tag,
                "meterStart": 1000,
                "timestamp": "2026-01-01T10:00:00.000Z",
            },
        )


@dataclass(frozen=True)
class HttpReply:
    status: int
    body: Any
    headers: dict[str, str]


def http(method: str, url: str, body: bytes | dict[str, Any] | None = None) -> HttpReply:
    """One blocking HTTP request; the JSON body of any status is returned, never raised."""
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=WAIT + 2) as response:
            status, raw, headers = response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        status, raw, headers = error.code, error.read(), dict(error.headers)
        error.close()
    assert headers.get("Content-Type") == "application/json", headers
    return HttpReply(status, json.loads(raw) if raw else None, headers)


async def http_async(
    method: str, url: str, body: bytes | dict[str, Any] | None = None
) -> HttpReply:
    """:func:`http` off the event loop (the CSMS under test may be serving on this loop)."""
    return await asyncio.to_thread(http, method, url, body)


async def operator_request(
    csms: ReferenceCsms,
    cp: FakeChargePoint,
    action: str,
    body: dict[str, Any],
    answer: dict[str, Any],
    charge_point_id: str = "CP_1",
) -> tuple[dict[str, Any], HttpReply]:
    """Ask the operator API for ``action``; the charge point answers ``answer``. Returns the
    payload the charge point received and the API's reply."""
    url = f"{csms.api_url}/chargepoints/{charge_point_id}/requests/{action}"
    sent = asyncio.create_task(http_async("POST", url, body))
    call = await cp.expect_call()
    assert call.call.action == action
    await cp.reply(call, answer)
    return call.call.payload, await sent


async def api_get(csms: ReferenceCsms, path: str) -> Any:
    """``GET {api_url}/{path}``, which must answer 200; its JSON body."""
    reply = await http_async("GET", f"{csms.api_url}/{path}")
    assert reply.status == 200, reply
    return reply.body


# The factories the conftest fixtures ``start_csms`` and ``connect`` provide.
StartCsms = Callable[..., Awaitable[ReferenceCsms]]
ConnectChargePoint = Callable[..., Awaitable[FakeChargePoint]]


async def started(
    start_csms: StartCsms,
    connect: ConnectChargePoint,
    faults: tuple[str, ...] = (),
    variations: tuple[str, ...] = (),
    **options: Any,
) -> tuple[ReferenceCsms, FakeChargePoint]:
    """A CSMS with ``faults`` and ``variations`` (and ``options``: settings, ``seed``) and a
    charge point connected to it."""
    csms = await start_csms(faults=list(faults), variations=list(variations), **options)
    return csms, await connect(csms.ocpp_url)
