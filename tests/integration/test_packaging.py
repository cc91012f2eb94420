"""The cases ship with the harness: the wheel holds them and the reusable states (and the
operator contract the bundled CSMS serves), a non-editable install in a fresh venv runs
them from any folder (simulate and pytest), and ``--cases`` / ``--add-cases`` replace or
add case folders.

The wheel is built from a copy of the sources (pip builds in the source tree) with pip's
own build isolation, and installed with its dependencies: both need the package index
(pip's cache makes the second time quick). About 15 s in all."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from simulator.bundled import case_files, default_cases_dir
from simulator.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    "pyproject.toml",
    "README.md",
    "ocppj",
    "simulator",
    "csms_under_test",
    "reports",
    "testcases",
]
CASES = sorted(p.relative_to(ROOT).as_posix() for p in ROOT.glob("testcases/*/*.yaml"))
STATES = sorted(p.relative_to(ROOT).as_posix() for p in ROOT.glob("simulator/cases/states/*.yaml"))


def _run(command: list[str], cwd: Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"
    source.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "build")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=ignore)
        else:
            shutil.copy2(ROOT / name, source / name)
    command = [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q"]
    _run([*command, "-w", str(work / "dist")], cwd=work)
    [built] = (work / "dist").glob("ocpp16_pretest-*.whl")
    yield built


@pytest.mark.slow
@pytest.mark.xdist_group("wheel")  # one worker, one build of the module's wheel
def test_the_wheel_holds_the_cases_and_the_states(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert len(CASES) >= 60 and len(STATES) >= 3
    assert set(CASES) <= names, sorted(set(CASES) - names)
    assert set(STATES) <= names, sorted(set(STATES) - names)
    assert "testcases/__init__.py" in names
    assert not any(n.startswith(("tests/", "conftest")) for n in names)
    # The operator contract the bundled CSMS serves at GET /api/openapi.json.
    served = zipfile.ZipFile(wheel).read("csms_under_test/operator-contract.openapi.json")
    assert served == (ROOT / "docs" / "operator-contract.openapi.json").read_bytes()


@pytest.mark.slow
@pytest.mark.xdist_group("wheel")
def test_a_fresh_install_runs_the_shipped_cases_from_any_folder(
    wheel: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=tmp_path)
    python = venv / "bin" / "python"
    # --no-compile: byte-compiling every dependency (pygments' lexers among them) costs
    # more CPU than the runs below spend compiling the modules they import.
    install = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q"]
    _run([*install, "--no-compile", str(wheel)], tmp_path)
    elsewhere = tmp_path / "vendor"
    elsewhere.mkdir()

    listed = _run([str(venv / "bin" / "simulate"), "--list"], cwd=elsewhere).stdout
    assert f"{len(CASES)} cases as edition" in listed
    assert "TC_001_CSMS" in listed
    helped = _run([str(venv / "bin" / "simulate"), "--help"], cwd=elsewhere).stdout
    assert "./testcases" not in helped and "--add-cases" in helped

    load = (
        "from csms_under_test.openapi import openapi_document; print(openapi_document()['openapi'])"
    )
    assert _run([str(python), "-c", load], cwd=elsewhere).stdout == "3.1.0\n"

    ran = _run([str(venv / "bin" / "simulate"), "--case", "TC_003_CSMS", "-q"], cwd=elsewhere)
    assert "1 PASS" in ran.stdout, ran.stdout
    command = [str(python), "-m", "pytest", "-p", "no:cacheprovider", "--ocpp-cases", "-q"]
    plugin = _run([*command, "-k", "TC_003"], cwd=elsewhere)
    assert "1 passed" in plugin.stdout, plugin.stdout


def _own_cases(folder: Path, *ids: str) -> Path:
    source = (default_cases_dir() / "core" / "TC_001_CSMS.yaml").read_text()
    (folder / "core").mkdir(parents=True)
    for case_id in ids:
        text = source.replace("id: TC_001_CSMS", f"id: {case_id}")
        (folder / "core" / f"{case_id}.yaml").write_text(text)
    return folder


def test_cases_replaces_the_shipped_cases_and_add_cases_adds_to_them(
    tmp_path: Path, capsys: Any, monkeypatch: Any
) -> None:
    own = _own_cases(tmp_path / "own", "TC_901_CSMS")
    monkeypatch.chdir(tmp_path)  # a folder named testcases here changes nothing
    _own_cases(tmp_path / "testcases", "TC_902_CSMS")

    def listed(*args: str) -> list[str]:
        assert main(["--list", *args]) == 0
        return [line.split()[0] for line in capsys.readouterr().out.splitlines()[:-1]]

    shipped = listed()
    assert len(shipped) == len(CASES) and "TC_902_CSMS" not in shipped
    assert listed("--cases", str(own)) == ["TC_901_CSMS"]
    assert sorted(listed("--add-cases", str(own))) == sorted([*shipped, "TC_901_CSMS"])
    both = listed("--cases", str(own), "--add-cases", "testcases")
    assert sorted(both) == ["TC_901_CSMS", "TC_902_CSMS"]

    assert main(["--list", "--cases", str(tmp_path / "nowhere")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["--list", "--add-cases", str(tmp_path)]) == 2  # no <block>/<id>.yaml here
    assert "holds no case file" in capsys.readouterr().err
    clash = _own_cases(tmp_path / "clash", "TC_001_CSMS")
    assert main(["--list", "--add-cases", str(clash)]) == 2
    assert "duplicate case id TC_001_CSMS" in capsys.readouterr().err
    # The shipped folder named again is the same files, not duplicates.
    assert len(case_files(add=[default_cases_dir()])) == len(CASES)


def test_the_help_says_where_the_cases_come_from() -> None:
    text = build_parser().format_help()
    assert "./testcases" not in text
    assert "instead of the shipped ones" in text and "--add-cases" in text
