"""Core profile: the requests a charge point sends (OCPP 1.6 §4).

Payloads reaching these handlers have passed the OCA request schema, so required fields
are present and typed.
"""

from __future__ import annotations

import logging
from typing import Any

from csms_under_test import faults, reservations
from csms_under_test.authorization import id_tag_info
from csms_under_test.handlers.base import NO_REPLY, CallContext, ErrorReply, Handler, NoReply
from csms_under_test.store import FIRMWARE, ConnectorStatusRecord
from ocppj import ErrorCode

logger = logging.getLogger(__name__)

# Vendors whose DataTransfer messages this CSMS understands (OCPP 1.6 §4.3): none yet.
KNOWN_VENDOR_IDS: frozenset[str] = frozenset()
# The stop reason of a transaction the CSMS closed because the charge point evidently lost it
# (OCPP 1.6 §7.36 Reason: Other, "any other reason").
LOST_TRANSACTION_REASON = "Other"


def boot_notification(ctx: CallContext, payload: dict[str, Any]) -> dict[str, Any]:
    """OCPP 1.6 §4.2: accept the charge point; interval is the heartbeat interval."""
    ctx.store.record_boot(
        ctx.charge_point_id,
        vendor=payload["chargePointVendor"],
        model=payload["chargePointModel"],
        serial_number=payload.get("chargePointSerialNumber", payload.get("chargeBoxSerialNumber")),
        firmware_version=payload.get("firmwareVersion"),
        at=ctx.timestamp,
    )
    # The store is read only for the faults that ask (every charge point boots at once when
    # a site's power comes back).
    rejected = (
        faults.REJECT_BOOT in ctx.faults
        or (
            faults.BOOT_REJECTED_WITH_OPEN_TRANSACTION in ctx.faults
            and ctx.store.active_transaction(ctx.charge_point_id) is not None
        )
        or (faults.BOOT_REJECTED_WHILE_INSTALLING in ctx.faults and _installing(ctx))
    )
    status = "Rejected" if rejected else "Accepted"
    return {"status": status, "currentTime": ctx.timestamp, "interval": ctx.heartbeat_interval}


def _installing(ctx: CallContext) -> bool:
    firmware = ctx.store.firmware_status(ctx.charge_point_id, FIRMWARE)
    return firmware is not None and firmware.status == "Installing"


def heartbeat(ctx: CallContext, payload: dict[str, Any]) -> dict[str, Any] | NoReply:
    """OCPP 1.6 §4.6: answer with the CSMS's current time."""
    ctx.store.record_heartbeat(ctx.charge_point_id, ctx.timestamp)
    if faults.HEARTBEAT_SILENT in ctx.faults:
        return NO_REPLY
    return {"currentTime": ctx.timestamp}


def status_notification(ctx: CallContext, payload: dict[str, Any]) -> dict[str, Any] | ErrorReply:
    """OCPP 1.6 §4.9: keep the latest status per connector and the history."""
    if faults.STATUS_FAULTED_CALLERROR in ctx.faults and payload["status"] == "Faulted":
        return ErrorReply(ErrorCode.INTERNAL_ERROR, "the CSMS failed to process StatusNotification")
    if faults.STATUS_UNAVAILABLE_CALLERROR in ctx.faults and payload["status"] == "Unavailable":
        return ErrorReply(ErrorCode.INTERNAL_ERROR, "the CSMS failed to process StatusNotification")
    if faults.STATUS_TRANSITION_CALLERROR in ctx.faults and payload["status"] == "Available":
        previous = {
            s.connector_id: s.status for s in ctx.store.connector_statuses(ctx.charge_point_id)
        }
        if previous.get(payload["connectorId"]) == "Preparing":
            return ErrorReply(
                ErrorCode.PROPERTY_CONSTRAINT_VIOLATION, "Preparing -> Available is not allowed"
            )
    ctx.store.record_status(
        ConnectorStatusRecord(
            charge_point_id=ctx.charge_point_id,
            connector_id=payload["connectorId"],
            status=payload["status"],
            error_code=payload["errorCode"],
            info=payload.get("info"),
            vendor_error_code=payload.get("vendorErrorCode"),
            timestamp=payload.get("timestamp"),
            received_at=ctx.timestamp,
        )
    )
    return {}


