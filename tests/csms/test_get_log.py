"""The reference CSMS's side of GetLog (Security whitepaper N01; catalog TC_079_CSMS): the
operator's request completed with a requestId of the CSMS's own, LogStatusNotification
stored, and the three faults TC_079_CSMS catches."""

from __future__ import annotations

from csms_under_test import ReferenceCsms
from csms_under_test.store import LOG
from ocppj import IncomingCallError

from .helpers import ConnectChargePoint, FakeChargePoint, StartCsms, operator_request

LOCATION = "ftp://logs:secret@logs.example.com/upload/"
ASKED = {"logType": "SecurityLog", "log": {"remoteLocation": LOCATION}}
ACCEPTED = {"status": "Accepted", "filename": "security.log"}


async def test_get_log_gets_a_fresh_request_id_and_is_sent_as_asked(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    first, reply = await operator_request(csms, cp, "GetLog", ASKED, ACCEPTED)
    assert {k: v for k, v in first.items() if k != "requestId"} == ASKED
    assert isinstance(first["requestId"], int)
    assert reply.body["request"] == first
    second, _ = await operator_request(csms, cp, "GetLog", ASKED, ACCEPTED)
    assert second["requestId"] != first["requestId"]
    given = {**ASKED, "requestId": 7, "retries": 2, "retryInterval": 5}
    sent, _ = await operator_request(csms, cp, "GetLog", given, ACCEPTED)
    assert sent == given


async def test_get_log_defaults_to_the_diagnostics_folder(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    sent, _ = await operator_request(csms, cp, "GetLog", {"logType": "SecurityLog"}, ACCEPTED)
    assert sent["log"] == {"remoteLocation": f"{csms.files_http_url}/diagnostics/"}


async def test_log_status_notification_is_stored(csms: ReferenceCsms, cp: FakeChargePoint) -> None:
    assert await cp.request("LogStatusNotification", {"status": "Uploading", "requestId": 1}) == {}
    record = csms.store.firmware_status("CP_1", LOG)
    assert record is not None and record.status == "Uploading"


async def test_fault_get_log_diagnostics_type(
    start_csms: StartCsms, connect: ConnectChargePoint
) -> None:
    csms = await start_csms(faults=["get-log-diagnostics-type"])
    cp = await connect(csms.ocpp_url)
    sent, _ = await operator_request(csms, cp, "GetLog", ASKED, ACCEPTED)
    assert sent["logType"] == "DiagnosticsLog"
    assert sent["log"] == ASKED["log"]


async def test_fault_log_location_rewritten(
    start_csms: StartCsms, connect: ConnectChargePoint
) -> None:
    csms = await start_csms(faults=["log-location-rewritten"])
    cp = await connect(csms.ocpp_url)
    sent, _ = await operator_request(csms, cp, "GetLog", ASKED, ACCEPTED)
    assert sent["logType"] == "SecurityLog"
    assert sent["log"] == {"remoteLocation": f"{csms.ftp_url}/diagnostics/"}
    # The CSMS's own FTP folder is rewritten to its HTTP one.
    own = {"logType": "SecurityLog", "log": {"remoteLocation": f"{csms.ftp_url}/diagnostics/"}}
    sent, _ = await operator_request(csms, cp, "GetLog", own, ACCEPTED)
    assert sent["log"] == {"remoteLocation": f"{csms.files_http_url}/diagnostics/"}


async def test_fault_log_status_notification_not_implemented(
    start_csms: StartCsms, connect: ConnectChargePoint
) -> None:
    csms = await start_csms(faults=["log-status-notification-not-implemented"])
    cp = await connect(csms.ocpp_url)
    outcome = await cp.call("LogStatusNotification", {"status": "Uploading", "requestId": 1})
    assert isinstance(outcome, IncomingCallError)
    assert outcome.error.error_code == "NotImplemented"
    assert csms.store.firmware_status("CP_1", LOG) is None
    assert "currentTime" in await cp.request("Heartbeat", {})  # the connection is kept
