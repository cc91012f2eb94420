"""Exactly once: what a charge point sends again is stored once (issue 16, item 5).

A CALL sent again with its uniqueId gets the answer it got (OCPP-J 1.6 §4.1.4), on the same
connection or after a reconnect; a repeated StopTransaction stores nothing twice; one
transaction runs on a connector; meter values stay with the charge point's own
transactions; OCPP's defaults are stored; and a CSMS restarted on its database goes on
with the transaction it had.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from csms_under_test import ReferenceCsms
from csms_under_test.handlers import core
from csms_under_test.handlers.base import CallContext
from csms_under_test.recent_answers import (
    ANSWER_TTL_S,
    MAX_ANSWERS_PER_CHARGE_POINT,
    RecentAnswers,
    request_digest,
)
from ocppj import Call

from .helpers import WAIT, ConnectChargePoint, FakeChargePoint, StartCsms, api_get, started

TAG = "TAG-VALID-0001"  # accepted in the harness's default seed
STARTED = {"connectorId": 1, "idTag": TAG, "meterStart": 1000, "timestamp": "2026-01-01T10:00:00Z"}
SAMPLE = {"timestamp": "2026-01-01T10:30:00Z", "sampledValue": [{"value": "1500"}]}


def frame(unique_id: str, action: str, payload: dict[str, Any]) -> str:
    return Call(unique_id, action, payload).to_json()


async def send(cp: FakeChargePoint, unique_id: str, action: str, payload: dict[str, Any]) -> str:
    """Send a CALL with this uniqueId; the frame that answers it, as it came."""
    await cp.websocket.send(frame(unique_id, action, payload))
    reply = await asyncio.wait_for(cp.websocket.recv(), WAIT)
    assert isinstance(reply, str)
    assert json.loads(reply)[1] == unique_id
    return reply


def result(reply: str) -> dict[str, Any]:
    message = json.loads(reply)
    assert message[0] == 3, message
    payload: dict[str, Any] = message[2]
    return payload


def stop(transaction_id: int, **extra: Any) -> dict[str, Any]:
    return {
        "transactionId": transaction_id,
        "meterStop": 2500,
        "timestamp": "2026-01-01T11:00:00Z",
        **extra,
    }


# -- a CALL sent again with its uniqueId --------------------------------------------------
async def test_a_start_transaction_sent_again_is_answered_as_before_and_stored_once(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    first = await send(cp, "s-1", "StartTransaction", STARTED)
    again = await send(cp, "s-1", "StartTransaction", STARTED)
    assert again == first
    assert [t.id for t in csms.store.transactions()] == [result(first)["transactionId"]]


async def test_the_same_request_after_a_reconnect_is_answered_as_before(
    csms: ReferenceCsms, connect: ConnectChargePoint
) -> None:
    cp = await connect(csms.ocpp_url)
    first = await send(cp, "s-1", "StartTransaction", STARTED)
    await cp.close()
    cp = await connect(csms.ocpp_url)  # the answer was lost with the connection
    assert await send(cp, "s-1", "StartTransaction", STARTED) == first
    transaction_id = result(first)["transactionId"]
    assert [t.id for t in csms.store.transactions()] == [transaction_id]
    meter = {"connectorId": 1, "transactionId": transaction_id, "meterValue": [SAMPLE]}
    answer = await send(cp, "m-1", "MeterValues", meter)
    await cp.close()
    cp = await connect(csms.ocpp_url)
    assert await send(cp, "m-1", "MeterValues", meter) == answer
    assert len(csms.store.meter_values(transaction_id)) == 1


async def test_key_order_and_spacing_do_not_make_another_request(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    first = await send(cp, "s-1", "StartTransaction", STARTED)
    reordered = json.dumps(
        [2, "s-1", "StartTransaction", dict(reversed(STARTED.items()))], indent=1
    )
    await cp.websocket.send(reordered)
    assert await asyncio.wait_for(cp.websocket.recv(), WAIT) == first
    assert len(csms.store.transactions()) == 1


async def test_a_stop_transaction_sent_again_stores_its_meter_values_once(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    transaction_id = (await cp.start_transaction(TAG))["transactionId"]
    request = stop(transaction_id, idTag=TAG, transactionData=[SAMPLE])
    first = await send(cp, "t-1", "StopTransaction", request)
    assert await send(cp, "t-1", "StopTransaction", request) == first
    assert [v.source for v in csms.store.meter_values(transaction_id)] == ["StopTransaction"]


async def test_the_same_id_for_another_request_on_one_connection_is_a_protocol_error(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    first = await send(cp, "s-1", "StartTransaction", STARTED)
    other = {**STARTED, "connectorId": 2}
    error = json.loads(await send(cp, "s-1", "StartTransaction", other))
    assert error[2] == "ProtocolError" and "§4.1.4" in error[3]
    assert len(csms.store.transactions()) == 1  # the second was not processed
    assert await send(cp, "s-1", "StartTransaction", STARTED) == first  # the first stays
    error = json.loads(await send(cp, "s-1", "Authorize", {"idTag": TAG}))
    assert error[2] == "ProtocolError" and "(StartTransaction)" in error[3]


async def test_the_same_id_for_another_request_after_a_reconnect_is_a_new_request(
    csms: ReferenceCsms, connect: ConnectChargePoint
) -> None:
    """§4.1.4 asks for new ids per connection only: a charge point may count from 1 again."""
    cp = await connect(csms.ocpp_url)
    first = result(await send(cp, "1", "StartTransaction", STARTED))
    await cp.close()
    cp = await connect(csms.ocpp_url)
    second = result(await send(cp, "1", "StartTransaction", {**STARTED, "connectorId": 2}))
    assert second["transactionId"] != first["transactionId"]
    assert len(csms.store.transactions()) == 2


async def test_a_heartbeat_is_answered_afresh(csms: ReferenceCsms, cp: FakeChargePoint) -> None:
    """Its answer is the CSMS's current time (OCPP 1.6 §4.6): never an old one."""
    first = result(await send(cp, "h-1", "Heartbeat", {}))
    await asyncio.sleep(0.01)
    again = result(await send(cp, "h-1", "Heartbeat", {}))
    assert again["currentTime"] > first["currentTime"]


