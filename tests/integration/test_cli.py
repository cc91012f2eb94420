"""The simulate command, end to end, against the bundled and a separately started CSMS."""

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from simulator.cli import main

ROOT = Path(__file__).resolve().parents[2]
FAST = str(ROOT / "tests" / "data" / "fast.yaml")
FIVE = ["TC_001_CSMS", "TC_003_CSMS", "TC_004_1_CSMS", "TC_007_CSMS", "TC_012_CSMS"]


def test_list_names_every_case(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert set(FIVE) <= {line.split()[0] for line in lines}
    assert all(len(line.split()) >= 3 for line in lines)  # id, block, title


def test_run_writes_results_and_report(tmp_path: Path) -> None:
    assert main(["--case", "TC_003_CSMS", "--config", FAST, "--out", str(tmp_path)]) == 0
    data = json.loads((tmp_path / "results.json").read_text())
    [case] = data["cases"]
    assert {"id", "block", "title", "verdict", "reasons", "steps", "messages"} <= set(case)
    assert case["verdict"] == "PASS"
    assert "TC_003_CSMS" in (tmp_path / "report.html").read_text()
    assert 'name="TC_003_CSMS' in (tmp_path / "junit.xml").read_text()


def test_the_bundled_csms_runs_profile_2_over_tls(tmp_path: Path) -> None:
    pics = tmp_path / "pics.yaml"
    pics.write_text(
        "sut:\n  feature_profiles: [Core, Security]\n"
        "security:\n  profile: 2\n  password: pretest-password-01\n"
    )
    out = tmp_path / "out"
    assert main(["--case", "TC_085_CSMS", "--config", str(pics), "--out", str(out)]) == 0
    data = json.loads((out / "results.json").read_text())
    assert data["configuration"]["security"]["profile"] == 2
    assert data["csms_url"].startswith("ws://")  # the run names the CSMS; it connected over wss


def test_the_security_block_runs_and_no_output_holds_the_password(tmp_path: Path) -> None:
    assert main(["--block", "security", "--config", FAST, "--out", str(tmp_path)]) == 0
    data = json.loads((tmp_path / "results.json").read_text())
    assert {c["id"]: c["verdict"] for c in data["cases"]} == {
        "TC_073_CSMS": "PASS",
        "TC_074_CSMS": "PASS",
        "TC_075_1_CSMS": "PASS",
        "TC_075_2_CSMS": "PASS",
        "TC_076_CSMS": "PASS",
        "TC_077_CSMS": "PASS",
        "TC_078_CSMS": "PASS",
        "TC_079_CSMS": "PASS",
        "TC_080_CSMS": "PASS",
        "TC_081_CSMS": "PASS",
        "TC_083_CSMS": "PASS",
        "TC_085_CSMS": "PASS",
        "TC_086_CSMS": "PASS",
        "TC_087_CSMS": "PASS",
        "TC_088_CSMS": "PASS",
    }
    security = data["configuration"]["security"]
    assert (security["profile"], security["profiles"]) == (1, [1, 2, 3])
    # The TLS material by subject, serial number and fingerprint; never a key.
    assert [c["subject"] for c in security["client_certificate"]] == ["CN=CP_1"]
    assert {"subject", "serialNumber", "sha256"} == set(security["ca_file"][0])
    # TC_074's renewed certificate too (CN = the charge point's serial number).
    assert security["signed_client_certificate"][0]["subject"].endswith("CN=VCP-0001")
    [changed] = [
        m["payload"]
        for c in data["cases"]
        for m in c["messages"]
        if m["action"] == "ChangeConfiguration"
        and m["message_type"] == "CALL"
        and m["payload"].get("key") == "AuthorizationKey"  # TC_083 changes SecurityProfile
    ]
    assert changed == {"key": "AuthorizationKey", "value": "(hidden: 40 characters)"}
    password = "test-password-0001"  # tests/data/fast.yaml
    for name in ("results.json", "report.html", "junit.xml"):
        assert password not in (tmp_path / name).read_text(), name
        assert "PRIVATE KEY" not in (tmp_path / name).read_text(), name


def test_quiet_prints_the_summary_only(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--case", "TC_003_CSMS", "--fault", "authorize-invalid", "--config", FAST, "-q"]
    assert main(args) == 1
    out = capsys.readouterr().out
    assert "Test Result Summary" in out and "Performance Measurement Results" in out
    assert "00:00:01" in out  # the declared Authorize response time (fast.yaml)
    assert "Not passed:" in out and "FAIL TC_003_CSMS: step 2: Authorize.conf" in out
    assert "Regular Charging Session" not in out  # no line per case while running


def test_report_renders_html_and_junit_again_from_results(tmp_path: Path) -> None:
    from tests.support.sample_results import sample_run

    results = tmp_path / "run" / "results.json"
    results.parent.mkdir()
    sample_run().write_json(results)
    assert main(["report", str(results), "--out", str(tmp_path / "again")]) == 0
    html = (tmp_path / "again" / "report.html").read_text()
    assert "TC_003_CSMS" in html and "&lt;script&gt;" in html
    assert "<testsuite" in (tmp_path / "again" / "junit.xml").read_text()
    assert not (tmp_path / "again" / "results.json").exists()  # the source stays where it is


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (None, "cannot read"),
        ('{"cases": [\n  oops]}', "results.json:2:3: not JSON"),
        ('{"cases": []}', "not a results.json of this harness"),
    ],
)
def test_report_on_a_bad_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, fragment: str
) -> None:
    results = tmp_path / "results.json"
    if content is not None:
        results.write_text(content)
    assert main(["report", str(results), "--out", str(tmp_path / "out")]) == 2
    assert fragment in capsys.readouterr().err


