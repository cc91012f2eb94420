"""Scheduling for ``make test`` (pytest-xdist, ``--dist loadgroup``).

Most of this suite waits: on configured timeouts, on a CSMS, on subprocesses. ``make test``
runs it on several workers that take the next test from one queue as they come free; the
tests marked ``slow`` (seconds each) go to the front of that queue, so that they start on
the first free workers instead of ending the run alone (longest first).
"""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: runs for seconds (a full suite, a subprocess): scheduled first"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)  # stable
