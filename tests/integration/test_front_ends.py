"""The three front ends run cases alike: simulate, the pytest plugin and simulate mutation
share one suite session, so the same cases give the same verdicts, configuration and the
run's wall time (not the sum of the cases' durations)."""

import json
from pathlib import Path
from typing import Any

import pytest

from simulator.cli import main
from simulator.config import load_config
from simulator.mutation import run_against
from tests.support.pytest_runs import run_pytest

ROOT = Path(__file__).resolve().parents[2]
FAST = ROOT / "tests" / "data" / "fast.yaml"
CASES = ["TC_001_CSMS", "TC_003_CSMS"]
FILES = [ROOT / "testcases" / "core" / f"{case}.yaml" for case in CASES]


def _cli(out: Path) -> dict[str, Any]:
    args = [a for case in CASES for a in ("--case", case)]
    assert main([*args, "--config", str(FAST), "--out", str(out), "-q"]) == 0
    data: dict[str, Any] = json.loads((out / "results.json").read_text())
    return data


def _pytest(pytester: pytest.Pytester, out: Path) -> dict[str, Any]:
    # As the CLI run: the fast configuration, given explicitly (pyproject sets none).
    args = ["-q", *map(str, FILES), "--ocpp-config", str(FAST), "--ocpp-out", str(out)]
    done = run_pytest(pytester, *args, cwd=ROOT)
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


@pytest.mark.slow
def test_simulate_and_pytest_write_the_same_run(tmp_path: Path, pytester: pytest.Pytester) -> None:
    cli, plugin = _cli(tmp_path / "cli"), _pytest(pytester, tmp_path / "pytest")
    for run in (cli, plugin):
        assert [c["id"] for c in run["cases"]] == CASES
        assert [c["verdict"] for c in run["cases"]] == ["PASS", "PASS"]
        # The run's wall time: it covers the gap between the cases too.
        assert abs(run["duration_s"] - _span(run)) < 0.1, run["duration_s"]
        assert run["duration_s"] >= sum(c["duration_s"] for c in run["cases"]) - 0.005
        assert run["started"] == run["cases"][0]["started"]
    # Each run makes its own TLS material: the same certificates by subject, fresh serials.
    shown = [run["configuration"]["security"] for run in (cli, plugin)]
    for key in ("ca_file", "client_certificate"):
        subjects = [[c["subject"] for c in security.pop(key)] for security in shown]
        assert subjects[0] == subjects[1] != []
    assert cli["configuration"] == plugin["configuration"]
    assert cli["configuration"]["operator"] == "http"


@pytest.mark.slow
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


@pytest.mark.slow
def test_every_front_end_runs_the_edition_and_strict_asked_for(
    tmp_path: Path, pytester: pytest.Pytester
) -> None:
    # TC_040_2's value check exists only in 2024-04 (catalog §12.1); TC_012's transactionId
    # check is an inference (a finding), which --strict counts.
    case = ROOT / "testcases" / "core" / "TC_040_2_CSMS.yaml"
    out = tmp_path / "cli"
    args = ["--case", "TC_040_2_CSMS", "--case", "TC_012_CSMS", "--edition", "2024-04"]
    assert main([*args, "--config", str(FAST), "--out", str(out), "-q"]) == 0
    run = json.loads((out / "results.json").read_text())
    assert run["edition"] == "2024-04" and run["strict"] is False
    titles = {c["id"]: c["title"] for c in run["cases"]}
    assert titles["TC_040_2_CSMS"] == "Configuration keys"
    assert 'name="edition" value="2024-04"' in (out / "junit.xml").read_text()

    strict = tmp_path / "strict"
    faulty = ["--case", "TC_012_CSMS", "--fault", "remote-stop-wrong-transaction", "--strict"]
    assert main([*faulty, "--config", str(FAST), "--out", str(strict), "-q"]) == 1
    [result] = json.loads((strict / "results.json").read_text())["cases"]
    assert result["verdict"] == "FAIL" and result["reasons"][0]["basis"] == "inference"
    assert main([*faulty[:-1], "--config", str(FAST), "-q"]) == 0  # not strict: PASS

    plugin = tmp_path / "pytest"
    args = ["-q", str(case), "--ocpp-edition", "2024-04", "--ocpp-config", str(FAST)]
    done = run_pytest(pytester, *args, "--ocpp-out", str(plugin), cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    pytest_run = json.loads((plugin / "results.json").read_text())
    assert pytest_run["edition"] == "2024-04"
    assert pytest_run["cases"][0]["title"] == "Configuration keys"


def test_list_marks_the_cases_that_vary_between_editions(capsys: Any) -> None:
    assert main(["--list", "--edition", "2024-04"]) == 0
    lines = capsys.readouterr().out.splitlines()
    [row] = [line for line in lines if line.startswith("TC_040_2_CSMS")]
    assert "varies" in row and row.endswith("Configuration keys")
    [plain] = [line for line in lines if line.startswith("TC_001_CSMS")]
    assert "varies" not in plain
    assert "as edition 2024-04 has them" in lines[-1]
