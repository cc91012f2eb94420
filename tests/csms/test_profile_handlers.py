"""Firmware Management notifications and the Remote Trigger / availability requests
(OCPP 1.6 §4.4, §4.5, §5.2, §5.17)."""

from __future__ import annotations

from typing import Any

import pytest

from csms_under_test import ReferenceCsms
from csms_under_test.handlers import all_handlers
from csms_under_test.store import DIAGNOSTICS, FIRMWARE
from ocppj import IncomingCallError
from ocppj.actions import CHARGE_POINT_INITIATED

from .helpers import ConnectChargePoint, FakeChargePoint, StartCsms, api_get, operator_request

# Security whitepaper requests the CSMS does not answer yet (none: SignCertificate is TC_074).
NOT_YET_HANDLED: set[str] = set()


def test_every_charge_point_request_of_the_profiles_has_a_handler() -> None:
    assert set(all_handlers()) == CHARGE_POINT_INITIATED - NOT_YET_HANDLED


@pytest.mark.parametrize(
    ("action", "kind", "statuses"),
    [
        ("FirmwareStatusNotification", FIRMWARE, ["Downloading", "Downloaded", "Idle"]),
        ("DiagnosticsStatusNotification", DIAGNOSTICS, ["Uploading", "Idle"]),
    ],
)
async def test_firmware_notifications_keep_the_latest_status(
    csms: ReferenceCsms, cp: FakeChargePoint, action: str, kind: str, statuses: list[str]
) -> None:
    for status in statuses:
        assert await cp.request(action, {"status": status}) == {}
    record = csms.store.firmware_status("CP_1", kind)
    assert record is not None and record.status == statuses[-1]
    (listed,) = (await api_get(csms, "chargepoints"))["chargePoints"]
    field = "firmwareStatus" if kind == FIRMWARE else "diagnosticsStatus"
    other = "diagnosticsStatus" if kind == FIRMWARE else "firmwareStatus"
    assert (listed[field], listed[other]) == (statuses[-1], None)


async def test_firmware_status_is_per_charge_point(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    await cp.request("FirmwareStatusNotification", {"status": "Installed"})
    assert csms.store.firmware_status("CP_2", FIRMWARE) is None


async def test_bad_status_is_a_callerror(cp: FakeChargePoint) -> None:
    outcome = await cp.call("DiagnosticsStatusNotification", {"status": "Sleeping"})
    assert isinstance(outcome, IncomingCallError)


@pytest.mark.parametrize(
    "body",
    [
        {"requestedMessage": "MeterValues", "connectorId": 1},
        {"requestedMessage": "Heartbeat"},
        {"requestedMessage": "StatusNotification", "connectorId": 2},
        {"requestedMessage": "DiagnosticsStatusNotification"},
        {"requestedMessage": "FirmwareStatusNotification"},
        {"requestedMessage": "MeterValues", "connectorId": 3},  # beyond the connectors: as given
    ],
)
async def test_trigger_message_is_sent_as_given(
    csms: ReferenceCsms, cp: FakeChargePoint, body: dict[str, Any]
) -> None:
    sent, reply = await operator_request(csms, cp, "TriggerMessage", body, {"status": "Accepted"})
    assert sent == body and reply.body["request"] == body


@pytest.mark.parametrize(
    "body",
    [{"connectorId": 1, "type": "Inoperative"}, {"connectorId": 0, "type": "Operative"}],
)
async def test_change_availability_is_sent_as_given(
    csms: ReferenceCsms, cp: FakeChargePoint, body: dict[str, Any]
) -> None:
    sent, _ = await operator_request(csms, cp, "ChangeAvailability", body, {"status": "Accepted"})
    assert sent == body


async def test_trigger_flow_of_tc_054(csms: ReferenceCsms, cp: FakeChargePoint) -> None:
    """Each triggered message is answered (TC_054: MeterValues.conf included)."""
    await operator_request(
        csms,
        cp,
        "TriggerMessage",
        {"requestedMessage": "MeterValues", "connectorId": 1},
        {"status": "Accepted"},
    )
    meter_values = {
        "connectorId": 1,
        "meterValue": [{"timestamp": "2026-01-01T10:00:00.000Z", "sampledValue": [{"value": "1"}]}],
    }
    assert await cp.request("MeterValues", meter_values) == {}
    assert "currentTime" in await cp.request("Heartbeat", {})
    status = {"connectorId": 1, "status": "Available", "errorCode": "NoError"}
    assert await cp.request("StatusNotification", status) == {}
    assert await cp.request("DiagnosticsStatusNotification", {"status": "Idle"}) == {}
    assert await cp.request("FirmwareStatusNotification", {"status": "Idle"}) == {}


async def test_firmware_status_survives_a_restart(
    start_csms: StartCsms, connect: ConnectChargePoint
) -> None:
    csms = await start_csms()
    cp = await connect(csms.ocpp_url)
    await cp.request("FirmwareStatusNotification", {"status": "Installed"})
    await cp.close()
    await csms.stop()
    again = await start_csms()  # same db_path
    (listed,) = (await api_get(again, "chargepoints"))["chargePoints"]
    assert (listed["firmwareStatus"], listed["diagnosticsStatus"]) == ("Installed", None)
