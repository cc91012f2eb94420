"""GetLog at the charge point (Security whitepaper N01; catalog TC_079_CSMS): Accepted with
a filename, LogStatusNotification Uploading then Uploaded or UploadFailure with the request's
requestId, and a real upload of the security events of the asked window."""

from typing import Any

from simulator.chargepoint.plan import Download, Upload
from simulator.chargepoint.reactions import reaction
from simulator.chargepoint.security_log import note_security_event
from tests.unit.test_chargepoint_behaviour import drive, new_cp

LOCATION = "http://files.example/logs/"


def get_log(cp: Any, files: Any, **log: Any) -> tuple[dict[str, Any], list[str]]:
    request = {
        "logType": "SecurityLog",
        "requestId": 42,
        "log": {"remoteLocation": LOCATION, **log},
    }
    answer = cp.answer("GetLog", request).payload
    activity = reaction(cp, "GetLog", request, answer)
    assert activity is not None
    return answer, drive(cp, activity, files=files)


def sent_log_statuses(cp: Any) -> list[str]:
    return [event for _t, event in cp.events if event.startswith("sent LogStatusNotification")]


def test_get_log_is_accepted_with_a_file_name_and_uploads_the_security_log() -> None:
    cp = new_cp()
    note_security_event(cp, "SettingSystemTime", "clock set by the test")
    cp.log("an ordinary event, not a security event")
    uploads: list[Upload] = []

    def store(instruction: Download | Upload) -> dict[str, Any]:
        assert isinstance(instruction, Upload)
        uploads.append(instruction)
        return {"ok": True}

    answer, trace = get_log(cp, store)
    assert answer == {"status": "Accepted", "filename": "security-log-CP_1-20260101T120000123Z.log"}
    assert trace == [
        "LogStatusNotification(Uploading)",
        f"upload {LOCATION}: ok",
        "LogStatusNotification(Uploaded)",
    ]
    assert sent_log_statuses(cp) == [
        'sent LogStatusNotification.req {"requestId":42,"status":"Uploading"}',
        'sent LogStatusNotification.req {"requestId":42,"status":"Uploaded"}',
    ]
    (upload,) = uploads
    assert upload.url == LOCATION and upload.filename == answer["filename"]
    text = upload.data.decode()
    assert text.startswith("# SecurityLog of charge point CP_1")
    assert "SettingSystemTime: clock set by the test" in text
    assert "an ordinary event" not in text and "GetLog.req" not in text


def test_sent_security_event_notifications_are_in_the_log_within_the_window() -> None:
    cp = new_cp()
    cp.on_request_sent(
        "SecurityEventNotification",
        {"type": "InvalidCentralSystemCertificate", "timestamp": "2026-01-01T11:00:00.000Z"},
    )
    cp.on_request_sent(
        "SecurityEventNotification",
        {"type": "TamperDetectionActivated", "timestamp": "2026-01-01T11:59:00.000Z"},
    )
    uploads: list[bytes] = []

    def store(instruction: Download | Upload) -> dict[str, Any]:
        assert isinstance(instruction, Upload)
        uploads.append(instruction.data)
        return {"ok": True}

    get_log(cp, store, oldestTimestamp="2026-01-01T11:30:00.000Z")
    text = uploads[0].decode()
    assert "2026-01-01T11:59:00.000Z TamperDetectionActivated (sent to the CSMS)" in text
    assert "InvalidCentralSystemCertificate" not in text


def test_a_refused_upload_is_reported_upload_failure() -> None:
    cp = new_cp()
    _answer, trace = get_log(cp, None)
    assert trace[-1] == "LogStatusNotification(UploadFailure)"
    assert not cp.transfers[-1].ok


def test_a_diagnostics_log_is_the_diagnostics_file() -> None:
    cp = new_cp()
    request = {"logType": "DiagnosticsLog", "requestId": 7, "log": {"remoteLocation": LOCATION}}
    answer = cp.answer("GetLog", request).payload
    assert answer["status"] == "Accepted"
    assert answer["filename"].startswith("diagnostics-CP_1-")


def test_no_upload_follows_a_rejected_get_log() -> None:
    cp = new_cp()
    request = {"logType": "SecurityLog", "requestId": 1, "log": {"remoteLocation": LOCATION}}
    assert reaction(cp, "GetLog", request, {"status": "Rejected"}) is None
