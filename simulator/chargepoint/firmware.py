"""Firmware Management at the charge point: UpdateFirmware (OCPP 1.6 §5.19, §4.5) and
GetDiagnostics (§5.9, §4.4), as activities.

The transfers are real: the activities yield Download / Upload and the runner moves the
bytes (simulator.transfers); every status notification reports what really happened
(catalog §5: TC_044_1 Downloading, Downloaded, Unavailable, Installing, boot, Available,
Installed; TC_044_2 DownloadFailed; TC_044_3 InstallationFailed; TC_045_x Uploading, then
Uploaded or UploadFailed).

Retries follow the request: ``retries`` more attempts after the first (none when absent),
``retryInterval`` seconds apart (none when absent). Waits for a ``retrieveDate`` or a
``retryInterval`` are capped by ``transfer_wait_cap`` (PICS waits.transfer_schedule_max), and
the cap is noted on the step.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from simulator.chargepoint.behaviour import availability_changed, restart
from simulator.chargepoint.diagnostics import TransferRecord, diagnostics_log
from simulator.chargepoint.model import ChargePoint, parse_timestamp
from simulator.chargepoint.plan import (
    Activity,
    Download,
    Instruction,
    Send,
    Upload,
    Wait,
)

FIRMWARE_VERSION_MAX = 50  # BootNotification.req firmwareVersion, CiString50Type


def update_firmware(cp: ChargePoint, request: dict[str, Any]) -> Activity:
    """UpdateFirmware: download at retrieveDate, install, reboot, report every step."""
    location = str(request.get("location", ""))
    yield from wait_until(cp, request.get("retrieveDate"), "UpdateFirmware.retrieveDate")
    yield _firmware_status("Downloading")
    image = yield from transfer(cp, request, Download(location))
    if image is None:
        yield _firmware_status("DownloadFailed")
        return
    yield _firmware_status("Downloaded")
    # OCPP 1.6 §5.19: the charge point is unavailable while it installs (catalog TC_044_1).
    yield from availability_changed(cp, 0, "Inoperative")
    yield _firmware_status("Installing")
    installs = bool(image.get("data")) and not cp.hardware.firmware_install_fails
    cp.log(f"installing {location}: {'ok' if installs else 'the image does not install'}")
    if installs:
        cp.firmware_version = image_version(location, cp.firmware_version)
    yield from restart(cp, "rebooting to install the firmware")
    yield _firmware_status("Installed" if installs else "InstallationFailed")


def upload_diagnostics(cp: ChargePoint, request: dict[str, Any], file_name: str) -> Activity:
    """GetDiagnostics: upload the log of [startTime, stopTime] as ``file_name``."""
    start, stop = (moment(request.get(key)) for key in ("startTime", "stopTime"))
    yield _diagnostics_status("Uploading")
    header = log_header(cp, "diagnostics", "GetDiagnostics (OCPP 1.6 §5.9)")
    data = diagnostics_log(header, cp.events, start, stop)
    uploaded = yield from transfer(
        cp, request, Upload(str(request.get("location", "")), file_name, data)
    )
    yield _diagnostics_status("Uploaded" if uploaded is not None else "UploadFailed")


def image_version(location: str, current: str) -> str:
    """The version a charge point reports after installing the image at ``location``: its
    file name without the extension (``.../vcp-1.1.0.bin`` -> ``vcp-1.1.0``)."""
    name = PurePosixPath(unquote(urlsplit(location).path)).stem
    return name[:FIRMWARE_VERSION_MAX] or current


# -- helpers ----------------------------------------------------------------------------
def log_header(cp: ChargePoint, what: str, written_for: str) -> list[str]:
    """The first lines of an uploaded log: which charge point, when, for which request."""
    return [
        f"{what} of charge point {cp.config.id} ({cp.config.vendor} {cp.config.model}, "
        f"serial {cp.config.serial_number}, firmware {cp.firmware_version})",
        f"written {cp.timestamp()} for {written_for}",
    ]


def _firmware_status(status: str) -> Instruction:
    return Send("FirmwareStatusNotification", {"status": status})


def _diagnostics_status(status: str) -> Instruction:
    return Send("DiagnosticsStatusNotification", {"status": status})


def moment(value: Any) -> datetime | None:
    """A request's timestamp field as a datetime; None when absent or not a timestamp."""
    try:
        return parse_timestamp(str(value)) if value is not None else None
    except ValueError:
        return None


def _capped_wait(cp: ChargePoint, seconds: float, why: str) -> Instruction:
    if seconds <= cp.transfer_wait_cap:
        return Wait(seconds, why)
    return Wait(
        cp.transfer_wait_cap,
        f"{why}: {seconds:g} s, capped by waits.transfer_schedule_max",
    )


def wait_until(cp: ChargePoint, value: Any, what: str) -> Activity:
    when = moment(value)
    if when is None:
        return
    remaining = (when - cp.clock.now()).total_seconds()
    if remaining > 0:
        yield _capped_wait(cp, remaining, f"until {what}")


def transfer(
    cp: ChargePoint, request: dict[str, Any], instruction: Download | Upload
) -> Generator[Instruction, dict[str, Any] | None, dict[str, Any] | None]:
    """Run a transfer with the request's retries; the successful result, or None."""
    retries, interval = request.get("retries"), request.get("retryInterval")
    attempts = 1 + (retries if isinstance(retries, int) and retries > 0 else 0)
    kind = "download" if isinstance(instruction, Download) else "upload"
    error = "not attempted"
    for attempt in range(1, attempts + 1):
        if attempt > 1 and isinstance(interval, int) and interval > 0:
            yield _capped_wait(cp, interval, f"retryInterval before attempt {attempt}")
        result = yield instruction
        if result is not None and result.get("ok"):
            data = instruction.data if isinstance(instruction, Upload) else result.get("data")
            moved = len(data) if isinstance(data, bytes) else 0
            record = TransferRecord(kind, instruction.url, True, attempt, f"{moved} bytes")
            cp.transfers.append(record)
            cp.log(record.describe())
            return result
        error = str((result or {}).get("error", "no result"))
        cp.log(f"{kind} attempt {attempt} of {attempts} failed: {error}")
    record = TransferRecord(kind, instruction.url, False, attempts, error)
    cp.transfers.append(record)
    cp.log(record.describe())
    return None
