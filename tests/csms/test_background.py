"""BackgroundCsms: the reference CSMS on its own loop in a daemon thread."""

from __future__ import annotations

import asyncio
import socket
import threading
from pathlib import Path

import pytest

from csms_under_test import BackgroundCsms, BackgroundCsmsError, ReferenceCsms
from csms_under_test.settings import CsmsSettings

from .helpers import FakeChargePoint, http, http_async


async def test_serves_beside_the_main_loop(db_path: Path) -> None:
    threads_before = set(threading.enumerate())
    with BackgroundCsms(
        CsmsSettings(db_path=db_path, heartbeat_interval=3, accept_unknown=True)
    ) as csms:
        assert csms.ocpp_url.startswith("ws://127.0.0.1:") and csms.ocpp_url.endswith("/ocpp")
        assert csms.api_url.startswith("http://127.0.0.1:") and csms.api_url.endswith("/api")
        cp = await FakeChargePoint.connect(csms.ocpp_url)
        try:
            assert (await cp.boot())["interval"] == 3
            listed = await http_async("GET", f"{csms.api_url}/chargepoints")
            assert listed.body["chargePoints"][0]["connected"] is True

            async def count() -> int:
                return len(csms.csms.store.transactions())

            assert csms.run(count()) == 0
        finally:
            await cp.close()
    # Nothing of the CSMS is left; this test loop's own executor threads may be.
    leftover = set(threading.enumerate()) - threads_before
    assert [t.name for t in leftover if not t.name.startswith("asyncio_")] == []


def test_stop_is_idempotent_and_urls_stop_answering(db_path: Path) -> None:
    csms = BackgroundCsms(CsmsSettings(db_path=db_path)).start()
    api_url = csms.api_url
    assert http("GET", f"{api_url}/health").status == 200
    csms.stop()
    csms.stop()
    with pytest.raises(OSError):
        http("GET", f"{api_url}/health")


def test_start_failure_is_reported(db_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        background = BackgroundCsms(CsmsSettings(db_path=db_path, port=port))
        with pytest.raises(BackgroundCsmsError, match="failed to start"):
            background.start()
    assert background._thread is not None and not background._thread.is_alive()


def test_unknown_fault_raises_at_construction(db_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        BackgroundCsms(CsmsSettings(db_path=db_path, faults=("nope",)))


async def test_stop_with_a_request_in_flight(db_path: Path) -> None:
    """Stopping while the operator waits on a charge point answers the operator, no hang."""
    csms = ReferenceCsms(CsmsSettings(db_path=db_path, call_timeout=30, accept_unknown=True))
    await csms.start()
    cp = await FakeChargePoint.connect(csms.ocpp_url)
    try:
        url = f"{csms.api_url}/chargepoints/CP_1/requests/ClearCache"
        sent = asyncio.create_task(http_async("POST", url, {}))
        await cp.expect_call()
        await asyncio.wait_for(csms.stop(), 5)
        assert (await sent).status in (502, 503)
    finally:
        await cp.close()
        await csms.stop()
