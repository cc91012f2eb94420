"""Charge point behaviour as activities: what the charge point does when the driver, the EV
or the grid acts (the OCTT scenarios' [bracketed] actions) and how it reacts to CSMS
requests it accepted. Each activity yields Send / Wait / Disconnect / Connect and receives
the CSMS's answers; the message orders follow the catalog's sequences.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simulator.chargepoint.authorization_key import decoded_password
from simulator.chargepoint.certificates import use_hash_algorithm
from simulator.chargepoint.model import ChargePoint, QueuedMessage
from simulator.chargepoint.plan import Activity, Connect, Disconnect, Send, Wait


def report_status(
    cp: ChargePoint, connector_id: int, status: str, error_code: str = "NoError"
) -> Activity:
    """A status change: sent, or while offline only remembered (the latest status is
    reported after the reconnect)."""
    connector = cp.connectors[connector_id]
    if cp.offline:
        connector.status, connector.error_code = status, error_code
        return
    fields = {"connectorId": connector_id, "status": status, "errorCode": error_code}
    yield Send("StatusNotification", fields)


def _accepted(answer: dict[str, Any] | None) -> bool:
    info = answer.get("idTagInfo") if answer else None
    return isinstance(info, dict) and info.get("status") == "Accepted"


def _transaction_message(cp: ChargePoint, action: str, fields: dict[str, Any]) -> Activity:
    """Send a transaction message, or queue it while offline (OCPP 1.6 §3.5: transaction
    messages are delivered in order once the connection is back)."""
    if cp.offline:
        cp.queue_message(action, fields)
        return
    yield Send(action, fields)


# -- the driver and the EV --------------------------------------------------------------
def start_transaction(cp: ChargePoint, connector_id: int, id_tag: str) -> Activity:
    """StartTransaction, then Charging; StopTransactionOnInvalidId stops a transaction the
    CSMS did not accept (OCPP 1.6 §4.8, §9.1)."""
    fields = {"connectorId": connector_id, "idTag": id_tag}
    if cp.offline:
        cp.start_offline_transaction(connector_id, id_tag)  # queued StartTransaction
        yield from report_status(cp, connector_id, "Charging")
        return
    answer = yield Send("StartTransaction", fields)
    yield from report_status(cp, connector_id, "Charging")
    transaction = cp.transaction_on(connector_id)
    if (
        answer is not None
        and not _accepted(answer)
        and transaction
        and cp.flag("StopTransactionOnInvalidId")
    ):
        yield Send(
            "StopTransaction",
            {"transactionId": transaction.transaction_id, "reason": "DeAuthorized"},
        )
        yield from report_status(cp, connector_id, "Finishing")


def plug_in(cp: ChargePoint, connector_id: int) -> Activity:
    """[plug in]: Preparing; a transaction starts when the driver was already authorized."""
    connector = cp.connectors[connector_id]
    connector.plugged = True
    if cp.hardware.lock_fails:
        # TC_024: the connector cannot lock the cable.
        yield from report_status(cp, connector_id, "Faulted", "ConnectorLockFailure")
        return
    if connector.status != "Preparing":
        yield from report_status(cp, connector_id, "Preparing")
    if connector.pending_id_tag is not None:
        id_tag, connector.pending_id_tag = connector.pending_id_tag, None
        yield from start_transaction(cp, connector_id, id_tag)


def present_id_tag(cp: ChargePoint, connector_id: int, id_tag: str) -> Activity:
    """[present idTag]: authorize from the cache (LocalPreAuthorize, OCPP 1.6 §3.5.1), offline
    (LocalAuthorizeOffline, AllowOfflineTxForUnknownId) or with Authorize; then start when
    the cable is in, else Preparing until it is (or ConnectionTimeOut passes)."""
    connector = cp.connectors[connector_id]
    if cp.transaction_on(connector_id) is not None and not cp.offline:
        yield from _present_during_transaction(cp, connector_id, id_tag)
        return
    if cp.offline:
        authorized = cp.authorized_offline(id_tag)
    elif cp.known_locally(id_tag) and cp.flag("LocalPreAuthorize"):
        authorized = True
    else:
        authorized = _accepted((yield Send("Authorize", {"idTag": id_tag})))
    if not authorized:
        return
    if connector.plugged:
        yield from start_transaction(cp, connector_id, id_tag)
    else:
        connector.pending_id_tag = id_tag
        yield from report_status(cp, connector_id, "Preparing")


def _present_during_transaction(cp: ChargePoint, connector_id: int, id_tag: str) -> Activity:
    """An idTag presented during a transaction stops it when it is the one that started it,
    or, once Authorize says so, one with the same parentIdTag (OCPP 1.6 §3.4, TC_053)."""
    transaction = cp.transaction_on(connector_id)
    assert transaction is not None
    if id_tag != transaction.id_tag:
        answer = yield Send("Authorize", {"idTag": id_tag})
        info = (answer or {}).get("idTagInfo") or {}
        parent = info.get("parentIdTag")
        if (
            info.get("status") != "Accepted"
            or parent is None
            or parent != transaction.parent_id_tag
        ):
            return
    fields = {"transactionId": transaction.transaction_id, "idTag": id_tag, "reason": "Local"}
    yield Send("StopTransaction", fields)
    yield from report_status(cp, connector_id, "Finishing")


def connection_timeout(cp: ChargePoint, connector_id: int) -> Activity:
    """No cable within ConnectionTimeOut after authorization: back to Available (TC_004_2,
    TC_011_2; OCPP 1.6 §9.1 ConnectionTimeOut)."""
    yield Wait(float(cp.configuration["ConnectionTimeOut"].value), "ConnectionTimeOut")
    connector = cp.connectors[connector_id]
    if not connector.plugged and connector.pending_id_tag is not None:
        connector.pending_id_tag = None
        yield from report_status(cp, connector_id, "Available")


def ev_disconnect(cp: ChargePoint, connector_id: int) -> Activity:
    """[EV side disconnected] (TC_005_1): SuspendedEV, and with
    StopTransactionOnEVSideDisconnect the transaction stops (EVDisconnected), Finishing."""
    transaction = cp.transaction_on(connector_id)
    yield from report_status(cp, connector_id, "SuspendedEV")
    if transaction is not None and cp.flag("StopTransactionOnEVSideDisconnect"):
        fields = {"transactionId": transaction.transaction_id, "reason": "EVDisconnected"}
        yield from _transaction_message(cp, "StopTransaction", fields)
        yield from report_status(cp, connector_id, "Finishing")


def unplug(cp: ChargePoint, connector_id: int) -> Activity:
    """[cable removed at the charge point]: Available again."""
    cp.connectors[connector_id].plugged = False
    yield from report_status(cp, connector_id, "Available")


def stop_locally(cp: ChargePoint, connector_id: int) -> Activity:
    """[the driver stops at the charge point]: StopTransaction reason Local, Finishing."""
    transaction = cp.transaction_on(connector_id)
    if transaction is None:
        return
    fields = {"transactionId": transaction.transaction_id, "reason": "Local"}
    yield from _transaction_message(cp, "StopTransaction", fields)
    if cp.offline:
        cp.end_transaction(transaction.transaction_id, cp.meter_wh(connector_id))
    yield from report_status(cp, connector_id, "Finishing")


# -- power and connectivity -------------------------------------------------------------
def boot(
    cp: ChargePoint, statuses: dict[int, str], after_boot: Callable[[], Activity] | None = None
) -> Activity:
    """Connect, BootNotification, ``after_boot`` (what the charge point reports first, e.g.
    SecurityEventNotification FirmwareUpdated, TC_080), then every connector's status."""
    # In a profile just raised the CSMS must take the connection (TC_083 step 6).
    raised, cp.profile_raised = cp.profile_raised, False
    yield Connect("the charge point is back", csms_decides=raised)
    yield Send("BootNotification", {})
    if after_boot is not None:
        yield from after_boot()
    for connector_id in range(cp.config.connectors + 1):
        yield from report_status(cp, connector_id, statuses.get(connector_id, "Available"))


