"""The OCPP-J endpoint: handshake (OCPP-J 1.6 §3) and frames that are not what they should be."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Subprotocol

from csms_under_test import ReferenceCsms
from csms_under_test.handlers import core
from csms_under_test.handlers.base import CallContext
from ocppj import ErrorCode, IncomingCallError

from .helpers import WAIT, ConnectChargePoint, FakeChargePoint, StartCsms


async def _handshake_status(url: str, subprotocols: list[str] | None = None) -> int:
    offered = None if subprotocols is None else [Subprotocol(s) for s in subprotocols]
    with pytest.raises(InvalidStatus) as refused:
        async with ws_connect(url, subprotocols=offered, open_timeout=WAIT):
            pass
    return refused.value.response.status_code


@pytest.mark.parametrize("path", ["/", "/ocpp", "/ocpp/", "/other/CP_1", "/ocpp/CP_1/extra"])
async def test_wrong_path_is_404(csms: ReferenceCsms, path: str) -> None:
    base = csms.ocpp_url.removesuffix("/ocpp")
    assert await _handshake_status(base + path, ["ocpp1.6"]) == 404


@pytest.mark.parametrize("offered", [None, ["ocpp2.0.1"]], ids=["none", "other"])
async def test_client_without_ocpp16_subprotocol_is_refused(
    csms: ReferenceCsms, offered: list[str] | None
) -> None:
    assert await _handshake_status(f"{csms.ocpp_url}/CP_1", offered) == 400


async def test_server_selects_ocpp16(csms: ReferenceCsms, connect: ConnectChargePoint) -> None:
    cp = await connect(csms.ocpp_url, subprotocols=["ocpp2.0.1", "ocpp1.6"])
    assert cp.websocket.subprotocol == "ocpp1.6"


async def test_server_answers_with_exactly_ocpp16(
    csms: ReferenceCsms, connect: ConnectChargePoint
) -> None:
    # TC_088_CSMS step 4: the 101 carries Sec-WebSocket-Protocol ocpp1.6, nothing else.
    cp = await connect(csms.ocpp_url, subprotocols=["ocpp0.1", "ocpp1.6"])
    assert cp.websocket.response is not None
    assert cp.websocket.response.headers.get_all("Sec-WebSocket-Protocol") == ["ocpp1.6"]


async def test_subprotocol_not_required_upgrades_without_a_subprotocol(
    start_csms: StartCsms, connect: ConnectChargePoint
) -> None:
    csms = await start_csms(faults=("subprotocol-not-required",))
    cp = await connect(csms.ocpp_url, subprotocols=["ocpp0.1"])
    assert cp.websocket.subprotocol is None
    assert cp.websocket.response is not None
    assert "Sec-WebSocket-Protocol" not in cp.websocket.response.headers


async def test_subprotocol_first_offered_selects_what_comes_first(
    start_csms: StartCsms, connect: ConnectChargePoint
) -> None:
    csms = await start_csms(faults=("subprotocol-first-offered",))
    cp = await connect(csms.ocpp_url, subprotocols=["ocpp0.1", "ocpp1.6"])
    assert cp.websocket.subprotocol == "ocpp0.1"


async def test_charge_point_id_is_url_decoded(
    csms: ReferenceCsms, connect: ConnectChargePoint
) -> None:
    cp = await connect(csms.ocpp_url, "CP%20One")
    await cp.boot()
    assert csms.store.charge_point("CP One") is not None
    assert csms.registry.get("CP One") is not None


async def test_schema_invalid_call_gets_callerror(cp: FakeChargePoint) -> None:
    outcome = await cp.call("BootNotification", {"chargePointVendor": "TestVendor"})
    assert isinstance(outcome, IncomingCallError)
    assert outcome.error.error_code == ErrorCode.OCCURENCE_CONSTRAINT_VIOLATION
    outcome = await cp.call(
        "StatusNotification", {"connectorId": "one", "status": "Available", "errorCode": "NoError"}
    )
    assert isinstance(outcome, IncomingCallError)
    assert outcome.error.error_code == ErrorCode.TYPE_CONSTRAINT_VIOLATION
    assert outcome.error.error_details["violations"][0]["path"] == "connectorId"


@pytest.mark.parametrize("frame", ["this is not json", "{}", "[]", b"\xff\xfe", "[2, 5]"])
async def test_unparseable_frame_does_not_kill_the_connection(
    cp: FakeChargePoint, frame: str | bytes
) -> None:
    await cp.websocket.send(frame)
    assert "currentTime" in await cp.request("Heartbeat", {})


async def test_malformed_frame_with_unique_id_is_answered(cp: FakeChargePoint) -> None:
    await cp.send_text('[7, "abc-1", "Heartbeat", {}]')
    reply = json.loads(await asyncio.wait_for(cp.websocket.recv(), WAIT))
    assert reply[:3] == [4, "abc-1", "ProtocolError"]
    assert "currentTime" in await cp.request("Heartbeat", {})


async def test_handler_exception_is_internal_error_and_connection_stays(
    start_csms: StartCsms, connect: ConnectChargePoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(ctx: CallContext, payload: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("boom")

    monkeypatch.setitem(core.HANDLERS, "Heartbeat", broken)
    csms = await start_csms()
    cp = await connect(csms.ocpp_url)
    outcome = await cp.call("Heartbeat", {})
    assert isinstance(outcome, IncomingCallError)
    assert outcome.error.error_code == ErrorCode.INTERNAL_ERROR
    assert "boom" not in outcome.error.error_description
    assert (await cp.boot())["status"] == "Accepted"


async def test_new_connection_replaces_the_old_one(
    csms: ReferenceCsms, connect: ConnectChargePoint
) -> None:
    old = await connect(csms.ocpp_url)
    new = await connect(csms.ocpp_url)
    await asyncio.wait_for(old.websocket.wait_closed(), WAIT)
    assert old.websocket.close_reason == "replaced by a new connection"
    assert (await new.boot())["status"] == "Accepted"
    assert csms.registry.connected_ids() == {"CP_1"}
