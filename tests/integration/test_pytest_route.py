"""The pytest route (simulator.pytest_plugin) as a vendor meets it: the shipped cases from
any folder, the CLI's defaults unless a configuration is chosen, and each verdict as the
pytest outcome that means the same (FAIL a failure, ERROR an error, NOT_APPLICABLE a skip).

Every run is a pytest session of its own, started in a folder as a user starts one: the
plugin is the installed one, configured as a user's run configures it
(tests/support/pytest_runs.py; the packaging tests run it from a fresh install)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from simulator.bundled import default_cases_dir
from simulator.cli import main
from tests.support.pytest_runs import run_pytest

ROOT = Path(__file__).resolve().parents[2]
FAST = ROOT / "tests" / "data" / "fast.yaml"
SHIPPED = len(list(default_cases_dir().glob("*/*.yaml")))


def _outcomes(junit: Path) -> dict[str, str]:
    """pytest's own JUnit XML: case id -> passed | failure | error | skipped."""
    found: dict[str, str] = {}
    for case in ElementTree.parse(junit).iter("testcase"):
        kinds = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
        found[case.get("name", "")] = kinds[0] if kinds else "passed"
    return found


@pytest.mark.slow
def test_error_is_a_pytest_error_and_fail_a_failure(
    tmp_path: Path, pytester: pytest.Pytester
) -> None:
    case = str(default_cases_dir() / "core" / "TC_001_CSMS.yaml")
    other = str(default_cases_dir() / "core" / "TC_003_CSMS.yaml")
    refused = run_pytest(
        pytester,
        case,
        other,
        "--ocpp-csms",
        "ws://127.0.0.1:9/ocpp",
        "--ocpp-config",
        str(FAST),
        "--ocpp-out",
        str(tmp_path / "refused"),
        "--junitxml",
        str(tmp_path / "refused.xml"),
        cwd=tmp_path,
    )
    assert refused.returncode == 1, refused.stdout + refused.stderr
    # As simulate: one clear ERROR, then the cases after it are NOT_RUN (skipped).
    assert _outcomes(tmp_path / "refused.xml") == {"TC_001_CSMS": "error", "TC_003_CSMS": "skipped"}
    cases = json.loads((tmp_path / "refused" / "results.json").read_text())["cases"]
    assert [c["verdict"] for c in cases] == ["ERROR", "NOT_RUN"]
    assert "ERROR at setup of TC_001_CSMS" in refused.stdout
    assert "TC_001_CSMS ERROR: Cold Boot Charge Point" in refused.stdout
    assert "Traceback" not in refused.stdout  # the verdict's reasons, not the plugin's code

    # A CSMS that rejects the boot FAILs TC_001; a PICS without Reservation makes
    # a Reservation case NOT_APPLICABLE: a skip.
    pics = tmp_path / "pics.yaml"
    pics.write_text(FAST.read_text() + "sut:\n  feature_profiles: [Core]\n")
    reservation = str(next(default_cases_dir().glob("reservation/*.yaml")))
    run = run_pytest(
        pytester,
        case,
        reservation,
        "--ocpp-fault",
        "reject-boot",
        "--ocpp-config",
        str(pics),
        "--junitxml",
        str(tmp_path / "junit.xml"),
        cwd=tmp_path,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert [*_outcomes(tmp_path / "junit.xml").values()] == ["failure", "skipped"], run.stdout
    assert "TC_001_CSMS FAIL: Cold Boot Charge Point" in run.stdout


def _configuration(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "results.json").read_text())["configuration"]
    return data


@pytest.mark.slow
def test_the_pytest_route_takes_the_cli_defaults(
    tmp_path: Path, monkeypatch: Any, pytester: pytest.Pytester
) -> None:
    # Inside this repository (its pyproject's ini applies) and from a vendor's folder alike:
    # no configuration file unless one is given, as simulate.
    monkeypatch.chdir(tmp_path)
    assert main(["--case", "TC_003_CSMS", "-q", "--out", str(tmp_path / "cli")]) == 0
    cli = _configuration(tmp_path / "cli")
    assert cli["source"] == "(defaults)" and cli["limits"]["response_timeout"] == 35.0

    case = str(default_cases_dir() / "core" / "TC_003_CSMS.yaml")
    here = run_pytest(pytester, case, "--ocpp-out", str(tmp_path / "repo"), cwd=ROOT)
    assert here.returncode == 0, here.stdout + here.stderr
    vendor = tmp_path / "vendor"
    vendor.mkdir()
    there = run_pytest(
        pytester, "--ocpp-cases", "-k", "TC_003", "--ocpp-out", str(tmp_path / "v"), cwd=vendor
    )
    assert there.returncode == 0, there.stdout + there.stderr
    assert _configuration(tmp_path / "repo") == cli
    assert _configuration(tmp_path / "v") == cli


@pytest.mark.slow
def test_ocpp_cases_collects_the_shipped_cases_from_any_folder(
    tmp_path: Path, pytester: pytest.Pytester
) -> None:
    nothing = run_pytest(pytester, "--collect-only", "-q", cwd=tmp_path)
    assert nothing.returncode == 5  # the plugin stays passive unless asked

    shipped = run_pytest(pytester, "--ocpp-cases", "--collect-only", "-q", cwd=tmp_path)
    assert shipped.returncode == 0, shipped.stdout + shipped.stderr
    assert f"{SHIPPED} tests collected" in shipped.stdout
    assert "TC_001_CSMS.yaml::TC_001_CSMS" in shipped.stdout

    own = tmp_path / "own"
    (own / "core").mkdir(parents=True)
    source = default_cases_dir() / "core" / "TC_001_CSMS.yaml"
    text = source.read_text().replace("id: TC_001_CSMS", "id: TC_901_CSMS")
    (own / "core" / "TC_901_CSMS.yaml").write_text(text)
    shutil.copy(source, own / "notes.yaml")  # not <block>/<id>.yaml: not a case
    both = run_pytest(
        pytester, "--ocpp-cases", "--ocpp-cases=own", "--collect-only", "-q", cwd=tmp_path
    )
    assert both.returncode == 0, both.stdout + both.stderr
    assert f"{SHIPPED + 1} tests collected" in both.stdout
    only = run_pytest(pytester, "--ocpp-cases=own", "--collect-only", "-q", cwd=tmp_path)
    assert "1 test collected" in only.stdout, only.stdout

    missing = run_pytest(pytester, "--ocpp-cases=nowhere", "--collect-only", cwd=tmp_path)
    assert missing.returncode == 4  # a usage error
    assert "--ocpp-cases nowhere: no such folder" in missing.stderr


def test_inside_the_repository_the_shipped_cases_are_collected_once(
    pytester: pytest.Pytester,
) -> None:
    done = run_pytest(pytester, "testcases", "--ocpp-cases", "--collect-only", "-q", cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{SHIPPED} tests collected" in done.stdout


def test_the_plugin_loads_nothing_of_the_harness_until_asked_for_cases() -> None:
    # It loads in every pytest run of an environment that has the harness installed.
    script = (
        "import json, sys, simulator.pytest_plugin; "
        "print(json.dumps([m for m in sys.modules if m.startswith(('reports', 'simulator.'))]))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    light = {"simulator.pytest_plugin", "simulator.editions", "simulator.yamlsource"}
    assert set(json.loads(done.stdout)) <= light | {"simulator.errors"}, done.stdout
