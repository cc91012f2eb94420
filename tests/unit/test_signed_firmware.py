"""SignedUpdateFirmware at the charge point (Security whitepaper L01; catalog TC_080_CSMS,
TC_081_CSMS): the answer, then the notifications follow what the download and the real
signature check did, each with the request's requestId."""

from __future__ import annotations

from typing import Any

from simulator.chargepoint.reactions import reaction
from simulator.chargepoint.security_log import security_events
from simulator.firmware_signing import signing_material
from tests.unit.test_chargepoint_behaviour import drive, new_cp

IMAGE = b"signed image " * 100
LOCATION = "http://files.example/firmware/vcp-3.0-signed.bin"
NOW = "2026-01-01T12:00:00.123Z"  # the FakeClock's now
MATERIAL = signing_material(IMAGE)


def serve(data: bytes = IMAGE) -> Any:
    return lambda instruction: {"ok": True, "data": data}


def request(**firmware: Any) -> dict[str, Any]:
    return {
        "requestId": 42,
        "firmware": {
            "location": LOCATION,
            "retrieveDateTime": NOW,
            "signingCertificate": MATERIAL.signing_certificate,
            "signature": MATERIAL.signature,
            **firmware,
        },
    }


def update(cp: Any, files: Any, payload: dict[str, Any], **answers: Any) -> list[str]:
    answer = cp.answer("SignedUpdateFirmware", payload).payload
    assert answer == {"status": "Accepted"}
    activity = reaction(cp, "SignedUpdateFirmware", payload, answer)
    assert activity is not None
    return drive(cp, activity, files=files, answers=answers)


def signed_statuses(cp: Any) -> list[tuple[str, Any]]:
    sent = [e for _, e in cp.events if e.startswith("sent SignedFirmwareStatusNotification")]
    return [(e.split('"status":"')[1].split('"')[0], '"requestId":42' in e) for e in sent]


def test_a_signature_that_verifies_installs_and_reboots_as_tc_080() -> None:
    cp = new_cp()
    assert update(cp, serve(), request()) == [
        "SignedFirmwareStatusNotification(Downloading)",
        f"download {LOCATION}: ok",
        "SignedFirmwareStatusNotification(Downloaded)",
        "SignedFirmwareStatusNotification(SignatureVerified)",
        "StatusNotification(0:Unavailable)",
        "StatusNotification(1:Unavailable)",
        "StatusNotification(2:Unavailable)",
        "SignedFirmwareStatusNotification(Installing)",
        "SignedFirmwareStatusNotification(InstallRebooting)",
        "disconnect",
        "wait 10",
        "connect",
        "BootNotification",
        "SecurityEventNotification",
        "StatusNotification(0:Available)",
        "StatusNotification(1:Available)",
        "StatusNotification(2:Available)",
        "SignedFirmwareStatusNotification(Installed)",
    ]
    assert all(with_id for _, with_id in signed_statuses(cp))
    assert cp.build_request("BootNotification", {})["firmwareVersion"] == "vcp-3.0-signed"
    [check] = cp.signature_checks
    assert check.ok and check.scheme == "RSASSA-PSS"
    assert any("firmware signature of" in e and "RSASSA-PSS" in e for _, e in cp.events)
    [(_, event)] = list(security_events(cp.events))
    assert event.startswith("FirmwareUpdated: firmware vcp-3.0-signed installed")


def test_an_invalid_signature_stops_after_downloaded_as_tc_081() -> None:
    cp = new_cp()
    trace = update(cp, serve(), request(signature=MATERIAL.invalid_signature))
    assert trace == [
        "SignedFirmwareStatusNotification(Downloading)",
        f"download {LOCATION}: ok",
        "SignedFirmwareStatusNotification(Downloaded)",
        "SignedFirmwareStatusNotification(InvalidSignature)",
    ]
    assert signed_statuses(cp) == [
        ("Downloading", True),
        ("Downloaded", True),
        ("InvalidSignature", True),
    ]
    assert not cp.signature_checks[-1].ok
    # L01.FR.03's InvalidFirmwareSignature is logged, not sent (catalog TC_081 note).
    [(_, event)] = list(security_events(cp.events))
    assert event.startswith("InvalidFirmwareSignature: the signature does not verify")


def test_another_image_does_not_verify() -> None:
    cp = new_cp()
    trace = update(cp, serve(b"another image"), request())
    assert trace[-1] == "SignedFirmwareStatusNotification(InvalidSignature)"


def test_a_failed_download_is_retried_then_download_failed() -> None:
    cp = new_cp()
    payload = {**request(), "retries": 1, "retryInterval": 3}
    assert update(cp, None, payload) == [
        "SignedFirmwareStatusNotification(Downloading)",
        f"download {LOCATION}: failed",
        "wait 3",
        f"download {LOCATION}: failed",
        "SignedFirmwareStatusNotification(DownloadFailed)",
    ]
    assert cp.signature_checks == []


def test_retrieve_and_install_times_are_waited_for_capped() -> None:
    cp = new_cp()
    later = request(
        retrieveDateTime="2026-01-01T12:00:20.123Z", installDateTime="2026-01-01T13:00:00.123Z"
    )
    trace = update(cp, serve(), later)
    assert trace[0] == "wait 20"
    installing = trace.index("SignedFirmwareStatusNotification(Installing)")
    assert trace[installing - 1] == "wait 60"  # the cap (PICS waits.transfer_schedule_max)


def test_an_install_that_fails_reports_installation_failed_without_a_reboot() -> None:
    cp = new_cp(firmware_install_fails=True)
    trace = update(cp, serve(), request())
    assert trace[-2:] == [
        "SignedFirmwareStatusNotification(Installing)",
        "SignedFirmwareStatusNotification(InstallationFailed)",
    ]
    assert "disconnect" not in trace


def test_a_signing_certificate_that_is_no_certificate_is_invalid_certificate() -> None:
    cp = new_cp()
    bare = "".join(line for line in MATERIAL.signing_certificate.splitlines() if "---" not in line)
    payload = request(signingCertificate=bare)
    answer = cp.answer("SignedUpdateFirmware", payload).payload
    assert answer == {"status": "InvalidCertificate"}
    assert reaction(cp, "SignedUpdateFirmware", payload, answer) is None
    assert cp.answer("SignedUpdateFirmware", {"requestId": 1}).payload == {
        "status": "InvalidCertificate"
    }
