"""pytest front end: every case file is a pytest item named by its case id.

Registered through the ``pytest11`` entry point and passive until asked for cases: by
``--ocpp-cases`` (alone: the cases that ship with the harness; ``--ocpp-cases=DIR``: a
folder of ``<block>/<id>.yaml``), from any folder, or by the ini option ``ocpp_testcases``
(this repository's pyproject.toml names ``testcases/``). Items run in one suite session,
as ``simulate`` runs its cases: the same target, operator, carry-over between cases, wall
time and defaults (no configuration file unless ``--ocpp-config`` or the ini
``ocpp_config`` names one); against the bundled CSMS unless ``--ocpp-csms`` is given.

A case runs in its item's setup, so its verdict maps onto pytest's outcomes: PASS passes,
FAIL is a failure (the CSMS broke a rule), ERROR and INCONCLUSIVE an error (the harness,
the environment or the operator kept the case from deciding), NOT_APPLICABLE and NOT_RUN
(after a case that could not reach the CSMS at all, as simulate) a skip: as junit.xml
counts them.
"""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from simulator.editions import DEFAULT_EDITION, EDITIONS
from simulator.yamlsource import YamlSourceError

# The plugin loads in every pytest run of an environment that has the harness installed:
# the harness itself (cases, runner, reports) is imported only when a run asks for cases.
if TYPE_CHECKING:
    from reports.results import CaseResult
    from simulator.cases import Case
    from simulator.runner import SuiteSession

_SHIPPED = ""  # the value of a bare --ocpp-cases


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
    group.addoption(
        "--ocpp-cases",
        action="append",
        nargs="?",
        const=_SHIPPED,
        default=[],
        metavar="DIR",
        help="collect OCPP cases, from any folder: alone, the cases shipped with the harness; "
        "--ocpp-cases=DIR, the folder's <block>/<id>.yaml (repeatable)",
    )
    parser.addini(
        "ocpp_config", "configuration file used when --ocpp-config is not given", default=""
    )
    parser.addini(
        "ocpp_testcases", "case folders (<block>/<id>.yaml) to collect", type="paths", default=[]
    )


def _session(config: pytest.Config) -> SuiteSession:
    """The suite session of this pytest run (its target starts on first use)."""
    from simulator.config import load_config
    from simulator.runner import SuiteSession, Target

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


_SESSION = pytest.StashKey["SuiteSession"]()
_ROOTS = pytest.StashKey[list[Path]]()


def pytest_configure(config: pytest.Config) -> None:
    asked = [_case_folder(value) for value in config.getoption("--ocpp-cases")]
    ini = [Path(p) for p in config.getini("ocpp_testcases")]
    config.stash[_ROOTS] = [folder.resolve() for folder in [*ini, *asked]]
    if not config.stash[_ROOTS]:
        return  # passive: no case is collected, nothing of the harness is loaded
    from simulator.cases import BLOCKS

    for block in BLOCKS:
        config.addinivalue_line("markers", f"{block.name.replace('-', '_')}: {block.title} cases")
    for folder in asked:  # collected as if named on the command line (pytest drops overlaps)
        config.args.append(str(folder))
    try:  # a bad configuration file is a usage error, not one per case file
        _suite(config)
    except YamlSourceError as exc:
        raise pytest.UsageError(str(exc)) from None


def _case_folder(value: str) -> Path:
    from simulator.bundled import default_cases_dir

    folder = default_cases_dir() if value == _SHIPPED else Path(value)
    if not folder.is_dir():
        raise pytest.UsageError(
            f"--ocpp-cases {value}: no such folder (--ocpp-cases alone collects the shipped "
            "cases; --ocpp-cases=DIR a folder of <block>/<id>.yaml)"
        )
    return folder


def pytest_unconfigure(config: pytest.Config) -> None:
    suite = config.stash.get(_SESSION, None)
    if suite is not None:
        suite.close()


def pytest_sessionfinish(session: pytest.Session) -> None:
    suite = session.config.stash.get(_SESSION, None)
    out = session.config.getoption("--ocpp-out")
    if suite is None or not out or not suite.results:
        return
    from reports.outputs import write_reports

    write_reports(suite.result(), Path(out))


def _suite(config: pytest.Config) -> SuiteSession:
    if _SESSION not in config.stash:
        config.stash[_SESSION] = _session(config)
    return config.stash[_SESSION]


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """A case file is ``<block>/<id>.yaml`` in a case folder, as simulate finds them."""
    if file_path.suffix != ".yaml" or file_path.name.startswith("."):
        return None
    resolved = file_path.resolve()
    if resolved.parent.parent in parent.config.stash[_ROOTS]:
        return CaseFile.from_parent(parent, path=file_path)
    return None


class CaseFileError(Exception):
    pass


class CaseFile(pytest.File):
    def collect(self) -> Any:
        from simulator.cases import load_case

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
        self.result: CaseResult | None = None
        self.add_marker(getattr(pytest.mark, case.block.replace("-", "_")))

    def setup(self) -> None:
        """Run the case. A verdict that decides nothing about the CSMS (ERROR, INCONCLUSIVE)
        fails the setup, which pytest reports as an error; NOT_APPLICABLE skips, and so does
        NOT_RUN: every case after one that could not reach the CSMS at all, as simulate."""
        from reports.results import Verdict

        result = self.result = asyncio.run(_suite(self.config).run_case(self.case))
        if result.verdict == Verdict.NOT_RUN:  # the session stopped: as simulate
            pytest.skip(result.reasons[0].message)
        for finding in result.findings:  # beside the verdict: shown, not failed on
            self.user_properties.append(("finding", str(finding)))
        if result.findings:
            shown = "\n".join(str(finding) for finding in result.findings)
            self.add_report_section("setup", "findings", shown)
        if result.verdict == Verdict.NOT_APPLICABLE:
            pytest.skip("; ".join(str(r) for r in result.reasons) or "not applicable")
        if result.verdict not in (Verdict.PASS, Verdict.FAIL):
            pytest.fail(_describe(result), pytrace=False)

    def runtest(self) -> None:
        """The verdict of the case run in setup: FAIL is the test's failure."""
        from reports.results import Verdict

        if self.result is not None and self.result.verdict == Verdict.FAIL:
            raise CaseNotPassed(self.result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, CaseNotPassed):
            return _describe(excinfo.value.result)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"{self.case.id}: {self.case.title}"


def _describe(result: CaseResult) -> str:
    lines = [f"{result.id} {result.verdict}: {result.title}"]
    lines += [f"  - {reason}" for reason in result.reasons]
    return "\n".join(lines)
