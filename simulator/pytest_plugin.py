"""pytest front end: every case file is a pytest item named by its case id.

Registered through the ``pytest11`` entry point and passive until the ini option
``ocpp_testcases`` names folders of case files (this repository's pyproject.toml does).
Items run on the same engine as ``simulate``; against the bundled CSMS unless
``--ocpp-csms`` is given.
"""

from __future__ import annotations

import asyncio
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

import simulator
from reports.outputs import write_reports
from reports.results import CaseResult, RunResult, Verdict
from simulator.bundled import bundled_csms, with_bundled_file_locations
from simulator.cases import BLOCKS, Case, load_case
from simulator.config import load_config
from simulator.operator import choose_operator
from simulator.runner import RunSettings, run_case
from simulator.runner.suite import describe_configuration
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
    group.addoption("--ocpp-out", metavar="DIR", help="write results.json and report.html here")
    parser.addini(
        "ocpp_config", "configuration file used when --ocpp-config is not given", default=""
    )
    parser.addini(
        "ocpp_testcases", "folders whose TC_*.yaml files are OCPP cases", type="paths", default=[]
    )


class _Harness:
    """The target and the results of one pytest session, started on first use."""

    def __init__(self, config: pytest.Config) -> None:
        self.pytest_config = config
        self.results: list[CaseResult] = []
        self._stack = ExitStack()
        self._settings: RunSettings | None = None

    def settings(self) -> RunSettings:
        if self._settings is None:
            option = self.pytest_config.getoption
            path = option("--ocpp-config") or self._ini_config()
            harness_config = load_config(Path(path) if path else None)
            csms_url, api_url = option("--ocpp-csms"), None
            if not csms_url:
                csms_url, api_url = self._stack.enter_context(
                    bundled_csms(harness_config, option("--ocpp-fault"))
                )
                harness_config = with_bundled_file_locations(harness_config, api_url)
            operator = choose_operator(option("--ocpp-operator"), harness_config.operator, api_url)
            self._settings = RunSettings(harness_config, csms_url, operator)
        return self._settings

    def _ini_config(self) -> str | None:
        value = str(self.pytest_config.getini("ocpp_config") or "")
        return str(self.pytest_config.rootpath / value) if value else None

    def close(self) -> None:
        self._stack.close()


_HARNESS = pytest.StashKey[_Harness]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_HARNESS] = _Harness(config)
    for block in BLOCKS:
        config.addinivalue_line("markers", f"{block.name.replace('-', '_')}: {block.title} cases")


def pytest_unconfigure(config: pytest.Config) -> None:
    harness = config.stash.get(_HARNESS, None)
    if harness is not None:
        harness.close()


def pytest_sessionfinish(session: pytest.Session) -> None:
    harness = session.config.stash.get(_HARNESS, None)
    out = session.config.getoption("--ocpp-out")
    if harness is None or not out or not harness.results or harness._settings is None:
        return
    settings = harness.settings()
    run = RunResult(
        harness=simulator.HARNESS_NAME,
        version=simulator.__version__,
        started=harness.results[0].started,
        duration_s=round(sum(r.duration_s for r in harness.results), 3),
        csms_url=settings.csms_url,
        configuration=describe_configuration(settings),
        cases=harness.results,
    )
    write_reports(run, Path(out))


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
            case = load_case(self.path)
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
        harness = self.config.stash[_HARNESS]
        result = asyncio.run(run_case(self.case, harness.settings()))
        harness.results.append(result)
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
