"""What the charge point does after it answered a CSMS request: the reboot after an accepted
Reset, the transaction after an accepted RemoteStartTransaction, the firmware update after
UpdateFirmware, ... The runner runs the reaction right after sending the answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simulator.chargepoint.behaviour import (
    authorization_key_changed,
    availability_changed,
    reboot,
    remote_start,
    reservation_cancelled,
    reserved,
    stop_then_finishing,
    triggered,
    unlock_with_session,
)
from simulator.chargepoint.certificates import invalid_certificate_event
from simulator.chargepoint.firmware import update_firmware, upload_diagnostics
from simulator.chargepoint.model import ChargePoint
from simulator.chargepoint.plan import Activity
from simulator.chargepoint.renewal_flow import (
    certificate_installed,
    certificate_rejected,
    extended_triggered,
)
from simulator.chargepoint.security_log import upload_log
from simulator.chargepoint.signed_firmware import signed_update_firmware

Payload = dict[str, Any]
Reaction = Callable[[ChargePoint, Payload, Payload], Activity | None]


def reaction(
    cp: ChargePoint, action: str, request: Payload, answer: Payload | None
) -> Activity | None:
    """What the charge point does after answering ``request`` with ``answer``, or None."""
    entry = _REACTIONS.get(action)
    if entry is None or answer is None or not entry[0](answer):
        return None
    return entry[1](cp, request, answer)


def _status(expected: str) -> Callable[[Payload], bool]:
    return lambda answer: answer.get("status") == expected


def _remote_start(cp: ChargePoint, request: Payload, _answer: Payload) -> Activity:
    connector_id = int(request.get("connectorId", cp.config.connector_id))
    if "chargingProfile" in request:
        cp.connectors[connector_id].pending_profile = dict(request["chargingProfile"])
    return remote_start(cp, connector_id, str(request.get("idTag")))


def _remote_stop(cp: ChargePoint, request: Payload, _answer: Payload) -> Activity | None:
    transaction = cp.transactions.get(int(request.get("transactionId", -1)))
    return stop_then_finishing(cp, transaction.connector_id, "Remote") if transaction else None


def _unlock(cp: ChargePoint, request: Payload, _answer: Payload) -> Activity | None:
    connector_id = int(request.get("connectorId", -1))
    return unlock_with_session(cp, connector_id) if cp.transaction_on(connector_id) else None


def _configuration_changed(cp: ChargePoint, request: Payload) -> Activity | None:
    if request.get("key") == "AuthorizationKey":
        return authorization_key_changed(cp, str(request.get("value")))
    return None


# action -> (which answers lead to a reaction, the reaction)
_REACTIONS: dict[str, tuple[Callable[[Payload], bool], Reaction]] = {
    "Reset": (_status("Accepted"), lambda cp, r, a: reboot(cp, str(r.get("type")))),
    "RemoteStartTransaction": (_status("Accepted"), _remote_start),
    "RemoteStopTransaction": (_status("Accepted"), _remote_stop),
    "UnlockConnector": (_status("Unlocked"), _unlock),
    "ReserveNow": (_status("Accepted"), lambda cp, r, a: reserved(cp, r)),
    "CancelReservation": (
        _status("Accepted"),
        lambda cp, r, a: reservation_cancelled(cp, int(r.get("reservationId", -1))),
    ),
    "ChangeAvailability": (
        _status("Accepted"),
        lambda cp, r, a: availability_changed(cp, int(r.get("connectorId", 0)), str(r.get("type"))),
    ),
    "TriggerMessage": (
        _status("Accepted"),
        lambda cp, r, a: triggered(cp, str(r.get("requestedMessage")), r.get("connectorId")),
    ),
    "ChangeConfiguration": (_status("Accepted"), lambda cp, r, a: _configuration_changed(cp, r)),
    # Security whitepaper F06, A02 (TC_074, TC_077): chargepoint.renewal_flow
    "ExtendedTriggerMessage": (_status("Accepted"), lambda cp, r, a: extended_triggered(cp, r)),
    "CertificateSigned": (
        lambda a: a.get("status") in ("Accepted", "Rejected"),
        lambda cp, r, a: (
            certificate_installed(cp, r)
            if a.get("status") == "Accepted"
            else certificate_rejected(cp, r)
        ),
    ),
    # OCPP 1.6 §5.19: UpdateFirmware.conf has no fields; the update always follows.
    "UpdateFirmware": (lambda a: True, lambda cp, r, a: update_firmware(cp, r)),
    # Whitepaper M05 / TC_078: a rejected Central System root is a security event.
    "InstallCertificate": (
        _status("Rejected"),
        lambda cp, r, a: invalid_certificate_event(
            cp.certificates, str(r.get("certificateType")), cp.timestamp()
        ),
    ),
    # OCPP 1.6 §5.9: an upload follows only when the answer names a file.
    "GetDiagnostics": (
        lambda a: isinstance(a.get("fileName"), str),
        lambda cp, r, a: upload_diagnostics(cp, r, str(a["fileName"])),
    ),
    # Security whitepaper N01: an accepted GetLog uploads the log under its filename.
    "GetLog": (
        lambda a: a.get("status") == "Accepted" and isinstance(a.get("filename"), str),
        lambda cp, r, a: upload_log(cp, r, str(a["filename"])),
    ),
    # Security whitepaper L01: an accepted SignedUpdateFirmware downloads, verifies, installs.
    "SignedUpdateFirmware": (
        _status("Accepted"),
        lambda cp, r, a: signed_update_firmware(cp, r),
    ),
}
