"""UpdateFirmware and GetDiagnostics at the charge point (OCPP 1.6 §5.19, §5.9; catalog §5):
the notifications follow what the transfers really did, retries and waits follow the
request, and the diagnostics file holds the log of the asked window."""

from datetime import UTC, datetime
from typing import Any

from simulator.chargepoint.diagnostics import diagnostics_file_name, diagnostics_log
from simulator.chargepoint.firmware import image_version
from simulator.chargepoint.plan import Download, Upload
from simulator.chargepoint.reactions import reaction
from tests.unit.test_chargepoint_behaviour import drive, new_cp

IMAGE = "http://files.example/firmware/vcp-2.0.bin"
NOW = "2026-01-01T12:00:00.123Z"  # the FakeClock's now


def serve(data: bytes = b"image") -> Any:
    return lambda instruction: {"ok": True, "data": data}


def update(cp: Any, files: Any, **request: Any) -> list[str]:
    request = {"location": IMAGE, "retrieveDate": NOW, **request}
    answer = cp.answer("UpdateFirmware", request).payload
    activity = reaction(cp, "UpdateFirmware", request, answer)
    assert activity is not None
    return drive(cp, activity, files=files)


def diagnostics(cp: Any, files: Any, **request: Any) -> tuple[str, list[str]]:
    request = {"location": "ftp://u:p@files.example/diag/", **request}
    answer = cp.answer("GetDiagnostics", request).payload
    activity = reaction(cp, "GetDiagnostics", request, answer)
    assert activity is not None
    return answer["fileName"], drive(cp, activity, files=files)


def test_download_and_install_follows_tc_044_1() -> None:
    cp = new_cp()
    assert update(cp, serve()) == [
        "FirmwareStatusNotification(Downloading)",
        f"download {IMAGE}: ok",
        "FirmwareStatusNotification(Downloaded)",
        "StatusNotification(0:Unavailable)",
        "StatusNotification(1:Unavailable)",
        "StatusNotification(2:Unavailable)",
        "FirmwareStatusNotification(Installing)",
        "disconnect",
        "wait 10",  # the reboot (ChargePoint.reboot_time, PICS timing.reboot)
        "connect",
        "BootNotification",
        "StatusNotification(0:Available)",
        "StatusNotification(1:Available)",
        "StatusNotification(2:Available)",
        "FirmwareStatusNotification(Installed)",
    ]
    assert cp.build_request("BootNotification", {})["firmwareVersion"] == "vcp-2.0"
    assert cp.transfers[-1].ok and cp.transfers[-1].detail == "5 bytes"


def test_a_failed_download_is_reported_download_failed_and_nothing_installs() -> None:
    cp = new_cp()
    trace = update(cp, None)
    assert trace == [
        "FirmwareStatusNotification(Downloading)",
        f"download {IMAGE}: failed",
        "FirmwareStatusNotification(DownloadFailed)",
    ]
    assert cp.firmware_version == "1.0.0"
    assert not cp.transfers[-1].ok and cp.transfers[-1].detail == "no network"


def test_retries_and_retry_interval_are_honoured_until_an_attempt_succeeds() -> None:
    cp = new_cp()
    results = iter(
        [
            {"ok": False, "error": "HTTP 503"},
            {"ok": False, "error": "reset"},
            {"ok": True, "data": b"x"},
        ]
    )
    trace = update(cp, lambda _: next(results), retries=3, retryInterval=7)
    assert trace[:6] == [
        "FirmwareStatusNotification(Downloading)",
        f"download {IMAGE}: failed",
        "wait 7",
        f"download {IMAGE}: failed",
        "wait 7",
        f"download {IMAGE}: ok",
    ]
    assert trace[-1] == "FirmwareStatusNotification(Installed)"
    assert cp.transfers[-1].attempts == 3


