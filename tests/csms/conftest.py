from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from csms_under_test import ReferenceCsms
from csms_under_test.settings import CsmsSettings
from simulator.bundled_seed import seed_for
from simulator.config import HarnessConfig

from .helpers import ConnectChargePoint, FakeChargePoint, StartCsms


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "csms.sqlite3"


@pytest.fixture
async def start_csms(db_path: Path) -> AsyncIterator[StartCsms]:
    """Start a ReferenceCsms on this test's loop; every one started is stopped afterwards.
    ``options`` are CsmsSettings fields, and ``seed`` (default: the harness's default PICS
    as a seed, so the default idTags are known). Unknown charge points are let in unless
    ``accept_unknown=False``: most tests connect ids of their own; the security tests say."""
    started: list[ReferenceCsms] = []

    async def start(**options: Any) -> ReferenceCsms:
        seed = options.pop("seed", seed_for(HarnessConfig()))
        options.setdefault("db_path", db_path)
        options.setdefault("call_timeout", 2.0)
        options.setdefault("accept_unknown", True)
        csms = ReferenceCsms(CsmsSettings(**options), seed=seed)
        await csms.start()
        started.append(csms)
        return csms

    yield start
    for csms in reversed(started):
        await csms.stop()


@pytest.fixture
async def csms(start_csms: StartCsms) -> ReferenceCsms:
    return await start_csms()


@pytest.fixture
async def connect() -> AsyncIterator[ConnectChargePoint]:
    """Connect fake charge points; all are closed afterwards."""
    opened: list[FakeChargePoint] = []

    async def open_one(url: str, charge_point_id: str = "CP_1", **options: Any) -> FakeChargePoint:
        charge_point = await FakeChargePoint.connect(url, charge_point_id, **options)
        opened.append(charge_point)
        return charge_point

    yield open_one
    for charge_point in opened:
        await charge_point.close()


@pytest.fixture
async def cp(csms: ReferenceCsms, connect: ConnectChargePoint) -> FakeChargePoint:
    """A charge point CP_1 connected to ``csms``."""
    return await connect(csms.ocpp_url)
