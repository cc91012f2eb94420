"""The operator HTTP API (docs/operator-api.md), with a fake charge point on the other end."""

from __future__ import annotations

import asyncio
import http.client
import json
from urllib.parse import urlsplit

import pytest

from csms_under_test import ReferenceCsms
from simulator.config import IdTags

from .helpers import FakeChargePoint, http_async

TAGS = IdTags()


def _requests_url(csms: ReferenceCsms, action: str, cp_id: str = "CP_1", query: str = "") -> str:
    return f"{csms.api_url}/chargepoints/{cp_id}/requests/{action}{query}"


async def test_health(csms: ReferenceCsms) -> None:
    reply = await http_async("GET", f"{csms.api_url}/health")
    assert (reply.status, reply.body) == (200, {"status": "ok"})


async def test_list_charge_points(csms: ReferenceCsms, cp: FakeChargePoint) -> None:
    before = await http_async("GET", f"{csms.api_url}/chargepoints")
    assert before.body["chargePoints"][0]["id"] == "CP_1"
    assert before.body["chargePoints"][0]["connected"] is True
    assert before.body["chargePoints"][0]["lastBoot"] is None
    boot = await cp.boot()
    await cp.request("Heartbeat", {})
    (listed,) = (await http_async("GET", f"{csms.api_url}/chargepoints")).body["chargePoints"]
    assert listed["id"] == "CP_1" and listed["connected"] is True
    assert (listed["vendor"], listed["model"]) == ("TestVendor", "TestModel")
    assert listed["lastBoot"] == boot["currentTime"]
    assert listed["lastHeartbeat"] is not None
    await cp.close()
    for _ in range(50):  # the CSMS notices the close asynchronously
        (listed,) = (await http_async("GET", f"{csms.api_url}/chargepoints")).body["chargePoints"]
        if not listed["connected"]:
            break
        await asyncio.sleep(0.02)
    assert listed["connected"] is False


async def test_list_transactions_with_filter(csms: ReferenceCsms, cp: FakeChargePoint) -> None:
    transaction_id = (await cp.start_transaction(TAGS.valid))["transactionId"]
    everything = await http_async("GET", f"{csms.api_url}/transactions")
    assert everything.body["transactions"] == [
        {
            "transactionId": transaction_id,
            "chargePointId": "CP_1",
            "connectorId": 1,
            "idTag": TAGS.valid,
            "meterStart": 1000,
            "startTimestamp": "2026-01-01T10:00:00.000Z",
            "meterStop": None,
            "stopTimestamp": None,
            "stopReason": None,
            "reservationId": None,
        }
    ]
    other = await http_async("GET", f"{csms.api_url}/transactions?chargePointId=OTHER")
    assert other.body == {"transactions": [], "total": 0, "next": None}
    mine = await http_async("GET", f"{csms.api_url}/transactions?chargePointId=CP_1")
    assert len(mine.body["transactions"]) == 1


async def test_send_request_and_get_the_answer(csms: ReferenceCsms, cp: FakeChargePoint) -> None:
    sent = asyncio.create_task(
        http_async("POST", _requests_url(csms, "GetConfiguration"), {"key": ["HeartbeatInterval"]})
    )
    call = await cp.expect_call()
    assert (call.call.action, call.call.payload) == (
        "GetConfiguration",
        {"key": ["HeartbeatInterval"]},
    )
    answer = {"configurationKey": [{"key": "HeartbeatInterval", "readonly": False, "value": "10"}]}
    await cp.reply(call, answer)
    reply = await sent
    assert reply.status == 200
    assert reply.body == {
        "action": "GetConfiguration",
        "request": {"key": ["HeartbeatInterval"]},
        "response": answer,
    }


async def test_callerror_answer_is_reported(csms: ReferenceCsms, cp: FakeChargePoint) -> None:
    sent = asyncio.create_task(http_async("POST", _requests_url(csms, "Reset"), {"type": "Soft"}))
    call = await cp.expect_call()
    error = cp.session.send_error(call.call.unique_id, "NotSupported", "no reset here", {"a": 1})
    await cp.send_text(error.text)
    reply = await sent
    assert reply.status == 200
    assert reply.body == {
        "action": "Reset",
        "request": {"type": "Soft"},
        "error": {
            "errorCode": "NotSupported",
            "errorDescription": "no reset here",
            "errorDetails": {"a": 1},
        },
    }