async def test_a_boot_on_a_new_connection_is_answered_afresh(
    csms: ReferenceCsms, connect: ConnectChargePoint
) -> None:
    """A charge point that restarted may number its messages from 1 again: its boot, and
    what it says after, are new; what it queued for the CSMS is still answered as before."""
    boot = {"chargePointVendor": "V", "chargePointModel": "M"}
    status = {"connectorId": 1, "status": "Available", "errorCode": "NoError"}
    cp = await connect(csms.ocpp_url)
    booted = await send(cp, "1", "BootNotification", boot)
    assert await send(cp, "1", "BootNotification", boot) == booted  # the same connection
    record = csms.store.charge_point("CP_1")
    assert record is not None
    first_boot = record.last_boot
    await send(cp, "2", "StatusNotification", status)
    started_once = await send(cp, "3", "StartTransaction", STARTED)
    await cp.close()
    await asyncio.sleep(0.01)
    cp = await connect(csms.ocpp_url)
    await send(cp, "1", "BootNotification", boot)
    record = csms.store.charge_point("CP_1")
    assert record is not None and record.last_boot != first_boot
    await send(cp, "2", "StatusNotification", status)
    assert len(csms.store.status_history("CP_1")) == 2
    assert await send(cp, "3", "StartTransaction", STARTED) == started_once
    assert len(csms.store.transactions()) == 1


