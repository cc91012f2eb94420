"""Core profile requests against a running reference CSMS (OCPP 1.6 §4)."""

from __future__ import annotations

import pytest

from csms_under_test import ReferenceCsms
from ocppj import ErrorCode, IncomingCallError
from simulator.bundled_seed import EXPIRED_TAG_EXPIRY
from simulator.config import IdTags

from .helpers import OCPP_TIME, ConnectChargePoint, FakeChargePoint, StartCsms

TAGS = IdTags()


async def test_boot_notification_accepted_and_stored(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    answer = await cp.request(
        "BootNotification",
        {
            "chargePointVendor": "TestVendor",
            "chargePointModel": "TestModel",
            "chargePointSerialNumber": "SN-1",
            "firmwareVersion": "9.9",
        },
    )
    assert answer["status"] == "Accepted"
    assert answer["interval"] == csms.heartbeat_interval
    assert OCPP_TIME.match(answer["currentTime"])
    record = csms.store.charge_point("CP_1")
    assert record is not None
    assert (record.vendor, record.model, record.serial_number, record.firmware_version) == (
        "TestVendor",
        "TestModel",
        "SN-1",
        "9.9",
    )
    assert record.last_boot == answer["currentTime"]


async def test_heartbeat_interval_comes_from_the_csms(
    start_csms: StartCsms, connect: ConnectChargePoint
) -> None:
    csms = await start_csms(heartbeat_interval=7)
    cp = await connect(csms.ocpp_url)
    assert (await cp.boot())["interval"] == 7


async def test_heartbeat_answers_current_time(csms: ReferenceCsms, cp: FakeChargePoint) -> None:
    answer = await cp.request("Heartbeat", {})
    assert OCPP_TIME.match(answer["currentTime"])
    record = csms.store.charge_point("CP_1")
    assert record is not None and record.last_heartbeat == answer["currentTime"]


async def test_status_notification_keeps_latest_and_history(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    for status in ("Available", "Preparing", "Charging"):
        answer = await cp.request(
            "StatusNotification", {"connectorId": 1, "status": status, "errorCode": "NoError"}
        )
        assert answer == {}
    await cp.request(
        "StatusNotification", {"connectorId": 0, "status": "Available", "errorCode": "NoError"}
    )
    latest = {s.connector_id: s.status for s in csms.store.connector_statuses("CP_1")}
    assert latest == {0: "Available", 1: "Charging"}
    history = [s.status for s in csms.store.status_history("CP_1") if s.connector_id == 1]
    assert history == ["Available", "Preparing", "Charging"]


@pytest.mark.parametrize(
    ("id_tag", "expected"),
    [
        (TAGS.valid, {"status": "Accepted", "parentIdTag": TAGS.parent}),
        (TAGS.parent, {"status": "Accepted"}),
        (TAGS.same_parent, {"status": "Accepted", "parentIdTag": TAGS.parent}),
        (TAGS.invalid, {"status": "Invalid"}),
        (TAGS.blocked, {"status": "Blocked"}),
        (TAGS.expired, {"status": "Expired", "expiryDate": EXPIRED_TAG_EXPIRY}),
        (TAGS.valid.lower(), {"status": "Accepted", "parentIdTag": TAGS.parent}),
    ],
    ids=["valid", "parent", "same-parent", "unknown", "blocked", "expired", "case-insensitive"],
)
async def test_authorize_status_from_the_store(
    cp: FakeChargePoint, id_tag: str, expected: dict[str, str]
) -> None:
    answer = await cp.request("Authorize", {"idTag": id_tag})
    assert answer == {"idTagInfo": expected}


async def test_start_and_stop_transaction(csms: ReferenceCsms, cp: FakeChargePoint) -> None:
    await cp.boot()
    started = await cp.request(
        "StartTransaction",
        {
            "connectorId": 1,
            "idTag": TAGS.valid,
            "meterStart": 1000,
            "timestamp": "2026-01-01T10:00:00.000Z",
            "reservationId": 42,
        },
    )
    assert started["idTagInfo"]["status"] == "Accepted"
    transaction_id = started["transactionId"]
    active = csms.store.active_transaction("CP_1", 1)
    assert active is not None and active.id == transaction_id
    assert (active.id_tag, active.meter_start, active.reservation_id) == (TAGS.valid, 1000, 42)

    await cp.request(
        "MeterValues",
        {
            "connectorId": 1,
            "transactionId": transaction_id,
            "meterValue": [
                {
                    "timestamp": "2026-01-01T10:05:00.000Z",
                    "sampledValue": [
                        {"value": "1500", "measurand": "Energy.Active.Import.Register"},
                        {"value": "7.2", "measurand": "Power.Active.Import", "unit": "kW"},
                    ],
                }
            ],
        },
    )
    stopped = await cp.request(
        "StopTransaction",
        {
            "transactionId": transaction_id,
            "idTag": TAGS.valid,
            "meterStop": 2500,
            "timestamp": "2026-01-01T11:00:00.000Z",
            "reason": "Local",
            "transactionData": [
                {"timestamp": "2026-01-01T11:00:00.000Z", "sampledValue": [{"value": "2500"}]}
            ],
        },
    )
    assert stopped == {"idTagInfo": {"status": "Accepted", "parentIdTag": TAGS.parent}}
    assert csms.store.active_transaction("CP_1") is None
    record = csms.store.transaction(transaction_id)
    assert record is not None
    assert (record.meter_stop, record.stop_timestamp, record.stop_reason) == (
        2500,
        "2026-01-01T11:00:00.000Z",
        "Local",
    )
    values = csms.store.meter_values(transaction_id)
    assert [(v.value, v.source) for v in values] == [
        ("1500", "MeterValues"),
        ("7.2", "MeterValues"),
        ("2500", "StopTransaction"),
    ]
    assert values[1].unit == "kW" and values[2].connector_id == 1


async def test_start_transaction_not_accepted_still_gets_a_transaction_id(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    answer = await cp.start_transaction(TAGS.blocked)
    assert answer["idTagInfo"] == {"status": "Blocked"}
    assert csms.store.transaction(answer["transactionId"]) is not None


async def test_transaction_ids_are_new_each_time(cp: FakeChargePoint) -> None:
    first = (await cp.start_transaction(TAGS.valid, 1))["transactionId"]
    second = (await cp.start_transaction(TAGS.valid, 2))["transactionId"]
    assert second > first


async def test_stop_transaction_without_id_tag_has_no_id_tag_info(cp: FakeChargePoint) -> None:
    transaction_id = (await cp.start_transaction(TAGS.valid))["transactionId"]
    answer = await cp.request(
        "StopTransaction",
        {"transactionId": transaction_id, "meterStop": 1, "timestamp": "2026-01-01T11:00:00Z"},
    )
    assert answer == {}


async def test_stop_transaction_for_unknown_transaction_is_answered(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    answer = await cp.request(
        "StopTransaction",
        {
            "transactionId": 987654,
            "idTag": TAGS.valid,
            "meterStop": 1,
            "timestamp": "2026-01-01T11:00:00.000Z",
        },
    )
    assert answer["idTagInfo"]["status"] == "Accepted"
    assert csms.store.transaction(987654) is None


async def test_stop_transaction_twice_keeps_the_first_stop(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    transaction_id = (await cp.start_transaction(TAGS.valid))["transactionId"]
    for meter_stop in (2000, 3000):
        await cp.request(
            "StopTransaction",
            {
                "transactionId": transaction_id,
                "meterStop": meter_stop,
                "timestamp": "2026-01-01T11:00:00.000Z",
            },
        )
    record = csms.store.transaction(transaction_id)
    assert record is not None and record.meter_stop == 2000


async def test_data_transfer_unknown_vendor(cp: FakeChargePoint) -> None:
    answer = await cp.request("DataTransfer", {"vendorId": "com.example", "messageId": "x"})
    assert answer == {"status": "UnknownVendorId"}


async def test_request_without_handler_is_not_implemented(cp: FakeChargePoint) -> None:
    outcome = await cp.call("NoSuchAction", {})
    assert isinstance(outcome, IncomingCallError)
    assert outcome.error.error_code == ErrorCode.NOT_IMPLEMENTED


async def test_security_notifications_are_stored(cp: FakeChargePoint, csms: ReferenceCsms) -> None:
    event = {"type": "FirmwareUpdated", "timestamp": "2026-01-01T10:00:00.000Z", "techInfo": "v2"}
    assert await cp.request("SecurityEventNotification", event) == {}
    assert await cp.request("LogStatusNotification", {"status": "Uploading", "requestId": 1}) == {}
    assert await cp.request("SignedFirmwareStatusNotification", {"status": "Downloaded"}) == {}
    [stored] = csms.store.security_events()
    assert (stored.type, stored.timestamp, stored.tech_info) == (
        "FirmwareUpdated",
        "2026-01-01T10:00:00.000Z",
        "v2",
    )
    log = csms.store.firmware_status(stored.charge_point_id, "log")
    signed = csms.store.firmware_status(stored.charge_point_id, "signed_firmware")
    assert log is not None and log.status == "Uploading"
    assert signed is not None and signed.status == "Downloaded"


async def test_stop_transaction_of_another_charge_point_leaves_it_running(
    csms: ReferenceCsms, connect: ConnectChargePoint
) -> None:
    owner = await connect(csms.ocpp_url, "CP_A")
    other = await connect(csms.ocpp_url, "CP_B")
    transaction_id = (await owner.start_transaction(TAGS.valid))["transactionId"]
    answer = await other.request(
        "StopTransaction",
        {"transactionId": transaction_id, "meterStop": 1, "timestamp": "2026-01-01T11:00:00Z"},
    )
    assert answer == {}
    active = csms.store.active_transaction("CP_A")
    assert active is not None and active.id == transaction_id