def restart(
    cp: ChargePoint,
    why: str,
    statuses: dict[int, str] | None = None,
    *,
    keep_transactions: bool = False,
    after_boot: Callable[[], Activity] | None = None,
) -> Activity:
    """Drop the connection, restart, reconnect and boot; ``statuses`` for connectors that
    are not Available afterwards; ``after_boot`` runs between BootNotification and them."""
    yield Disconnect(why)
    cp.restart(keep_transactions=keep_transactions)
    yield Wait(cp.reboot_time, "the charge point restarts")
    yield from boot(cp, statuses or {}, after_boot)


def reboot(cp: ChargePoint, kind: str) -> Activity:
    """Reset Hard / Soft (OCPP 1.6 §5.14): stop every transaction with reason HardReset or
    SoftReset, restart, BootNotification, every connector Available."""
    reason = "HardReset" if kind == "Hard" else "SoftReset"
    for transaction in list(cp.transactions.values()):
        yield Send(
            "StopTransaction", {"transactionId": transaction.transaction_id, "reason": reason}
        )
    yield from restart(cp, f"{kind} reset")


def power_loss(cp: ChargePoint) -> Activity:
    """[power off / on] with transactions running (TC_032_1): boot, the connector that had a
    transaction Finishing, the others Available, then StopTransaction reason PowerLoss."""
    running = list(cp.transactions.values())
    finishing = {t.connector_id: "Finishing" for t in running}
    yield from restart(cp, "power cut", finishing, keep_transactions=True)
    for transaction in running:
        yield Send(
            "StopTransaction", {"transactionId": transaction.transaction_id, "reason": "PowerLoss"}
        )


