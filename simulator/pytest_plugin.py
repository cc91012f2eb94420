"""pytest front end: every case file is a pytest item named by its case id.

Registered through the ``pytest11`` entry point and passive until the ini option
``ocpp_testcases`` names folders of case files (this repository's pyproject.toml does).
Items run in one suite session, as ``simulate`` runs its cases: the same target, operator,
carry-over between cases and wall time; against the bundled CSMS unless ``--ocpp-csms``
is given.
"""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any

import pytest

from reports.outputs import write_reports
from reports.results import CaseResult, Verdict
from simulator.cases import BLOCKS, Case, load_case
from simulator.config import load_config
from simulator.editions import DEFAULT_EDITION, EDITIONS
from simulator.runner import SuiteSession, Target
from simulator.yamlsource import YamlSourceError


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ocpp16", "OCPP 1.6 certification pre-test")
    group.addoption(
        "--ocpp-csms", metavar="URL", help="CSMS base URL (default: the bundled reference CSMS)"
    )
    group.addoption(
        "--ocpp-operator",
        metavar="URL|manual|python:MOD:FUNC",
        help="operator adapter (as simulate --operator)",
    )
    group.addoption("--ocpp-config", metavar="FILE", help="harness configuration file")
    group.addoption(
        "--ocpp-fault",
        action="append",
        default=[],
        metavar="NAME",
        help="fault of the bundled CSMS",
    )
    group.addoption(
        "--ocpp-variation",
        action="append",
        default=[],
        metavar="NAME",
        help="legal variation of the bundled CSMS (as simulate --variation)",
    )
    group.addoption(
        "--ocpp-password",
        metavar="SECRET",
        help="HTTP Basic auth password (as simulate --password)",
    )
    group.addoption(
        "--ocpp-ca-file", metavar="PEM", help="CA certificate(s) for wss:// (as simulate --ca-file)"
    )
    group.addoption(
        "--ocpp-edition",
        choices=EDITIONS,
        help=f"Test Case Document edition (as simulate --edition; default {DEFAULT_EDITION})",
    )
    group.addoption(
        "--ocpp-strict",
        action="store_true",
        help="findings count as failures (as simulate --strict)",
    )
    group.addoption("--ocpp-out", metavar="DIR", help="write results.json and report.html here")
    parser.addini(
        "ocpp_config", "configuration file used when --ocpp-config is not given", default=""
    )
    parser.addini(
        "ocpp_testcases", "folders whose TC_*.yaml files are OCPP cases", type="paths", default=[]
    )


def _session(config: pytest.Config) -> SuiteSession:
    """The suite session of this pytest run (its target starts on first use)."""
    option = config.getoption
    path = option("--ocpp-config") or _ini_config(config)
    target = Target(
        csms_url=option("--ocpp-csms"),
        operator=option("--ocpp-operator"),
        faults=tuple(option("--ocpp-fault")),
        variations=tuple(option("--ocpp-variation")),
        password=option("--ocpp-password"),
        ca_file=option("--ocpp-ca-file"),
        strict=bool(option("--ocpp-strict")),
    )
    harness = load_config(Path(path) if path else None)
    if option("--ocpp-edition"):
        harness = dataclasses.replace(harness, edition=option("--ocpp-edition"))
    return SuiteSession(harness, target)


def _ini_config(config: pytest.Config) -> str | None:
    value = str(config.getini("ocpp_config") or "")
    return str(config.rootpath / value) if value else None


_SESSION = pytest.StashKey[SuiteSession]()


def pytest_configure(config: pytest.Config) -> None:
    for block in BLOCKS:
        config.addinivalue_line("markers", f"{block.name.replace('-', '_')}: {block.title} cases")


def pytest_unconfigure(config: pytest.Config) -> None:
    suite = config.stash.get(_SESSION, None)
    if suite is not None:
        suite.close()


def pytest_sessionfinish(session: pytest.Session) -> None:
    suite = session.config.stash.get(_SESSION, None)
    out = session.config.getoption("--ocpp-out")
    if suite is None or not out or not suite.results:
        return
    write_reports(suite.result(), Path(out))


def _suite(config: pytest.Config) -> SuiteSession:
    if _SESSION not in config.stash:
        config.stash[_SESSION] = _session(config)
    return config.stash[_SESSION]


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix != ".yaml" or not file_path.name.startswith("TC_"):
        return None
    roots = [Path(p).resolve() for p in parent.config.getini("ocpp_testcases")]
    resolved = file_path.resolve()
    if any(resolved.is_relative_to(root) for root in roots):
        return CaseFile.from_parent(parent, path=file_path)
    return None


class CaseFileError(Exception):
    pass


class CaseFile(pytest.File):
    def collect(self) -> Any:
        try:
            case = load_case(self.path, _suite(self.config).config.edition)
        except YamlSourceError as exc:
            raise CaseFileError(str(exc)) from None
        yield CaseItem.from_parent(self, name=case.id, case=case)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, CaseFileError):
            return f"malformed case file: {excinfo.value}"
        return str(super().repr_failure(excinfo))


class CaseNotPassed(Exception):
    def __init__(self, result: CaseResult) -> None:
        super().__init__(result.verdict)
        self.result = result


class CaseItem(pytest.Item):
    def __init__(self, *, case: Case, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case
        self.add_marker(getattr(pytest.mark, case.block.replace("-", "_")))

    def runtest(self) -> None:
        result = asyncio.run(_suite(self.config).run_case(self.case))
        for finding in result.findings:  # beside the verdict: shown, not failed on
            self.user_properties.append(("finding", str(finding)))
        if result.findings:
            shown = "\n".join(str(finding) for finding in result.findings)
            self.add_report_section("call", "findings", shown)
        if result.verdict == Verdict.NOT_APPLICABLE:
            pytest.skip("; ".join(str(r) for r in result.reasons) or "not applicable")
        if result.verdict != Verdict.PASS:
            raise CaseNotPassed(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, CaseNotPassed):
            result = excinfo.value.result
            lines = [f"{result.id} {result.verdict}: {result.title}"]
            lines += [f"  - {reason}" for reason in result.reasons]
            return "\n".join(lines)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"{self.case.id}: {self.case.title}"