def test_a_failing_case_exits_1(tmp_path: Path) -> None:
    args = [
        "--case",
        "TC_003_CSMS",
        "--fault",
        "authorize-invalid",
        "--config",
        FAST,
        "--out",
        str(tmp_path),
    ]
    assert main(args) == 1
    [case] = json.loads((tmp_path / "results.json").read_text())["cases"]
    assert case["verdict"] == "FAIL" and "Invalid" in case["reasons"][0]["message"]


@pytest.mark.parametrize(
    "args",
    [
        ["--case", "TC_999_CSMS"],
        ["--block", "nonsense"],
        [],
        ["--all", "--csms", "ws://127.0.0.1:9/ocpp", "--fault", "reject-boot"],
        ["--all", "--config", "/nonexistent/config.yaml"],
    ],
)
def test_usage_errors_exit_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 2
    assert "simulate:" in capsys.readouterr().err


def test_malformed_case_file_stops_everything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "core"
    folder.mkdir()
    (folder / "TC_900_CSMS.yaml").write_text("id: TC_900_CSMS\ntitle: x\nblock: core\n")
    assert main(["--all", "--cases", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "TC_900_CSMS.yaml:1" in err and "required" in err


@pytest.fixture
def separate_csms(tmp_path: Path) -> Iterator[tuple[str, str]]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "csms_under_test",
            "--port",
            "0",
            "--db",
            str(tmp_path / "csms.sqlite3"),
            "--heartbeat-interval",
            "1",
            "--seed",
            str(ROOT / "docs" / "examples" / "csms-seed.yaml"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    urls: dict[str, str] = {}
    deadline = time.monotonic() + 15
    assert process.stdout is not None
    try:
        while len(urls) < 2 and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            key, _, value = line.strip().partition(": ")
            if key in ("ocpp", "operator"):
                urls[key] = value
        assert len(urls) == 2, f"csms-under-test did not print its URLs: {urls}"
        yield urls["ocpp"], urls["operator"]
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.slow
def test_five_cases_pass_against_a_separately_started_csms(
    separate_csms: tuple[str, str], tmp_path: Path
) -> None:
    ocpp, operator = separate_csms
    args = ["--config", FAST, "--csms", ocpp, "--operator", operator, "--out", str(tmp_path)]
    for case_id in FIVE:
        args += ["--case", case_id]
    assert main(args) == 0
    verdicts = {
        c["id"]: c["verdict"] for c in json.loads((tmp_path / "results.json").read_text())["cases"]
    }
    assert verdicts == dict.fromkeys(FIVE, "PASS")
