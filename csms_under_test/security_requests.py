"""What the CSMS adds to an operator's Security whitepaper request before sending it
(edition 3): GetLog (N01) gets a requestId of the CSMS's own and, when the operator gives
none, the CSMS's diagnostics folder as log.remoteLocation; ExtendedTriggerMessage (F06) goes
out as given. Three faults live here (``get-log-diagnostics-type``,
``log-location-rewritten``, ``extended-trigger-with-connector-id``)."""

from __future__ import annotations

import itertools
import time
from typing import TYPE_CHECKING, Any

from csms_under_test.faults import (
    EXTENDED_TRIGGER_WITH_CONNECTOR_ID,
    GET_LOG_DIAGNOSTICS_TYPE,
    LOG_LOCATION_REWRITTEN,
    Faults,
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


def complete_extended_trigger(payload: dict[str, Any], faults: Faults) -> None:
    """ExtendedTriggerMessage.req (in place): requestedMessage and the optional connectorId
    as the operator gave them (TC_074: SignChargePointCertificate without a connectorId)."""
    if EXTENDED_TRIGGER_WITH_CONNECTOR_ID in faults:
        payload.setdefault("connectorId", 0)
