"""Exactly once: what a charge point sends again is stored once (issue 16, item 5).

A repeated StopTransaction stores nothing twice; one transaction runs on a connector; meter
values stay with the charge point's own transactions; OCPP's defaults are stored; and a
CSMS restarted on its database goes on with the transaction it had.
"""

from __future__ import annotations

import asyncio
from typing import Any

from csms_under_test import ReferenceCsms

from .helpers import WAIT, ConnectChargePoint, FakeChargePoint, StartCsms, api_get

TAG = "TAG-VALID-0001"  # accepted in the harness's default seed
STARTED = {"connectorId": 1, "idTag": TAG, "meterStart": 1000, "timestamp": "2026-01-01T10:00:00Z"}
SAMPLE = {"timestamp": "2026-01-01T10:30:00Z", "sampledValue": [{"value": "1500"}]}


def stop(transaction_id: int, **extra: Any) -> dict[str, Any]:
    return {
        "transactionId": transaction_id,
        "meterStop": 2500,
        "timestamp": "2026-01-01T11:00:00Z",
        **extra,
    }


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
