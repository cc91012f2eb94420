"""Firmware Management profile: the notifications a charge point sends (OCPP 1.6 §4.4, §4.5).

The CSMS keeps the latest status of each kind per charge point and answers ``{}``.
"""

from __future__ import annotations

from typing import Any

from csms_under_test import faults
from csms_under_test.handlers.base import CallContext, ErrorReply, Handler
from csms_under_test.store import DIAGNOSTICS, FIRMWARE
from simulator.ocppj import ErrorCode


def _not_implemented(ctx: CallContext, action: str) -> ErrorReply | None:
    if faults.FIRMWARE_STATUS_NOTIFICATION_NOT_IMPLEMENTED in ctx.faults:
        return ErrorReply(ErrorCode.NOT_IMPLEMENTED, f"{action} is not implemented by this CSMS")
    return None


def diagnostics_status_notification(
    ctx: CallContext, payload: dict[str, Any]
) -> dict[str, Any] | ErrorReply:
    """OCPP 1.6 §4.4: the progress of an upload asked for with GetDiagnostics."""
    error = _not_implemented(ctx, "DiagnosticsStatusNotification")
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
    error = _not_implemented(ctx, "FirmwareStatusNotification")
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
