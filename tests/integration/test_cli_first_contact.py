"""A new user's first contact with simulate (issue 14): nothing runs silently green, what
can be checked before a run is checked first, an unreachable CSMS stops the run at once,
Ctrl-C keeps what ran, an empty PICS is valid, a pipe that closes is quiet, -v logs."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from simulator.cli import main

ROOT = Path(__file__).resolve().parents[2]
FAST = str(ROOT / "tests" / "data" / "fast.yaml")
SIMULATE = [sys.executable, "-m", "simulator.cli"]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--all", "--case", "TC_001_CSMS"], "--all runs every case"),
        (["--all", "--block", "core"], "--all runs every case"),
        (["--case", "TC_001_CSMS", "--csms", "notaurl"], "is not a WebSocket URL"),
        (["--case", "TC_001_CSMS", "--csms", "http://host/ocpp"], "is not a WebSocket URL"),
        (["--case", "TC_001_CSMS", "--ca-file", "/nonexistent.pem"], "no such file"),
    ],
)
def test_contradictions_and_bad_flags_are_usage_errors_before_any_run(
    args: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 2
    assert says in capsys.readouterr().err


def test_an_unwritable_out_is_refused_before_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert main(["--case", "TC_001_CSMS", "--out", str(blocker / "sub")]) == 2
    assert "cannot write there" in capsys.readouterr().err


@pytest.mark.parametrize("layout", ["empty", "flat", "misnamed"])
def test_zero_selected_cases_is_never_green(
    tmp_path: Path, layout: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source = (ROOT / "testcases" / "core" / "TC_001_CSMS.yaml").read_text()
    if layout == "flat":  # a case file straight in the folder, not in a block folder
        (tmp_path / "TC_001_CSMS.yaml").write_text(source)
    elif layout == "misnamed":
        (tmp_path / "core").mkdir()
        (tmp_path / "core" / "TC_001_CSMS.yml").write_text(source)
    assert main(["--all", "--cases", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "no case selected" in err or "holds no" in err, err


def test_list_honours_the_filters(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--list", "--block", "remote-trigger"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in out[:-1]] == ["TC_054_CSMS", "TC_055_CSMS"]
    assert out[-1].startswith("2 cases as edition")
    assert main(["--list", "--case", "TC_001_CSMS"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("1 case as edition")


def test_an_unreachable_csms_stops_the_run_with_one_error(tmp_path: Path) -> None:
    args = ["--all", "--csms", "ws://127.0.0.1:9/ocpp", "--operator", "manual"]
    started = time.monotonic()
    assert main([*args, "--config", FAST, "--out", str(tmp_path), "-q"]) == 1
    assert time.monotonic() - started < 30
    cases = json.loads((tmp_path / "results.json").read_text())["cases"]
    verdicts = [case["verdict"] for case in cases]
    assert verdicts.count("ERROR") == 1 and verdicts.count("NOT_RUN") == len(cases) - 1
    assert "could not be reached" in cases[-1]["reasons"][0]["message"]


def test_an_empty_pics_is_valid_and_the_summary_counts_in_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing declared: every default\n")
    assert main(["--list", "--pics", str(empty)]) == 0
    assert main(["--case", "TC_001_CSMS", "--pics", FAST, "-q"]) == 0
    assert "1 case in " in capsys.readouterr().out


def test_a_pipe_that_closes_early_is_quiet() -> None:
    listing = subprocess.Popen(
        [*SIMULATE, "--list"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert listing.stdout is not None
    listing.stdout.readline()
    listing.stdout.close()  # as `| head -1` does
    _, err = listing.communicate(timeout=60)
    assert listing.returncode == 0
    assert b"Traceback" not in err and b"BrokenPipe" not in err


def test_verbose_logs_frames_and_decisions(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--case", "TC_001_CSMS", "--pics", FAST, "-q", "-v"]) == 0
    err = capsys.readouterr().err
    assert "simulator.frames" in err and "BootNotification" in err
    assert "simulator.decisions" in err and "TC_001_CSMS step 1" in err


@pytest.mark.slow
def test_ctrl_c_keeps_what_ran_and_marks_the_rest_not_run(tmp_path: Path) -> None:
    # TC_004_2 waits ConnectionTimeOut (30 s here): Ctrl-C arrives during it.
    pics = tmp_path / "pics.yaml"
    fast = Path(FAST).read_text()
    pics.write_text(fast.replace("connection_timeout: 1\n", "connection_timeout: 30\n"))
    assert "connection_timeout: 30" in pics.read_text()
    cases = ["--case", "TC_001_CSMS", "--case", "TC_003_CSMS", "--case", "TC_004_2_CSMS"]
    out_dir = tmp_path / "out"
    run = subprocess.Popen(
        [*SIMULATE, *cases, "--pics", str(pics), "--out", str(out_dir), "-q", "-v"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert run.stderr is not None
        for line in run.stderr:  # -v: wait until TC_004_2 is in its long wait
            if "TC_004_2_CSMS step 1" in line:
                break
        time.sleep(0.5)
        run.send_signal(signal.SIGINT)
        out, err = run.communicate(timeout=60)
    finally:
        run.kill()
    assert run.returncode == 130, out + err
    assert "Traceback" not in err, err
    assert "interrupted: 2 cases ran" in err  # in report order: TC_001, TC_003, TC_004_2
    results = json.loads((out_dir / "results.json").read_text())["cases"]
    verdicts = {c["id"]: c["verdict"] for c in results}
    assert verdicts == {
        "TC_001_CSMS": "PASS",
        "TC_003_CSMS": "PASS",
        "TC_004_2_CSMS": "NOT_RUN",
    }
