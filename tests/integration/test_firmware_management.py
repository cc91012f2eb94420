"""Firmware Management end to end: real downloads and uploads over HTTP and FTP between the
virtual charge point and the bundled CSMS, and honest verdicts when a transfer does not do
what a case needs or the PICS lacks a location."""

import asyncio
import json
import re
import urllib.request
from pathlib import Path

import pytest

from csms_under_test.background import BackgroundCsms
from csms_under_test.files import DEMO_FIRMWARE_NAME
from reports.results import CaseResult, Verdict
from simulator.bundled import bundled_csms, with_bundled_file_locations
from simulator.bundled_seed import seed_for, settings_for
from simulator.cases import Case
from simulator.config import HarnessConfig
from simulator.operator import HttpOperator
from simulator.runner import RunSettings, run_case
from simulator.runner.suite import run_suite


def test_firmware_and_diagnostics_move_over_ftp_and_reach_the_csms(
    fast_config: HarnessConfig, cases_by_id: dict[str, Case], tmp_path: Path
) -> None:
    bundled = settings_for(fast_config, tmp_path / "csms.sqlite3")
    with BackgroundCsms(bundled, seed=seed_for(fast_config)) as csms:
        ftp = csms.csms.ftp_url
        config = fast_config.with_overrides(
            file_transfer={
                "firmware_location": f"{ftp}/firmware/{DEMO_FIRMWARE_NAME}",
                "diagnostics_location": f"{ftp}/diagnostics/",
            }
        )
        settings = RunSettings(config, csms.ocpp_url, HttpOperator(csms.api_url))
        cases = [cases_by_id["TC_044_1_CSMS"], cases_by_id["TC_045_1_CSMS"]]
        run = asyncio.run(run_suite(cases, settings))
        with urllib.request.urlopen(f"{csms.api_url}/diagnostics", timeout=5) as response:
            stored = json.load(response)["diagnostics"]
        with urllib.request.urlopen(f"{csms.api_url}/chargepoints", timeout=5) as response:
            charge_points = json.load(response)["chargePoints"]
    verdicts = {c.id: (c.verdict, [str(r) for r in c.reasons]) for c in run.cases}
    assert all(v == Verdict.PASS for v, _ in verdicts.values()), verdicts
    firmware, diagnostics = run.cases
    assert any("downloaded 4096 bytes from ftp://" in n for s in firmware.steps for n in s.notes)
    named = next(
        m.payload["fileName"]
        for m in diagnostics.messages
        if m.action == "GetDiagnostics" and m.direction.startswith("CP")
    )
    assert [f["name"] for f in stored] == [named]
    assert stored[0]["size"] > 0
    # The charge point booted with the new image's version; the CSMS stored the statuses.
    boots = [
        m
        for m in firmware.messages
        if m.action == "BootNotification" and m.direction.startswith("CP")
    ]
    assert boots[-1].payload["firmwareVersion"] == DEMO_FIRMWARE_NAME.removesuffix(".bin")
    [cp] = charge_points
    assert (cp["firmwareStatus"], cp["diagnosticsStatus"]) == (
        "Installed",
        "Uploaded",
    )


def run_with_locations(
    config: HarnessConfig, case: Case, tmp_path: Path, **locations: str
) -> CaseResult:
    """Run ``case`` against a fresh CSMS, some locations set to others of its own
    (given by name, e.g. firmware_location="firmware_failing_location")."""
    bundled = settings_for(config, tmp_path / "csms.sqlite3")
    with BackgroundCsms(bundled, seed=seed_for(config)) as csms:
        config = with_bundled_file_locations(config, csms.api_url)
        files = config.file_transfer
        config = config.with_overrides(
            file_transfer={k: getattr(files, v) for k, v in locations.items()}
        )
        settings = RunSettings(config, csms.ocpp_url, HttpOperator(csms.api_url))
        return asyncio.run(run_case(case, settings))


@pytest.mark.parametrize(
    ("case_id", "location", "taken_from", "expected"),
    [
        (
            "TC_044_1_CSMS",
            "firmware_location",
            "firmware_failing_location",
            f"needs a transfer that succeeds, but the download failed after 1 attempt "
            f"(http://127.0.0.1:PORT/files/firmware/missing-{DEMO_FIRMWARE_NAME}): download "
            f"http://127.0.0.1:PORT/files/firmware/missing-{DEMO_FIRMWARE_NAME} failed: "
            "HTTP 404 Not Found",
        ),
        (
            "TC_044_2_CSMS",
            "firmware_failing_location",
            "firmware_location",
            "needs a transfer that fails, but the download succeeded after 1 attempt",
        ),
        (
            "TC_045_2_CSMS",
            "diagnostics_failing_location",
            "diagnostics_location",
            "needs a transfer that fails, but the upload succeeded after 1 attempt",
        ),
    ],
)
def test_a_transfer_that_ends_otherwise_than_the_case_needs_is_inconclusive(
    fast_config: HarnessConfig,
    cases_by_id: dict[str, Case],
    tmp_path: Path,
    case_id: str,
    location: str,
    taken_from: str,
    expected: str,
) -> None:
    result = run_with_locations(
        fast_config, cases_by_id[case_id], tmp_path, **{location: taken_from}
    )
    assert result.verdict == Verdict.INCONCLUSIVE, [str(r) for r in result.reasons]
    [reason] = result.reasons
    assert (reason.rule, reason.step) == ("transfer", "2")
    assert expected in re.sub(r":\d+/", ":PORT/", reason.message)


@pytest.mark.parametrize(
    ("case_id", "key"), [("TC_045_1_CSMS", "diagnostics_location"), ("TC_079_CSMS", "log_location")]
)
def test_a_location_the_pics_does_not_set_is_an_error_naming_the_key(
    fast_config: HarnessConfig, cases_by_id: dict[str, Case], case_id: str, key: str
) -> None:
    # Against a CSMS of the vendor's (no bundled locations to fall back on).
    with bundled_csms(fast_config) as (ocpp, api):
        settings = RunSettings(fast_config, ocpp, HttpOperator(api))
        result = asyncio.run(run_case(cases_by_id[case_id], settings))
    assert result.verdict == Verdict.ERROR
    [reason] = result.reasons
    assert reason.step == "1"
    assert f"${key}: the PICS does not set file_transfer.{key}" in reason.message
