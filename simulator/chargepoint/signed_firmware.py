"""SignedUpdateFirmware at the charge point (Security whitepaper edition 3, L01; catalog
TC_080_CSMS, TC_081_CSMS), as an activity.

After answering Accepted the charge point waits for firmware.retrieveDateTime (capped like
UpdateFirmware's retrieveDate), reports Downloading, really downloads firmware.location
(with the request's retries and retryInterval) and reports Downloaded, or DownloadFailed.
It then really verifies the signature (chargepoint.firmware_signature). A signature that
verifies: SignatureVerified, every connector Unavailable, Installing (at installDateTime,
when given), InstallRebooting, a reboot (the WebSocket closed and reopened),
BootNotification, SecurityEventNotification FirmwareUpdated, every connector and 0
Available, Installed (TC_080). One that does not: InvalidSignature and the end (TC_081);
InvalidFirmwareSignature (L01.FR.03) goes to the security log only, as the TCD's tool
sends no SecurityEventNotification there (catalog TC_081 note). Every
SignedFirmwareStatusNotification carries the request's requestId (catalog §11.0 g).
"""

from __future__ import annotations

from typing import Any

from simulator.chargepoint.behaviour import availability_changed, restart
from simulator.chargepoint.firmware import image_version, transfer, wait_until
from simulator.chargepoint.firmware_signature import verify_signature
from simulator.chargepoint.model import ChargePoint
from simulator.chargepoint.plan import Activity, Download, Instruction, Send
from simulator.chargepoint.security_events import (
    FIRMWARE_UPDATED,
    INVALID_FIRMWARE_SIGNATURE,
    security_event,
)
from simulator.chargepoint.security_log import note_security_event


def signed_update_firmware(cp: ChargePoint, request: dict[str, Any]) -> Activity:
    """SignedUpdateFirmware accepted: download, verify, install, reboot, report each step."""
    given = request.get("firmware")
    firmware: dict[str, Any] = given if isinstance(given, dict) else {}
    request_id = request.get("requestId")
    location = str(firmware.get("location", ""))
    when = "SignedUpdateFirmware.firmware.retrieveDateTime"
    yield from wait_until(cp, firmware.get("retrieveDateTime"), when)
    yield _status("Downloading", request_id)
    image = yield from transfer(cp, request, Download(location))
    if image is None:
        yield _status("DownloadFailed", request_id)
        return
    yield _status("Downloaded", request_id)
    data = image.get("data")
    image_bytes = data if isinstance(data, bytes) else b""
    check = verify_signature(
        image_bytes, firmware.get("signature"), firmware.get("signingCertificate")
    )
    cp.signature_checks.append(check)
    cp.log(f"firmware signature of {location}: {check.detail}")
    if not check.ok:
        note_security_event(cp, INVALID_FIRMWARE_SIGNATURE, check.detail)
        yield _status("InvalidSignature", request_id)
        return
    yield _status("SignatureVerified", request_id)
    # The charge point is unavailable while it installs (catalog TC_080: Unavailable before step 9).
    yield from availability_changed(cp, 0, "Inoperative")
    when = "SignedUpdateFirmware.firmware.installDateTime"
    yield from wait_until(cp, firmware.get("installDateTime"), when)
    yield _status("Installing", request_id)
    if not image_bytes or cp.hardware.firmware_install_fails:
        cp.log(f"installing {location}: the image does not install")
        yield _status("InstallationFailed", request_id)
        return
    cp.firmware_version = image_version(location, cp.firmware_version)
    cp.log(f"installing {location}: ok, firmware {cp.firmware_version}")
    yield _status("InstallRebooting", request_id)

    def firmware_updated() -> Activity:
        installed = f"firmware {cp.firmware_version} installed"
        yield security_event(FIRMWARE_UPDATED, cp.timestamp(), installed)

    yield from restart(cp, "rebooting to install the signed firmware", after_boot=firmware_updated)
    yield _status("Installed", request_id)


def _status(status: str, request_id: Any) -> Instruction:
    fields: dict[str, Any] = {"status": status}
    if isinstance(request_id, int):
        fields["requestId"] = request_id
    return Send("SignedFirmwareStatusNotification", fields)
