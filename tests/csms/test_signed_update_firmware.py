"""The reference CSMS's side of SignedUpdateFirmware (Security whitepaper L01; catalog
TC_080_CSMS, TC_081_CSMS): the operator's request completed with a requestId, a retrieve
time and the CSMS's signed image, SignedFirmwareStatusNotification stored, and the faults
and variations of the two cases."""

from __future__ import annotations

from typing import Any

from csms_under_test import ReferenceCsms
from csms_under_test.files import SIGNED_FIRMWARE_NAME, signed_demo_firmware
from csms_under_test.security_requests import TRUNCATED_SIGNATURE_LENGTH
from csms_under_test.store import SIGNED_FIRMWARE
from ocppj import IncomingCallError
from simulator.firmware_signing import signing_material
from simulator.runner.matching import match

from .helpers import ConnectChargePoint, FakeChargePoint, StartCsms, operator_request

ACTION = "SignedUpdateFirmware"
ACCEPTED = {"status": "Accepted"}
MATERIAL = signing_material(signed_demo_firmware())
WHEN = "2026-12-01T10:00:00.000Z"


def asked(location: str, **firmware: Any) -> dict[str, Any]:
    return {
        "firmware": {
            "location": location,
            "signature": MATERIAL.signature,
            "signingCertificate": MATERIAL.signing_certificate,
            **firmware,
        }
    }


async def test_the_request_gets_a_request_id_and_a_retrieve_time(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    location = f"{csms.files_http_url}/firmware/{SIGNED_FIRMWARE_NAME}"
    first, reply = await operator_request(csms, cp, ACTION, asked(location), ACCEPTED)
    assert isinstance(first["requestId"], int)
    assert reply.body["request"] == first
    firmware = first["firmware"]
    assert {k: v for k, v in firmware.items() if k != "retrieveDateTime"} == asked(location)[
        "firmware"
    ]
    assert firmware["retrieveDateTime"].endswith("Z")
    second, _ = await operator_request(csms, cp, ACTION, asked(location), ACCEPTED)
    assert second["requestId"] != first["requestId"]
    given = {**asked(location, retrieveDateTime=WHEN), "requestId": 7, "retries": 2}
    sent, _ = await operator_request(csms, cp, ACTION, given, ACCEPTED)
    assert sent == given


async def test_the_default_location_is_the_signed_image_the_csms_serves(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    payload = {"firmware": {"signature": "AAAA", "signingCertificate": "x"}}
    sent, _ = await operator_request(csms, cp, ACTION, payload, ACCEPTED)
    assert sent["firmware"]["location"] == (
        f"{csms.files_http_url}/firmware/{SIGNED_FIRMWARE_NAME}"
    )
    assert csms.files.firmware(SIGNED_FIRMWARE_NAME) == signed_demo_firmware()


async def test_from_now_sets_the_nested_retrieve_time(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    body = {
        "fields": asked("http://files.example/fw.bin"),
        "fromNow": {"firmware.retrieveDateTime": 0},
    }
    sent, _ = await operator_request(csms, cp, ACTION, body, ACCEPTED)
    assert sent["firmware"]["retrieveDateTime"].endswith("Z")
    assert sent["firmware"]["location"] == "http://files.example/fw.bin"


async def test_signed_firmware_status_notification_is_stored(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    status = {"status": "SignatureVerified", "requestId": 3}
    assert await cp.request("SignedFirmwareStatusNotification", status) == {}
    record = csms.store.firmware_status("CP_1", SIGNED_FIRMWARE)
    assert record is not None and record.status == "SignatureVerified"


async def test_faults_change_what_is_sent(
    start_csms: StartCsms, connect: ConnectChargePoint
) -> None:
    csms = await start_csms(
        faults=[
            "signed-firmware-location-rewritten",
            "signed-firmware-signature-truncated",
            "signed-firmware-certificate-unarmoured",
        ]
    )
    cp = await connect(csms.ocpp_url)
    location = f"{csms.files_http_url}/firmware/{SIGNED_FIRMWARE_NAME}"
    sent, _ = await operator_request(csms, cp, ACTION, asked(location), ACCEPTED)
    firmware = sent["firmware"]
    assert firmware["location"] == f"{csms.ftp_url}/firmware/{SIGNED_FIRMWARE_NAME}"
    assert firmware["signature"] == MATERIAL.signature[:TRUNCATED_SIGNATURE_LENGTH]
    assert "-----" not in firmware["signingCertificate"]
    assert "\n" not in firmware["signingCertificate"]


async def test_fault_status_notification_not_implemented(
    start_csms: StartCsms, connect: ConnectChargePoint
) -> None:
    csms = await start_csms(faults=["signed-firmware-status-notification-not-implemented"])
    cp = await connect(csms.ocpp_url)
    outcome = await cp.call("SignedFirmwareStatusNotification", {"status": "Downloading"})
    assert isinstance(outcome, IncomingCallError)
    assert outcome.error.error_code == "NotImplemented"
    assert csms.store.firmware_status("CP_1", SIGNED_FIRMWARE) is None


async def test_variations_send_the_same_certificate_and_an_install_time(
    start_csms: StartCsms, connect: ConnectChargePoint
) -> None:
    csms = await start_csms(
        variations=["signed-firmware-crlf-certificate", "signed-firmware-install-date"]
    )
    cp = await connect(csms.ocpp_url)
    sent, _ = await operator_request(
        csms, cp, ACTION, asked("http://files.example/fw.bin", retrieveDateTime=WHEN), ACCEPTED
    )
    firmware = sent["firmware"]
    assert "\r\n" in firmware["signingCertificate"]
    assert (
        match({"$certificate": MATERIAL.signing_certificate}, firmware["signingCertificate"]) == []
    )
    assert firmware["installDateTime"] == WHEN


async def test_faults_for_the_other_answers_tc_080_checks(
    start_csms: StartCsms, connect: ConnectChargePoint
) -> None:
    csms = await start_csms(
        faults=["status-unavailable-callerror", "security-event-notification-not-implemented"]
    )
    cp = await connect(csms.ocpp_url)
    status = {"connectorId": 1, "errorCode": "NoError", "status": "Unavailable"}
    outcome = await cp.call("StatusNotification", status)
    assert isinstance(outcome, IncomingCallError)
    assert outcome.error.error_code == "InternalError"
    assert await cp.request("StatusNotification", {**status, "status": "Available"}) == {}
    event = {"type": "FirmwareUpdated", "timestamp": WHEN}
    outcome = await cp.call("SecurityEventNotification", event)
    assert isinstance(outcome, IncomingCallError)
    assert outcome.error.error_code == "NotImplemented"
