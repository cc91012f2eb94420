"""The reference CSMS's side of Firmware Management (OCPP 1.6 §4.4, §4.5, §5.9, §5.19):
operator completion of UpdateFirmware and GetDiagnostics, and the two faults of the profile."""

from __future__ import annotations

import asyncio
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from csms_under_test import ReferenceCsms
from csms_under_test.files import DEMO_FIRMWARE_NAME, demo_firmware
from csms_under_test.store import DIAGNOSTICS, FIRMWARE
from csms_under_test.timestamps import parse_timestamp
from ocppj import IncomingCallError
from simulator.transfers import download

from .helpers import (
    OCPP_TIME,
    WAIT,
    ConnectChargePoint,
    FakeChargePoint,
    StartCsms,
    api_get,
    operator_request,
)

GIVEN_LOCATION = "https://firmware.example.com/images/fw-2.0.bin?token=abc"
GIVEN_DATE = "2026-11-24T10:00:00.000Z"


def _default_firmware(csms: ReferenceCsms) -> str:
    return f"{csms.files_http_url}/firmware/{DEMO_FIRMWARE_NAME}"


def _fetch(url: str, data: bytes | None = None, method: str = "GET") -> tuple[int, bytes]:
    """One blocking HTTP request (loopback, bounded); status and body."""
    request = urllib.request.Request(url, data=data, method=method)
    with urllib.request.urlopen(request, timeout=WAIT) as response:
        return response.status, response.read()


async def _with_fault(
    fault: str, start_csms: StartCsms, connect: ConnectChargePoint
) -> tuple[ReferenceCsms, FakeChargePoint]:
    csms = await start_csms(faults=[fault])
    return csms, await connect(csms.ocpp_url)


