"""Start the bundled reference CSMS in-process, on a free loopback port, with a fresh
database: the default target of both front ends."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from simulator.config import HarnessConfig


@contextmanager
def bundled_csms(config: HarnessConfig, faults: Sequence[str] = ()) -> Iterator[tuple[str, str]]:
    """Yields (ocpp base URL, operator API URL)."""
    from csms_under_test.background import BackgroundCsms

    with tempfile.TemporaryDirectory(prefix="csms-under-test-") as folder:
        csms = BackgroundCsms(
            db_path=Path(folder) / "csms.sqlite3",
            config=config,
            faults=list(faults),
            heartbeat_interval=config.bundled_csms.heartbeat_interval,
        )
        with csms:
            yield csms.ocpp_url, csms.api_url


def default_cases_dir() -> Path:
    """./testcases if present, else the testcases folder of this checkout."""
    here = Path.cwd() / "testcases"
    return here if here.is_dir() else Path(__file__).resolve().parent.parent / "testcases"