def authorize(ctx: CallContext, payload: dict[str, Any]) -> dict[str, Any]:
    """OCPP 1.6 §4.1."""
    if faults.AUTHORIZE_INVALID in ctx.faults:
        return {"idTagInfo": {"status": "Invalid"}}
    info = id_tag_info(ctx.store, payload["idTag"], ctx.received_at, ctx.faults)
    if info["status"] == "Accepted":
        ctx.authorized_id_tags.add(payload["idTag"])
    return {"idTagInfo": info}


def start_transaction(ctx: CallContext, payload: dict[str, Any]) -> dict[str, Any]:
    """OCPP 1.6 §4.8. A transactionId is returned even when the idTag is not Accepted:
    the charge point has started the transaction already (OCPP 1.6 §6.46).

    One transaction runs on a connector. A StartTransaction for a connector on which one is
    still open says the charge point lost that one (its StopTransaction never came, say
    after a power loss): the CSMS closes it (stopped when the new one started, reason Other,
    no meterStop; a StopTransaction for it that comes later still completes it) and starts
    the new one. Refusing is no option: §4.8 wants a StartTransaction.conf with a
    transactionId whatever the CSMS's sanity checks say, and ConcurrentTx (§7.2) is about
    the idTag, not the connector. The same StartTransaction sent again with its uniqueId
    never gets here: the server answers it as before (recent_answers)."""
    lost = ctx.store.close_lost_transactions(
        ctx.charge_point_id,
        connector_id=payload["connectorId"],
        timestamp=payload["timestamp"],
        reason=LOST_TRANSACTION_REASON,
    )
    if lost:
        logger.warning(
            "%s: StartTransaction on connector %s while transaction %s ran there: closed it",
            ctx.charge_point_id,
            payload["connectorId"],
            ", ".join(map(str, lost)),
        )
    transaction_id = ctx.store.start_transaction(
        ctx.charge_point_id,
        connector_id=payload["connectorId"],
        id_tag=payload["idTag"],
        meter_start=payload["meterStart"],
        timestamp=payload["timestamp"],
        reservation_id=payload.get("reservationId"),
    )
    if "reservationId" in payload:
        # OCPP 1.6 §5.13: the transaction uses the reservation; it is answered as usual either way.
        reservations.use_for_transaction(
            ctx.store,
            ctx.charge_point_id,
            reservation_id=payload["reservationId"],
            connector_id=payload["connectorId"],
            id_tag=payload["idTag"],
            transaction_id=transaction_id,
            now=ctx.received_at,
        )
    unauthorized = (
        faults.START_REQUIRES_AUTHORIZE in ctx.faults
        and payload["idTag"] not in ctx.authorized_id_tags
    )
    if faults.START_TRANSACTION_INVALID in ctx.faults or unauthorized:
        info: dict[str, Any] = {"status": "Invalid"}
    else:
        info = id_tag_info(ctx.store, payload["idTag"], ctx.received_at, ctx.faults)
        if (
            faults.START_TRANSACTION_ACCEPTS_UNKNOWN in ctx.faults
            and ctx.store.id_tag(payload["idTag"]) is None
        ):
            info = {"status": "Accepted"}
    return {"transactionId": transaction_id, "idTagInfo": info}