async def test_a_request_that_failed_is_processed_when_sent_again(
    start_csms: StartCsms, connect: ConnectChargePoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    """InternalError says the request was not processed: sent again, it is processed."""
    calls: list[int] = []

    def flaky(ctx: CallContext, payload: dict[str, Any]) -> dict[str, Any]:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the first attempt fails")
        return {"idTagInfo": {"status": "Accepted"}}

    monkeypatch.setitem(core.HANDLERS, "Authorize", flaky)
    csms = await start_csms()
    cp = await connect(csms.ocpp_url)
    assert json.loads(await send(cp, "a-1", "Authorize", {"idTag": TAG}))[2] == "InternalError"
    assert result(await send(cp, "a-1", "Authorize", {"idTag": TAG})) == {
        "idTagInfo": {"status": "Accepted"}
    }
    assert len(calls) == 2


async def test_an_answer_sent_again_is_serialised_as_the_first(
    start_csms: StartCsms, connect: ConnectChargePoint
) -> None:
    _, cp = await started(start_csms, connect, variations=("serialisation",))
    first = await send(cp, "s-1", "StartTransaction", STARTED)
    assert ", " in first  # the variation's spacing
    assert await send(cp, "s-1", "StartTransaction", STARTED) == first


# -- StopTransaction, transactions and meter values ---------------------------------------
async def test_a_repeated_stop_transaction_stores_nothing_twice(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    """A StopTransaction for a transaction stopped already (another uniqueId: the charge
    point's own retry) is answered as any (OCPP 1.6 §4.10) and stores nothing."""
    transaction_id = (await cp.start_transaction(TAG))["transactionId"]
    first = stop(transaction_id, idTag=TAG, reason="EVDisconnected", transactionData=[SAMPLE])
    assert (await cp.request("StopTransaction", first))["idTagInfo"]["status"] == "Accepted"
    second = stop(transaction_id, idTag=TAG, meterStop=9999, transactionData=[SAMPLE, SAMPLE])
    assert (await cp.request("StopTransaction", second))["idTagInfo"]["status"] == "Accepted"
    record = csms.store.transaction(transaction_id)
    assert record is not None
    assert (record.meter_stop, record.stop_reason) == (2500, "EVDisconnected")
    assert len(csms.store.meter_values(transaction_id)) == 1


async def test_a_stop_transaction_without_a_reason_stopped_for_local(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    """OCPP 1.6 §6.49: the reason "MAY only be omitted when the Reason is Local"."""
    transaction_id = (await cp.start_transaction(TAG))["transactionId"]
    assert await cp.request("StopTransaction", stop(transaction_id)) == {}
    record = csms.store.transaction(transaction_id)
    assert record is not None and record.stop_reason == "Local"
    listed = await api_get(csms, "transactions")
    assert listed["transactions"][0]["stopReason"] == "Local"


async def test_one_transaction_runs_on_a_connector(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    """A StartTransaction on a connector where one still runs: the charge point lost that
    one; the CSMS closes it and starts the new one, answered as usual (OCPP 1.6 §4.8)."""
    lost = (await cp.start_transaction(TAG, 1))["transactionId"]
    other_connector = (await cp.start_transaction(TAG, 2))["transactionId"]
    later = {**STARTED, "meterStart": 1800, "timestamp": "2026-01-01T12:00:00Z"}
    answer = await cp.request("StartTransaction", later)
    assert answer["idTagInfo"]["status"] == "Accepted"
    running = csms.store.active_transaction("CP_1", 1)
    assert running is not None and running.id == answer["transactionId"] != lost
    record = csms.store.transaction(lost)
    assert record is not None
    assert (record.stop_timestamp, record.stop_reason, record.meter_stop) == (
        "2026-01-01T12:00:00Z",
        "Other",
        None,
    )
    still = csms.store.active_transaction("CP_1", 2)
    assert still is not None and still.id == other_connector
    # The lost transaction's StopTransaction, delivered late, still completes it, once.
    late = stop(lost, reason="PowerLoss", transactionData=[SAMPLE])
    assert await cp.request("StopTransaction", late) == {}
    assert await cp.request("StopTransaction", late) == {}
    record = csms.store.transaction(lost)
    assert record is not None
    assert (record.meter_stop, record.stop_reason) == (2500, "PowerLoss")
    assert len(csms.store.meter_values(lost)) == 1


async def test_meter_values_stay_with_the_charge_points_own_transactions(
    csms: ReferenceCsms, connect: ConnectChargePoint
) -> None:
    owner = await connect(csms.ocpp_url, "CP_A")
    other = await connect(csms.ocpp_url, "CP_B")
    theirs = (await owner.start_transaction(TAG))["transactionId"]
    meter = {"connectorId": 1, "transactionId": theirs, "meterValue": [SAMPLE]}
    assert await other.request("MeterValues", meter) == {}  # answered as any (§4.7)
    unknown = {**meter, "transactionId": 987654}
    assert await other.request("MeterValues", unknown) == {}
    assert csms.store.meter_values(theirs) == []
    stored = csms.store.meter_values()
    assert [(v.charge_point_id, v.transaction_id) for v in stored] == [("CP_B", None)] * 2
    # Its own transaction's values are stored under it, also once it stopped (delivered late).
    mine = (await other.start_transaction(TAG))["transactionId"]
    await other.request("StopTransaction", stop(mine))
    assert await other.request("MeterValues", {**meter, "transactionId": mine}) == {}
    assert len(csms.store.meter_values(mine)) == 1


async def test_a_stop_transaction_for_another_charge_points_transaction_stores_nothing(
    csms: ReferenceCsms, connect: ConnectChargePoint
) -> None:
    owner = await connect(csms.ocpp_url, "CP_A")
    other = await connect(csms.ocpp_url, "CP_B")
    theirs = (await owner.start_transaction(TAG))["transactionId"]
    assert await other.request("StopTransaction", stop(theirs, transactionData=[SAMPLE])) == {}
    assert csms.store.meter_values() == []
    active = csms.store.active_transaction("CP_A")
    assert active is not None and active.id == theirs


# -- a restart on the same database (no process killed) -----------------------------------
async def test_a_restarted_csms_goes_on_with_the_running_transaction(
    start_csms: StartCsms, connect: ConnectChargePoint
) -> None:
    csms = await start_csms()
    cp = await connect(csms.ocpp_url)
    await cp.boot()
    transaction_id = (await cp.start_transaction(TAG))["transactionId"]
    meter = {"connectorId": 1, "transactionId": transaction_id, "meterValue": [SAMPLE]}
    assert await cp.request("MeterValues", meter) == {}
    await csms.stop()  # mid-transaction: the connection closes with it
    await asyncio.wait_for(cp.websocket.wait_closed(), WAIT)

    again = await start_csms()  # the same database file
    record = again.store.transaction(transaction_id)
    assert record is not None and not record.stopped
    running = again.store.active_transaction("CP_1", 1)
    assert running is not None and running.id == transaction_id
    cp = await connect(again.ocpp_url)
    answer = await cp.request("StopTransaction", stop(transaction_id, idTag=TAG))
    assert answer["idTagInfo"]["status"] == "Accepted"
    record = again.store.transaction(transaction_id)
    assert record is not None and (record.meter_stop, record.stop_reason) == (2500, "Local")
    assert len(again.store.meter_values(transaction_id)) == 1
    # New transactions get new ids after the restart (AUTOINCREMENT).
    assert (await cp.start_transaction(TAG))["transactionId"] > transaction_id


# -- the bounds of what is remembered (sans I/O) ------------------------------------------
class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_answers_expire() -> None:
    clock = Clock()
    answers = RecentAnswers(clock=clock)
    digest = request_digest("StartTransaction", STARTED)
    answers.remember("CP", "1", "StartTransaction", digest, "[3,...]", connection=1)
    clock.now = ANSWER_TTL_S - 1
    assert answers.decide("CP", "1", "StartTransaction", digest, 2).replay == "[3,...]"
    clock.now = ANSWER_TTL_S + 1
    assert answers.decide("CP", "1", "StartTransaction", digest, 2).replay is None
    assert answers.answers("CP") == []


def test_each_charge_point_keeps_its_latest_answers() -> None:
    answers = RecentAnswers(clock=Clock())
    for number in range(MAX_ANSWERS_PER_CHARGE_POINT + 5):
        answers.remember("CP", str(number), "Authorize", "d", f"answer {number}", connection=1)
    kept = answers.answers("CP")
    assert len(kept) == MAX_ANSWERS_PER_CHARGE_POINT
    assert kept[0].text == "answer 5"
    assert answers.decide("OTHER", "6", "Authorize", "d", 1).replay is None


def test_the_least_recently_heard_charge_point_is_forgotten_first() -> None:
    answers = RecentAnswers(clock=Clock(), charge_points=2)
    for charge_point in ("A", "B"):
        answers.remember(charge_point, "1", "Authorize", "d", charge_point, connection=1)
    answers.remember("A", "2", "Authorize", "d", "A again", connection=1)
    answers.remember("C", "1", "Authorize", "d", "C", connection=1)
    assert [len(answers.answers(cp)) for cp in ("A", "B", "C")] == [2, 0, 1]


def test_the_digest_is_the_json_value() -> None:
    assert request_digest("A", {"x": 1, "y": [1, 2]}) == request_digest("A", {"y": [1, 2], "x": 1})
    assert request_digest("A", {"x": 1}) != request_digest("B", {"x": 1})
    assert request_digest("A", {"x": 1}) != request_digest("A", {"x": 2})
