"""The three front ends run cases alike: simulate, the pytest plugin and simulate mutation
share one suite session, so the same cases give the same verdicts, configuration and the
run's wall time (not the sum of the cases' durations)."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from simulator.cli import main
from simulator.config import load_config
from simulator.mutation import run_against

ROOT = Path(__file__).resolve().parents[2]
FAST = ROOT / "tests" / "data" / "fast.yaml"
CASES = ["TC_001_CSMS", "TC_003_CSMS"]
FILES = [ROOT / "testcases" / "core" / f"{case}.yaml" for case in CASES]


def _cli(out: Path) -> dict[str, Any]:
    args = [a for case in CASES for a in ("--case", case)]
    assert main([*args, "--config", str(FAST), "--out", str(out), "-q"]) == 0
    data: dict[str, Any] = json.loads((out / "results.json").read_text())
    return data


def _pytest(out: Path) -> dict[str, Any]:
    # The repository's pytest configuration: ocpp_config = tests/data/fast.yaml.
    command = [sys.executable, "-m", "pytest", "-q", *map(str, FILES), "--ocpp-out", str(out)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    data: dict[str, Any] = json.loads((out / "results.json").read_text())
    return data


def _span(run: dict[str, Any]) -> float:
    """First case's start to the last case's end, from the cases' own records."""
    from datetime import datetime

    def moment(text: str) -> float:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()

    first, last = run["cases"][0], run["cases"][-1]
    return moment(last["started"]) + last["duration_s"] - moment(first["started"])


def test_simulate_and_pytest_write_the_same_run(tmp_path: Path) -> None:
    cli, plugin = _cli(tmp_path / "cli"), _pytest(tmp_path / "pytest")
    for run in (cli, plugin):
        assert [c["id"] for c in run["cases"]] == CASES
        assert [c["verdict"] for c in run["cases"]] == ["PASS", "PASS"]
        # The run's wall time: it covers the gap between the cases too.
        assert abs(run["duration_s"] - _span(run)) < 0.1, run["duration_s"]
        assert run["duration_s"] >= sum(c["duration_s"] for c in run["cases"]) - 0.005
        assert run["started"] == run["cases"][0]["started"]
    assert cli["configuration"] == plugin["configuration"]
    assert cli["configuration"]["operator"] == "http"


def test_mutation_runs_cases_as_the_other_front_ends(tmp_path: Path) -> None:
    cli = _cli(tmp_path / "cli")
    results = run_against(load_config(FAST), _load(), ())
    assert [r.verdict for r in results] == [c["verdict"] for c in cli["cases"]]
    assert [[s.status for s in r.steps] for r in results] == [
        [s["status"] for s in c["steps"]] for c in cli["cases"]
    ]


def _load() -> list[Any]:
    from simulator.cases import load_case

    return [load_case(path) for path in FILES]