def stop_transaction(ctx: CallContext, payload: dict[str, Any]) -> dict[str, Any] | ErrorReply:
    """OCPP 1.6 §4.10. An unknown or already stopped transaction is answered normally: the
    charge point must be able to clear it from its queue (§4.10: no sanity check keeps the
    CSMS from answering StopTransaction.conf). Only the StopTransaction that stops the
    transaction stores its transactionData: one for a transaction stopped already (sent
    again), another charge point's or an unknown one stores nothing. Without a reason the
    transaction stopped for Local (§6.49: "MAY only be omitted when the Reason is Local")."""
    transaction_id: int = payload["transactionId"]
    id_tag: str | None = payload.get("idTag")
    reason = payload.get("reason", "Local")
    if faults.STOP_TRANSACTION_REASON_CALLERROR in ctx.faults and reason not in ("Local", "Remote"):
        return ErrorReply(ErrorCode.PROPERTY_CONSTRAINT_VIOLATION, f"unexpected reason {reason}")
    stopped = ctx.store.stop_transaction(
        transaction_id,
        charge_point_id=ctx.charge_point_id,
        meter_stop=payload["meterStop"],
        timestamp=payload["timestamp"],
        reason=reason,
        id_tag=id_tag,
    )
    transaction = ctx.store.transaction(transaction_id)
    if transaction is not None and transaction.charge_point_id != ctx.charge_point_id:
        transaction = None  # another charge point's: unknown to this one
    if not stopped:
        logger.warning(
            "%s: StopTransaction for %s transaction %s%s",
            ctx.charge_point_id,
            "an already stopped" if transaction else "an unknown",
            transaction_id,
            "; its transactionData is not stored" if payload.get("transactionData") else "",
        )
    elif payload.get("transactionData"):
        assert transaction is not None  # it was this charge point's, and is stopped now
        ctx.store.add_meter_values(
            ctx.charge_point_id,
            connector_id=transaction.connector_id,
            transaction_id=transaction_id,
            meter_values=payload["transactionData"],
            source="StopTransaction",
        )
    # idTagInfo is optional: a transaction may be stopped without an idTag (OCPP 1.6 §6.50).
    if id_tag is None:
        return {}
    return {"idTagInfo": id_tag_info(ctx.store, id_tag, ctx.received_at, ctx.faults)}


def meter_values(ctx: CallContext, payload: dict[str, Any]) -> dict[str, Any] | ErrorReply:
    """OCPP 1.6 §4.7: store every sampled value, under the transaction named when it is one
    of this charge point's. Values naming an unknown transaction or another charge point's
    are stored under none: they are still this connector's readings, and are answered as
    any (§4.7: no sanity check keeps the CSMS from answering MeterValues.conf)."""
    if faults.METER_VALUES_CALLERROR in ctx.faults:
        return ErrorReply(ErrorCode.INTERNAL_ERROR, "the CSMS failed to process MeterValues")
    transaction_id: int | None = payload.get("transactionId")
    if transaction_id is not None:
        owner = ctx.store.transaction_owner(transaction_id)
        if owner != ctx.charge_point_id:
            logger.warning(
                "%s: MeterValues for %s transaction %s: stored under no transaction",
                ctx.charge_point_id,
                "an unknown" if owner is None else "another charge point's",
                transaction_id,
            )
            transaction_id = None
    ctx.store.add_meter_values(
        ctx.charge_point_id,
        connector_id=payload["connectorId"],
        transaction_id=transaction_id,
        meter_values=payload["meterValue"],
        source="MeterValues",
    )
    return {}


def data_transfer(ctx: CallContext, payload: dict[str, Any]) -> dict[str, Any] | ErrorReply:
    """OCPP 1.6 §4.3: UnknownVendorId for a vendorId the CSMS does not know."""
    if faults.DATA_TRANSFER_CALLERROR in ctx.faults:
        return ErrorReply(ErrorCode.NOT_SUPPORTED, "DataTransfer is not supported")
    if payload["vendorId"] in KNOWN_VENDOR_IDS:
        return {"status": "UnknownMessageId"}  # a known vendor, but no message of it is handled
    return {"status": "UnknownVendorId"}


HANDLERS: dict[str, Handler] = {
    "Authorize": authorize,
    "BootNotification": boot_notification,
    "DataTransfer": data_transfer,
    "Heartbeat": heartbeat,
    "MeterValues": meter_values,
    "StartTransaction": start_transaction,
    "StatusNotification": status_notification,
    "StopTransaction": stop_transaction,
}
