"""Start the bundled reference CSMS in-process, on a free loopback port, with a fresh
database: the default target of both front ends."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from simulator.config import HarnessConfig

if TYPE_CHECKING:
    from reports.results import RunResult
    from simulator.cases import Case


@contextmanager
def bundled_csms(
    config: HarnessConfig, faults: Sequence[str] = (), variations: Sequence[str] = ()
) -> Iterator[tuple[str, str]]:
    """Yields (ocpp base URL, operator API URL)."""
    from csms_under_test.background import BackgroundCsms

    with tempfile.TemporaryDirectory(prefix="csms-under-test-") as folder:
        csms = BackgroundCsms(
            db_path=Path(folder) / "csms.sqlite3",
            config=config,
            faults=list(faults),
            variations=list(variations),
            heartbeat_interval=config.bundled_csms.heartbeat_interval,
        )
        with csms:
            yield csms.ocpp_url, csms.api_url


def with_bundled_file_locations(config: HarnessConfig, api_url: str) -> HarnessConfig:
    """``config`` with every unset ``file_transfer`` location pointed at the bundled CSMS's
    files (served on its operator API server, see csms_under_test.files): its demo firmware,
    a firmware name it does not have (a real 404), its diagnostics folder, and its read-only
    firmware folder as an upload target (a real 405)."""
    from csms_under_test.files import DEMO_FIRMWARE_NAME, FILES_PATH

    files = api_url.removesuffix("/api") + FILES_PATH
    bundled = {
        "firmware_location": f"{files}/firmware/{DEMO_FIRMWARE_NAME}",
        "firmware_failing_location": f"{files}/firmware/missing-{DEMO_FIRMWARE_NAME}",
        "diagnostics_location": f"{files}/diagnostics/",
        "diagnostics_failing_location": f"{files}/firmware/",
    }
    unset = {k: v for k, v in bundled.items() if not getattr(config.file_transfer, k)}
    return config.with_overrides(file_transfer=unset)


def run_on_bundled(
    config: HarnessConfig,
    cases: list[Case],
    faults: Sequence[str] = (),
    variations: Sequence[str] = (),
) -> RunResult:
    """Run ``cases`` against a fresh bundled CSMS with ``faults`` and ``variations``."""
    from simulator.runner.suite import SuiteSession, Target

    target = Target(faults=tuple(faults), variations=tuple(variations))
    with SuiteSession(config, target) as suite:
        return asyncio.run(suite.run(cases))


def default_cases_dir() -> Path:
    """./testcases if present, else the testcases folder of this checkout."""
    here = Path.cwd() / "testcases"
    return here if here.is_dir() else Path(__file__).resolve().parent.parent / "testcases"