# -- UpdateFirmware (§5.19) -----------------------------------------------------------
async def test_update_firmware_defaults_to_the_demo_image_now(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    before = datetime.now(UTC)
    sent, reply = await operator_request(csms, cp, "UpdateFirmware", {}, {})
    assert set(sent) == {"location", "retrieveDate"}  # no retries / retryInterval
    assert sent["location"] == _default_firmware(csms)
    assert sent["location"].startswith("http://127.0.0.1:")
    assert OCPP_TIME.match(sent["retrieveDate"])
    retrieve = parse_timestamp(sent["retrieveDate"])
    assert retrieve is not None
    assert before - timedelta(seconds=1) <= retrieve <= datetime.now(UTC)
    assert (reply.status, reply.body) == (
        200,
        {"action": "UpdateFirmware", "request": sent, "response": {}},
    )


@pytest.mark.parametrize(
    "given",
    [
        {"location": GIVEN_LOCATION},
        {"retrieveDate": GIVEN_DATE},
        {"location": GIVEN_LOCATION, "retrieveDate": GIVEN_DATE, "retries": 3},
        {"location": GIVEN_LOCATION, "retrieveDate": GIVEN_DATE, "retryInterval": 30},
    ],
)
async def test_update_firmware_keeps_what_the_operator_gives(
    csms: ReferenceCsms, cp: FakeChargePoint, given: dict[str, Any]
) -> None:
    sent, reply = await operator_request(csms, cp, "UpdateFirmware", given, {})
    assert {key: sent[key] for key in given} == given
    assert sent["location"] == given.get("location", _default_firmware(csms))
    assert OCPP_TIME.match(sent["retrieveDate"])
    assert set(sent) == {"location", "retrieveDate"} | set(given)
    assert reply.body["request"] == sent


async def test_default_firmware_location_serves_the_demo_image(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    sent, _ = await operator_request(csms, cp, "UpdateFirmware", {}, {})
    status, body = await asyncio.to_thread(_fetch, sent["location"])
    assert (status, body) == (200, demo_firmware())


# -- GetDiagnostics (§5.9) ------------------------------------------------------------
async def test_get_diagnostics_defaults_to_the_upload_folder(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    sent, reply = await operator_request(csms, cp, "GetDiagnostics", {}, {"fileName": "diag-1.log"})
    assert sent == {"location": f"{csms.files_http_url}/diagnostics/"}
    assert reply.body == {
        "action": "GetDiagnostics",
        "request": sent,
        "response": {"fileName": "diag-1.log"},
    }
    # The charge point uploads to the location plus its file name.
    status, _ = await asyncio.to_thread(
        _fetch, sent["location"] + "diag-1.log", b"log lines\n", "PUT"
    )
    assert status == 201
    assert [stored.name for stored in csms.files.diagnostics()] == ["diag-1.log"]


async def test_get_diagnostics_keeps_what_the_operator_gives(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    options = {
        "retries": 2,
        "retryInterval": 10,
        "startTime": "2026-11-24T09:00:00.000Z",
        "stopTime": GIVEN_DATE,
    }
    sent, _ = await operator_request(csms, cp, "GetDiagnostics", options, {})
    assert sent == {**options, "location": f"{csms.files_http_url}/diagnostics/"}
    given = {"location": "ftp://user:pw@diag.example.com/upload/"}
    sent, _ = await operator_request(csms, cp, "GetDiagnostics", given, {})
    assert sent == given


# -- fault firmware-location-rewritten ------------------------------------------------
async def test_firmware_location_rewritten(
    start_csms: StartCsms, connect: ConnectChargePoint
) -> None:
    csms, cp = await _with_fault("firmware-location-rewritten", start_csms, connect)
    body = {"location": GIVEN_LOCATION, "retrieveDate": GIVEN_DATE}
    sent, reply = await operator_request(csms, cp, "UpdateFirmware", body, {})
    assert sent == {"location": f"{csms.ftp_url}/firmware/fw-2.0.bin", "retrieveDate": GIVEN_DATE}
    assert reply.body["request"] == sent
    # The default location is rewritten too: the same demo image, over FTP instead.
    sent, _ = await operator_request(csms, cp, "UpdateFirmware", {}, {})
    assert sent["location"] == f"{csms.ftp_url}/firmware/{DEMO_FIRMWARE_NAME}"
    assert await download(sent["location"], timeout=WAIT) == demo_firmware()
    # GetDiagnostics is not affected.
    sent, _ = await operator_request(csms, cp, "GetDiagnostics", {}, {})
    assert sent == {"location": f"{csms.files_http_url}/diagnostics/"}


# -- fault transfer-failure-unhandled -------------------------------------------------
@pytest.mark.parametrize(
    ("action", "kind", "progress", "failure"),
    [
        ("FirmwareStatusNotification", FIRMWARE, "Downloading", "DownloadFailed"),
        ("FirmwareStatusNotification", FIRMWARE, "Installing", "InstallationFailed"),
        ("DiagnosticsStatusNotification", DIAGNOSTICS, "Uploading", "UploadFailed"),
    ],
)
async def test_transfer_failure_unhandled(
    start_csms: StartCsms,
    connect: ConnectChargePoint,
    action: str,
    kind: str,
    progress: str,
    failure: str,
) -> None:
    csms, cp = await _with_fault("transfer-failure-unhandled", start_csms, connect)
    assert await cp.request(action, {"status": progress}) == {}
    outcome = await cp.call(action, {"status": failure})
    assert isinstance(outcome, IncomingCallError)
    assert outcome.error.error_code == "InternalError"
    assert outcome.error.error_description == f"unhandled status {failure}"
    record = csms.store.firmware_status("CP_1", kind)
    assert record is not None and record.status == progress  # the failure is not stored
    assert "currentTime" in await cp.request("Heartbeat", {})  # the connection is kept


@pytest.mark.parametrize(
    ("action", "kind", "status"),
    [
        ("FirmwareStatusNotification", FIRMWARE, "Downloaded"),
        ("FirmwareStatusNotification", FIRMWARE, "Installed"),
        ("DiagnosticsStatusNotification", DIAGNOSTICS, "Uploaded"),
        ("DiagnosticsStatusNotification", DIAGNOSTICS, "Idle"),
    ],
)
async def test_transfer_failure_unhandled_answers_other_statuses(
    start_csms: StartCsms, connect: ConnectChargePoint, action: str, kind: str, status: str
) -> None:
    csms, cp = await _with_fault("transfer-failure-unhandled", start_csms, connect)
    assert await cp.request(action, {"status": status}) == {}
    record = csms.store.firmware_status("CP_1", kind)
    assert record is not None and record.status == status


async def test_failure_statuses_are_stored_without_the_fault(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    for action, status in [
        ("FirmwareStatusNotification", "DownloadFailed"),
        ("FirmwareStatusNotification", "InstallationFailed"),
        ("DiagnosticsStatusNotification", "UploadFailed"),
    ]:
        assert await cp.request(action, {"status": status}) == {}
    (listed,) = (await api_get(csms, "chargepoints"))["chargePoints"]
    assert (listed["firmwareStatus"], listed["diagnosticsStatus"]) == (
        "InstallationFailed",
        "UploadFailed",
    )