def go_offline(cp: ChargePoint) -> Activity:
    """[connectivity removed]: the connection drops; transaction messages are queued."""
    cp.offline = True
    yield Disconnect("connectivity removed")


def come_online(cp: ChargePoint) -> Activity:
    """[connectivity restored]: reconnect and deliver the queue in order (OCPP 1.6 §3.5),
    then report the connectors whose status changed meanwhile."""
    yield Connect("connectivity restored")
    cp.offline = False
    queue, cp.queue = cp.queue, []
    for message in queue:
        yield from _deliver(cp, message)
    for connector_id, connector in cp.connectors.items():
        if connector_id and connector.status != connector.reported_status:
            yield from report_status(cp, connector_id, connector.status)
            if connector.status == "Charging":
                yield from _deauthorize_if_invalid(cp, connector_id)


def _deliver(cp: ChargePoint, message: QueuedMessage) -> Activity:
    fields = dict(message.fields)
    if message.action == "StopTransaction":
        fields["transactionId"] = cp.delivered_id(fields["transactionId"])
    cp.delivering(message.local_id if message.action == "StartTransaction" else None)
    yield Send(message.action, fields)


def _deauthorize_if_invalid(cp: ChargePoint, connector_id: int) -> Activity:
    """OCPP 1.6 §9.1 StopTransactionOnInvalidId: a transaction started offline whose idTag the
    CSMS now calls invalid is stopped with reason DeAuthorized (TC_037_3)."""
    transaction = cp.transaction_on(connector_id)
    if transaction is None or transaction.accepted or not cp.flag("StopTransactionOnInvalidId"):
        return
    yield Send(
        "StopTransaction", {"transactionId": transaction.transaction_id, "reason": "DeAuthorized"}
    )
    yield from report_status(cp, connector_id, "Finishing")


# -- reactions to CSMS requests the charge point accepted ---------------------------------
def reserved(cp: ChargePoint, request: dict[str, Any]) -> Activity:
    """ReserveNow accepted (OCPP 1.6 §5.13): the connector is Reserved; a reservation of
    connector 0 holds the configured connector."""
    reservation = cp.reserve(request)
    yield from report_status(cp, reservation.connector_id, "Reserved")


def reservation_cancelled(cp: ChargePoint, reservation_id: int) -> Activity:
    """CancelReservation accepted (OCPP 1.6 §5.1): the connector is Available again."""
    reservation = cp.reservations.pop(reservation_id, None)
    if reservation is not None:
        yield from report_status(cp, reservation.connector_id, "Available")


def reservation_expiry(cp: ChargePoint, connector_id: int) -> Activity:
    """[the driver never comes] the reservation ends at its expiryDate (TC_047)."""
    reservation = cp.reservation_on(connector_id)
    if reservation is None:
        return
    remaining = (reservation.expiry - cp.clock.now()).total_seconds()
    yield Wait(max(0.0, min(remaining, cp.expiry_wait_cap)), "until the reservation's expiryDate")
    cp.reservations.pop(reservation.reservation_id, None)
    yield from report_status(cp, reservation.connector_id, "Available")


def availability_changed(cp: ChargePoint, connector_id: int, kind: str) -> Activity:
    """ChangeAvailability accepted (OCPP 1.6 §5.2): Inoperative -> Unavailable, Operative ->
    Available; connector 0 means the whole charge point. A connector already in that
    state reports nothing (§4.9: a StatusNotification reports a change)."""
    status = "Unavailable" if kind == "Inoperative" else "Available"
    targets = list(cp.connectors) if connector_id == 0 else [connector_id]
    for target in targets:
        if cp.connectors[target].status != status:
            yield from report_status(cp, target, status)


