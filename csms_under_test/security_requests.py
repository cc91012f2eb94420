"""What the CSMS adds to an operator's Security whitepaper request before sending it
(edition 3): GetLog (N01) gets a requestId of the CSMS's own and, when the operator gives
none, the CSMS's diagnostics folder as log.remoteLocation; SignedUpdateFirmware (L01) gets a
requestId, and when the operator gives none, firmware.retrieveDateTime now and the CSMS's
signed image as firmware.location (the signature and signing certificate are the
operator's: the CSMS has no firmware signing key); ExtendedTriggerMessage (F06) goes out as
given. Faults and variations of all three live here."""

from __future__ import annotations

import itertools
import re
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

from csms_under_test.faults import (
    EXTENDED_TRIGGER_WITH_CONNECTOR_ID,
    GET_LOG_DIAGNOSTICS_TYPE,
    LOG_LOCATION_REWRITTEN,
    SIGNED_FIRMWARE_CERTIFICATE_UNARMOURED,
    SIGNED_FIRMWARE_LOCATION_REWRITTEN,
    SIGNED_FIRMWARE_SIGNATURE_TRUNCATED,
    Faults,
)
from csms_under_test.files import SIGNED_FIRMWARE_NAME
from csms_under_test.timestamps import ocpp_timestamp
from csms_under_test.variations import (
    SIGNED_FIRMWARE_CRLF_CERTIFICATE,
    SIGNED_FIRMWARE_INSTALL_DATE,
    Variations,
)

if TYPE_CHECKING:
    from csms_under_test.operator_requests import FileLocations

# requestIds rise from the start time (seconds), so a restarted CSMS does not reuse them.
_REQUEST_IDS = itertools.count(int(time.time()) % 1_000_000_000)


def next_request_id() -> int:
    """A requestId no earlier request of this CSMS process carried."""
    return next(_REQUEST_IDS)


def complete_get_log(payload: dict[str, Any], files: FileLocations, faults: Faults) -> None:
    """Fill in GetLog.req (in place): requestId, and log.remoteLocation when not given;
    logType, the window, retries and retryInterval are sent as the operator gave them."""
    payload.setdefault("requestId", next_request_id())
    log = dict(payload["log"]) if isinstance(payload.get("log"), dict) else {}
    log.setdefault("remoteLocation", f"{files.http}/diagnostics/")
    if GET_LOG_DIAGNOSTICS_TYPE in faults:
        payload["logType"] = "DiagnosticsLog"
    if LOG_LOCATION_REWRITTEN in faults:
        # The CSMS's other upload folder: FTP for HTTP, HTTP for anything else.
        location = str(log["remoteLocation"])
        mirror = files.http if location.startswith(files.ftp) else files.ftp
        log["remoteLocation"] = f"{mirror}/diagnostics/"
    payload["log"] = log


# SIGNED_FIRMWARE_SIGNATURE_TRUNCATED: the length of the CSMS's too-short signature column.
TRUNCATED_SIGNATURE_LENGTH = 256
_PEM_ARMOUR = re.compile(r"-----(BEGIN|END) [A-Z ]+-----")


def complete_signed_update_firmware(
    payload: dict[str, Any],
    files: FileLocations,
    faults: Faults,
    now: datetime,
    variations: Variations | None = None,
) -> None:
    """Fill in SignedUpdateFirmware.req (in place): requestId, and firmware.location and
    firmware.retrieveDateTime when not given; signature, signingCertificate, retries and
    retryInterval go out as the operator gave them."""
    payload.setdefault("requestId", next_request_id())
    firmware = dict(payload["firmware"]) if isinstance(payload.get("firmware"), dict) else {}
    firmware.setdefault("location", f"{files.http}/firmware/{SIGNED_FIRMWARE_NAME}")
    firmware.setdefault("retrieveDateTime", ocpp_timestamp(now))
    certificate, signature = firmware.get("signingCertificate"), firmware.get("signature")
    if variations is not None and SIGNED_FIRMWARE_INSTALL_DATE in variations:
        firmware.setdefault("installDateTime", firmware["retrieveDateTime"])
    crlf = variations is not None and SIGNED_FIRMWARE_CRLF_CERTIFICATE in variations
    if crlf and isinstance(certificate, str):
        firmware["signingCertificate"] = "\r\n".join(certificate.splitlines()) + "\r\n"
    if SIGNED_FIRMWARE_LOCATION_REWRITTEN in faults:
        name = str(firmware["location"]).rsplit("/", 1)[-1]
        firmware["location"] = f"{files.ftp}/firmware/{name}"
    if SIGNED_FIRMWARE_SIGNATURE_TRUNCATED in faults and isinstance(signature, str):
        firmware["signature"] = signature[:TRUNCATED_SIGNATURE_LENGTH]
    if SIGNED_FIRMWARE_CERTIFICATE_UNARMOURED in faults and isinstance(certificate, str):
        firmware["signingCertificate"] = "".join(_PEM_ARMOUR.sub("", certificate).split())
    payload["firmware"] = firmware


def complete_extended_trigger(payload: dict[str, Any], faults: Faults) -> None:
    """ExtendedTriggerMessage.req (in place): requestedMessage and the optional connectorId
    as the operator gave them (TC_074: SignChargePointCertificate without a connectorId)."""
    if EXTENDED_TRIGGER_WITH_CONNECTOR_ID in faults:
        payload.setdefault("connectorId", 0)