def test_without_retries_there_is_one_attempt_and_the_last_error_is_kept() -> None:
    cp = new_cp()
    attempts: list[str] = []

    def refuse(instruction: Download | Upload) -> dict[str, Any]:
        attempts.append(instruction.url)
        return {"ok": False, "error": f"HTTP 404 (attempt {len(attempts)})"}

    update(cp, refuse)
    assert len(attempts) == 1
    update(cp, refuse, retries=2)
    assert len(attempts) == 4
    assert cp.transfers[-1].detail == "HTTP 404 (attempt 4)"
    assert "failed after 3 attempts" in cp.transfers[-1].describe()


def test_retrieve_date_in_the_future_is_waited_for_within_the_cap() -> None:
    cp = new_cp()
    cp.transfer_wait_cap = 30
    trace = update(cp, serve(), retrieveDate="2026-01-01T12:00:20.123Z")
    assert trace[0] == "wait 20"
    trace = update(cp, serve(), retrieveDate="2026-01-01T13:00:00.123Z")
    assert trace[0] == "wait 30"  # an hour away: capped by waits.transfer_schedule_max


def test_an_image_that_does_not_install_reports_installation_failed_after_the_boot() -> None:
    cp = new_cp(firmware_install_fails=True)
    trace = update(cp, serve())
    assert trace[-5:] == [
        "BootNotification",
        "StatusNotification(0:Available)",
        "StatusNotification(1:Available)",
        "StatusNotification(2:Available)",
        "FirmwareStatusNotification(InstallationFailed)",
    ]
    assert cp.firmware_version == "1.0.0"
    empty = new_cp()
    assert update(empty, serve(b""))[-1] == "FirmwareStatusNotification(InstallationFailed)"


def test_get_diagnostics_names_a_file_and_uploads_the_log() -> None:
    cp = new_cp()
    cp.log("an event worth diagnosing")
    uploads: list[Upload] = []

    def store(instruction: Download | Upload) -> dict[str, Any]:
        assert isinstance(instruction, Upload)
        uploads.append(instruction)
        return {"ok": True}

    name, trace = diagnostics(cp, store)
    assert name == "diagnostics-CP_1-20260101T120000123Z.log"
    assert trace == [
        "DiagnosticsStatusNotification(Uploading)",
        "upload ftp://u:p@files.example/diag/: ok",
        "DiagnosticsStatusNotification(Uploaded)",
    ]
    (upload,) = uploads
    assert upload.filename == name
    text = upload.data.decode()
    assert text.startswith("# diagnostics of charge point CP_1")
    assert "an event worth diagnosing" in text
    assert "received GetDiagnostics.req" in text


def test_a_refused_upload_is_reported_upload_failed_after_the_retries() -> None:
    cp = new_cp()
    _name, trace = diagnostics(cp, None, retries=1)
    assert trace == [
        "DiagnosticsStatusNotification(Uploading)",
        "upload ftp://u:p@files.example/diag/: failed",
        "upload ftp://u:p@files.example/diag/: failed",
        "DiagnosticsStatusNotification(UploadFailed)",
    ]


def test_no_upload_follows_an_answer_without_a_file_name() -> None:
    cp = new_cp()
    assert reaction(cp, "GetDiagnostics", {"location": "ftp://h/"}, {}) is None


def test_the_diagnostics_file_holds_only_the_asked_window() -> None:
    at = [datetime(2026, 1, 1, h, tzinfo=UTC) for h in (8, 10, 12)]
    events = [(at[0], "early"), (at[1], "inside"), (at[2], "late")]
    text = diagnostics_log(["head"], events, at[1], at[1]).decode()
    assert "inside" in text and "early" not in text and "late" not in text
    assert text.splitlines()[0] == "# head"
    everything = diagnostics_log([], events, None, None).decode()
    assert all(word in everything for word in ("early", "inside", "late"))


def test_file_names_and_versions_stay_within_what_servers_and_ocpp_take() -> None:
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    assert (
        diagnostics_file_name("CP 1/../x", moment)
        == "diagnostics-CP_1_.._x-20260101T000000000Z.log"
    )
    assert image_version("ftp://h/fw/vcp-1.1.0.bin", "old") == "vcp-1.1.0"
    assert image_version("http://h/", "old") == "old"
    assert len(image_version("http://h/" + "v" * 80 + ".bin", "old")) == 50