def triggered(cp: ChargePoint, message: str, connector_id: Any) -> Activity:
    """TriggerMessage accepted (OCPP 1.6 §5.17): send the requested message."""
    if message == "StatusNotification":
        targets = [int(connector_id)] if connector_id is not None else list(cp.connectors)
        for target in targets:
            connector = cp.connectors[target]
            yield from report_status(cp, target, connector.status, connector.error_code)
    elif message == "MeterValues":
        meter = int(connector_id) if connector_id is not None else 0
        yield Send("MeterValues", {"connectorId": meter})
    elif message in ("DiagnosticsStatusNotification", "FirmwareStatusNotification"):
        yield Send(message, {"status": "Idle"})
    else:  # BootNotification, Heartbeat
        yield Send(message, {})


def remote_start(cp: ChargePoint, connector_id: int, id_tag: str) -> Activity:
    """RemoteStartTransaction accepted (OCPP 1.6 §5.11): with AuthorizeRemoteTxRequests the
    idTag is authorized first; the transaction starts once the cable is in (TC_010, TC_011_1)."""
    if cp.flag("AuthorizeRemoteTxRequests") and not _accepted(
        (yield Send("Authorize", {"idTag": id_tag}))
    ):
        return
    connector = cp.connectors[connector_id]
    if connector.plugged:
        yield from start_transaction(cp, connector_id, id_tag)
    else:
        connector.pending_id_tag = id_tag
        yield from report_status(cp, connector_id, "Preparing")


def stop_then_finishing(cp: ChargePoint, connector_id: int, reason: str) -> Activity:
    transaction = cp.transaction_on(connector_id)
    if transaction is None:
        return
    yield Send("StopTransaction", {"transactionId": transaction.transaction_id, "reason": reason})
    yield from report_status(cp, connector_id, "Finishing")


def unlock_with_session(cp: ChargePoint, connector_id: int) -> Activity:
    """UnlockConnector during a transaction (TC_018_1, OCPP 1.6 §5.18): Finishing, then the
    transaction stops with reason UnlockCommand."""
    transaction = cp.transaction_on(connector_id)
    yield from report_status(cp, connector_id, "Finishing")
    if transaction is not None:
        yield Send(
            "StopTransaction",
            {"transactionId": transaction.transaction_id, "reason": "UnlockCommand"},
        )


# -- what case files can ask for with `do:` -----------------------------------------------
def _connector(cp: ChargePoint, params: dict[str, Any]) -> int:
    return int(params.get("connector", cp.config.connector_id))


ACTIVITIES: dict[str, Callable[[ChargePoint, dict[str, Any]], Activity]] = {
    "plug_in": lambda cp, p: plug_in(cp, _connector(cp, p)),
    "present_id_tag": lambda cp, p: present_id_tag(cp, _connector(cp, p), str(p["id_tag"])),
    "connection_timeout": lambda cp, p: connection_timeout(cp, _connector(cp, p)),
    "ev_disconnect": lambda cp, p: ev_disconnect(cp, _connector(cp, p)),
    "unplug": lambda cp, p: unplug(cp, _connector(cp, p)),
    "stop_locally": lambda cp, p: stop_locally(cp, _connector(cp, p)),
    "power_loss": lambda cp, p: power_loss(cp),
    "reservation_expiry": lambda cp, p: reservation_expiry(cp, _connector(cp, p)),
    "go_offline": lambda cp, p: go_offline(cp),
    "come_online": lambda cp, p: come_online(cp),
    "use_hash_algorithm": lambda cp, p: use_hash_algorithm(
        cp.certificates, str(p["hash_algorithm"])
    ),
}

ACTIVITY_PARAMETERS: dict[str, tuple[str, ...]] = {
    "plug_in": ("connector",),
    "present_id_tag": ("connector", "id_tag"),
    "connection_timeout": ("connector",),
    "ev_disconnect": ("connector",),
    "unplug": ("connector",),
    "stop_locally": ("connector",),
    "power_loss": (),
    "reservation_expiry": ("connector",),
    "go_offline": (),
    "come_online": (),
    "use_hash_algorithm": ("hash_algorithm",),
}


def authorization_key_changed(cp: ChargePoint, value: str) -> Activity:
    """ChangeConfiguration AuthorizationKey accepted (Security whitepaper A01; TC_073): the
    charge point takes the hex-decoded password and reconnects with it; the CSMS must take
    the new credentials, so a refusal is the CSMS's (catalog TC_073 [I])."""
    cp.basic_auth_password = decoded_password(value)
    yield Disconnect("the AuthorizationKey changed")
    yield Connect("with the new HTTP Basic password", csms_decides=True)
