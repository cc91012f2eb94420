"""GetLog at the charge point (Security whitepaper edition 3, N01; catalog TC_079_CSMS): after
answering Accepted with a filename, the charge point reports Uploading, really uploads the
log of [log.oldestTimestamp, log.latestTimestamp] to log.remoteLocation (with the request's
retries) and reports Uploaded or UploadFailure, each LogStatusNotification carrying the
request's requestId (catalog §11.0 g).

A SecurityLog holds the charge point's security events: the SecurityEventNotification
requests it sent and the events noted with :func:`note_security_event` (whitepaper §8). A
DiagnosticsLog is the diagnostics file GetDiagnostics uploads.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from simulator.chargepoint.diagnostics import diagnostics_log
from simulator.chargepoint.firmware import log_header, moment, transfer
from simulator.chargepoint.model import ChargePoint
from simulator.chargepoint.plan import Activity, Instruction, Send, Upload

SECURITY_LOG = "SecurityLog"
SECURITY_EVENT_PREFIX = "security event "
_SENT_EVENT = "sent SecurityEventNotification.req "


def note_security_event(cp: ChargePoint, kind: str, tech_info: str | None = None) -> None:
    """Note a security event (whitepaper §8) in the log without sending it."""
    cp.log(f"{SECURITY_EVENT_PREFIX}{kind}" + (f": {tech_info}" if tech_info else ""))


def security_events(
    events: Iterable[tuple[datetime, str]],
) -> Iterator[tuple[datetime, str]]:
    """The security events among the charge point's logged events, at their own time."""
    for logged, event in events:
        if event.startswith(SECURITY_EVENT_PREFIX):
            yield logged, event.removeprefix(SECURITY_EVENT_PREFIX)
        elif event.startswith(_SENT_EVENT):
            payload = json.loads(event.removeprefix(_SENT_EVENT))
            tech_info = payload.get("techInfo")
            text = f"{payload.get('type')}" + (f": {tech_info}" if tech_info else "")
            yield moment(payload.get("timestamp")) or logged, f"{text} (sent to the CSMS)"


def upload_log(cp: ChargePoint, request: dict[str, Any], file_name: str) -> Activity:
    """GetLog: upload the log of the asked type and window as ``file_name``."""
    given = request.get("log")
    log: dict[str, Any] = given if isinstance(given, dict) else {}
    oldest, latest = moment(log.get("oldestTimestamp")), moment(log.get("latestTimestamp"))
    request_id = request.get("requestId")
    yield _log_status("Uploading", request_id)
    log_type = str(request.get("logType"))
    header = log_header(cp, log_type, f"GetLog requestId {request_id} (Security whitepaper N01)")
    events = security_events(cp.events) if log_type == SECURITY_LOG else cp.events
    data = diagnostics_log(header, events, oldest, latest)
    location = str(log.get("remoteLocation", ""))
    uploaded = yield from transfer(cp, request, Upload(location, file_name, data))
    yield _log_status("Uploaded" if uploaded is not None else "UploadFailure", request_id)


def _log_status(status: str, request_id: Any) -> Instruction:
    fields: dict[str, Any] = {"status": status}
    if isinstance(request_id, int):
        fields["requestId"] = request_id
    return Send("LogStatusNotification", fields)
