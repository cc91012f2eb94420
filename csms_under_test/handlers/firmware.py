"""Firmware Management profile: the notifications a charge point sends (OCPP 1.6 §4.4, §4.5).

The CSMS keeps the latest status of each kind per charge point and answers ``{}``. Two
faults answer a CALLERROR instead, and then nothing is stored:
``firmware-status-notification-not-implemented`` (every status) and
``transfer-failure-unhandled`` (the failure statuses in :data:`FAILURE_STATUSES`).
"""

from __future__ import annotations

from typing import Any

from csms_under_test import faults
from csms_under_test.handlers.base import CallContext, ErrorReply, Handler
from csms_under_test.store import DIAGNOSTICS, FIRMWARE
from ocppj import ErrorCode

# The statuses that report a failed upload (§4.4) or a failed download or installation
# (§4.5), per notification.
FAILURE_STATUSES: dict[str, frozenset[str]] = {
    "DiagnosticsStatusNotification": frozenset({"UploadFailed"}),
    "FirmwareStatusNotification": frozenset({"DownloadFailed", "InstallationFailed"}),
}


def _fault_error(ctx: CallContext, action: str, status: Any) -> ErrorReply | None:
    """The CALLERROR a fault answers ``action`` with, if any."""
    if faults.FIRMWARE_STATUS_NOTIFICATION_NOT_IMPLEMENTED in ctx.faults:
        return ErrorReply(ErrorCode.NOT_IMPLEMENTED, f"{action} is not implemented by this CSMS")
    if faults.TRANSFER_FAILURE_UNHANDLED in ctx.faults and status in FAILURE_STATUSES[action]:
        return ErrorReply(ErrorCode.INTERNAL_ERROR, f"unhandled status {status}")
    return None


def diagnostics_status_notification(
    ctx: CallContext, payload: dict[str, Any]
) -> dict[str, Any] | ErrorReply:
    """OCPP 1.6 §4.4: the progress of an upload asked for with GetDiagnostics."""
    error = _fault_error(ctx, "DiagnosticsStatusNotification", payload["status"])
    if error is not None:
        return error
    ctx.store.record_firmware_status(
        ctx.charge_point_id, DIAGNOSTICS, payload["status"], ctx.timestamp
    )
    return {}


def firmware_status_notification(
    ctx: CallContext, payload: dict[str, Any]
) -> dict[str, Any] | ErrorReply:
    """OCPP 1.6 §4.5: the progress of a firmware update asked for with UpdateFirmware."""
    error = _fault_error(ctx, "FirmwareStatusNotification", payload["status"])
    if error is not None:
        return error
    ctx.store.record_firmware_status(
        ctx.charge_point_id, FIRMWARE, payload["status"], ctx.timestamp
    )
    return {}


HANDLERS: dict[str, Handler] = {
    "DiagnosticsStatusNotification": diagnostics_status_notification,
    "FirmwareStatusNotification": firmware_status_notification,
}