async def test_remote_stop_is_completed_from_the_store(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    transaction_id = (await cp.start_transaction(TAGS.valid))["transactionId"]
    sent = asyncio.create_task(http_async("POST", _requests_url(csms, "RemoteStopTransaction"), {}))
    call = await cp.expect_call()
    assert call.call.payload == {"transactionId": transaction_id}
    await cp.reply(call, {"status": "Accepted"})
    reply = await sent
    assert reply.body["request"] == {"transactionId": transaction_id}
    assert reply.body["response"] == {"status": "Accepted"}


async def test_remote_stop_without_active_transaction_is_400(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    reply = await http_async("POST", _requests_url(csms, "RemoteStopTransaction"), {})
    assert reply.status == 400
    assert "no active transaction" in reply.body["error"]


async def test_requests_are_serialized_per_charge_point(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    """One outstanding CSMS request per connection (OCPP-J 1.6 §4.1.1)."""
    first = asyncio.create_task(http_async("POST", _requests_url(csms, "ClearCache"), {}))
    call_1 = await cp.expect_call()
    second = asyncio.create_task(http_async("POST", _requests_url(csms, "ClearCache"), {}))
    with pytest.raises(TimeoutError):
        await cp.expect_call(timeout=0.3)
    await cp.reply(call_1, {"status": "Accepted"})
    call_2 = await cp.expect_call()
    await cp.reply(call_2, {"status": "Rejected"})
    assert (await first).body["response"] == {"status": "Accepted"}
    assert (await second).body["response"] == {"status": "Rejected"}


async def test_silent_charge_point_is_504_and_a_late_answer_is_ignored(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    url = _requests_url(csms, "ClearCache", query="?timeout=0.3")
    sent = asyncio.create_task(http_async("POST", url, {}))
    late = await cp.expect_call()
    reply = await sent
    assert reply.status == 504
    assert "did not answer" in reply.body["error"]
    await cp.reply(late, {"status": "Accepted"})  # too late: must not answer the next request
    sent = asyncio.create_task(http_async("POST", _requests_url(csms, "ClearCache"), {}))
    call = await cp.expect_call()
    await cp.reply(call, {"status": "Rejected"})
    assert (await sent).body["response"] == {"status": "Rejected"}


async def test_unknown_and_unconnected_charge_points_are_404(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    unknown = await http_async("POST", _requests_url(csms, "ClearCache", cp_id="NOPE"), {})
    assert unknown.status == 404 and "unknown" in unknown.body["error"]
    await cp.close()
    for _ in range(50):
        gone = await http_async("POST", _requests_url(csms, "ClearCache"), {})
        if gone.status == 404:
            break
        await asyncio.sleep(0.02)
    assert gone.status == 404 and "not connected" in gone.body["error"]


@pytest.mark.parametrize(
    ("action", "body", "message"),
    [
        ("ClearCache", b"{not json", "not valid JSON"),
        ("ClearCache", b"", "not valid JSON"),
        ("ClearCache", b"[1, 2]", "JSON object"),
        ("ClearCache", b'"text"', "JSON object"),
        ("NoSuchAction", b"{}", "unknown OCPP 1.6 action"),
        ("BootNotification", b"{}", "sent by a charge point"),
        ("Reset", b'{"type": "Sideways"}', "breaks the OCPP 1.6 schema"),
        ("Reset", b"{}", "breaks the OCPP 1.6 schema"),
    ],
)
async def test_bad_requests_are_400(
    csms: ReferenceCsms, cp: FakeChargePoint, action: str, body: bytes, message: str
) -> None:
    reply = await http_async("POST", _requests_url(csms, action), body)
    assert reply.status == 400
    assert message in reply.body["error"]
    if "schema" in message:
        assert reply.body["violations"]


@pytest.mark.parametrize("timeout", ["0", "-1", "soon", "nan", "inf"])
async def test_bad_timeout_is_400(csms: ReferenceCsms, cp: FakeChargePoint, timeout: str) -> None:
    reply = await http_async(
        "POST", _requests_url(csms, "ClearCache", query=f"?timeout={timeout}"), {}
    )
    assert reply.status == 400


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/nothing", 404),
        ("GET", "/", 404),
        ("GET", "/api/chargepoints/CP_1/requests", 404),
        ("POST", "/api/health", 405),
        ("DELETE", "/api/transactions", 405),
        ("GET", "/api/chargepoints/CP_1/requests/Reset", 405),
    ],
)
async def test_routes_and_methods(csms: ReferenceCsms, method: str, path: str, status: int) -> None:
    base = csms.api_url.removesuffix("/api")
    reply = await http_async(method, base + path, b"{}" if method == "POST" else None)
    assert reply.status == status
    assert isinstance(reply.body["error"], str)
    if status == 405:
        assert reply.headers["Allow"] in ("GET", "POST")


async def test_garbage_does_not_break_the_api(csms: ReferenceCsms) -> None:
    address = urlsplit(csms.api_url)

    def garbage() -> None:
        connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=3)
        try:
            connection.putrequest("POST", "/api/chargepoints/CP_1/requests/Reset")
            connection.putheader("Content-Length", "not-a-number")
            connection.endheaders()
            assert connection.getresponse().status == 400
        finally:
            connection.close()

    def unsupported_method() -> None:
        connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=3)
        try:
            connection.request("BREW", "/api/health")
            response = connection.getresponse()
            assert response.status == 501
            assert response.getheader("Content-Type") == "application/json"
            assert "error" in json.loads(response.read())
        finally:
            connection.close()

    await asyncio.to_thread(garbage)
    await asyncio.to_thread(unsupported_method)
    assert (await http_async("GET", f"{csms.api_url}/health")).status == 200
