"""Security whitepaper (edition 3) requests a charge point sends: SecurityEventNotification
(§8, the security log), SignedFirmwareStatusNotification (L01) and LogStatusNotification
(N01). The CSMS stores each and answers ``{}`` (the confs have no fields)."""

from __future__ import annotations

from typing import Any

from csms_under_test import faults
from csms_under_test.handlers.base import CallContext, ErrorReply, Handler
from csms_under_test.store import LOG, SIGNED_FIRMWARE, SecurityEventRecord
from ocppj import ErrorCode


def security_event_notification(
    ctx: CallContext, payload: dict[str, Any]
) -> dict[str, Any] | ErrorReply:
    """Whitepaper §8: one entry of the charge point's security log, kept as sent."""
    if faults.SECURITY_EVENT_NOTIFICATION_NOT_IMPLEMENTED in ctx.faults:
        return ErrorReply(ErrorCode.NOT_IMPLEMENTED, "SecurityEventNotification is not implemented")
    ctx.store.record_security_event(
        SecurityEventRecord(
            ctx.charge_point_id,
            payload["type"],
            payload["timestamp"],
            payload.get("techInfo"),
            ctx.timestamp,
        )
    )
    return {}


def signed_firmware_status_notification(
    ctx: CallContext, payload: dict[str, Any]
) -> dict[str, Any] | ErrorReply:
    """Whitepaper L01: the progress of a SignedUpdateFirmware."""
    if faults.SIGNED_FIRMWARE_STATUS_NOTIFICATION_NOT_IMPLEMENTED in ctx.faults:
        return ErrorReply(
            ErrorCode.NOT_IMPLEMENTED, "SignedFirmwareStatusNotification is not implemented"
        )
    ctx.store.record_firmware_status(
        ctx.charge_point_id, SIGNED_FIRMWARE, payload["status"], ctx.timestamp
    )
    return {}


def log_status_notification(
    ctx: CallContext, payload: dict[str, Any]
) -> dict[str, Any] | ErrorReply:
    """Whitepaper N01: the progress of a GetLog upload."""
    if faults.LOG_STATUS_NOTIFICATION_NOT_IMPLEMENTED in ctx.faults:
        return ErrorReply(ErrorCode.NOT_IMPLEMENTED, "LogStatusNotification is not implemented")
    ctx.store.record_firmware_status(ctx.charge_point_id, LOG, payload["status"], ctx.timestamp)
    return {}


HANDLERS: dict[str, Handler] = {
    "SecurityEventNotification": security_event_notification,
    "SignedFirmwareStatusNotification": signed_firmware_status_notification,
    "LogStatusNotification": log_status_notification,
}
