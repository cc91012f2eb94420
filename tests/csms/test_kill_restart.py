"""kill -9 mid-transaction loses nothing (issue 16, item 7): the CSMS process is killed with
SIGKILL between a StartTransaction and its StopTransaction, restarted on the same database,
and the charge point finishes the transaction there."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import FakeChargePoint, http

ROUNDS = 3
START_TIMEOUT = 20.0  # a bound, not a target


def _start(tmp_path: Path) -> tuple[subprocess.Popen[str], str, str]:
    """The CSMS on free ports (each start may get others: what counts is the database)."""
    seed = tmp_path / "seed.yaml"
    seed.write_text(
        "id_tags:\n  TAG-KILL: {status: Accepted}\ncharge_points:\n  CP_K: {}\n", encoding="utf-8"
    )
    command = [sys.executable, "-m", "csms_under_test", "--port", "0", "--seed", str(seed)]
    command += ["--db", str(tmp_path / "csms.sqlite3"), "--log-level", "ERROR"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    ocpp = process.stdout.readline().strip().removeprefix("ocpp: ")
    api = process.stdout.readline().strip().removeprefix("operator: ")
    assert ocpp.startswith("ws://") and api.startswith("http://"), (ocpp, api)
    return process, ocpp, api


async def _started(ocpp: str) -> int:
    cp = await FakeChargePoint.connect(ocpp, "CP_K")
    try:
        await cp.request("BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"})
        answer = await cp.request(
            "StartTransaction",
            {
                "connectorId": 1,
                "idTag": "TAG-KILL",
                "meterStart": 0,
                "timestamp": "2026-01-01T10:00:00.000Z",
            },
        )
        await cp.request(
            "MeterValues",
            {
                "connectorId": 1,
                "transactionId": answer["transactionId"],
                "meterValue": [
                    {"timestamp": "2026-01-01T10:01:00.000Z", "sampledValue": [{"value": "50"}]}
                ],
            },
        )
        transaction_id: int = answer["transactionId"]
        return transaction_id
    finally:
        await cp.close()


async def _stopped(ocpp: str, transaction_id: int) -> dict[str, object]:
    cp = await FakeChargePoint.connect(ocpp, "CP_K")
    try:
        return await cp.request(
            "StopTransaction",
            {
                "transactionId": transaction_id,
                "meterStop": 100,
                "timestamp": "2026-01-01T10:05:00.000Z",
            },
        )
    finally:
        await cp.close()


@pytest.mark.slow
def test_kill_9_mid_transaction_loses_nothing(tmp_path: Path) -> None:
    started: list[int] = []
    for _ in range(ROUNDS):
        process, ocpp, api = _start(tmp_path)
        try:
            started.append(asyncio.run(_started(ocpp)))
        finally:
            process.send_signal(signal.SIGKILL)  # no shutdown of any kind
            process.wait(timeout=START_TIMEOUT)
        process, ocpp, api = _start(tmp_path)
        try:
            answer = asyncio.run(_stopped(ocpp, started[-1]))
            assert answer == {}  # OCPP 1.6 §6.49: idTagInfo only when the request has an idTag
            transactions = http("GET", f"{api}/transactions?chargePointId=CP_K").body[
                "transactions"
            ]
        finally:
            process.terminate()
            process.wait(timeout=START_TIMEOUT)
        assert [t["transactionId"] for t in transactions] == started
        assert all(t["stopTimestamp"] is not None and t["meterStop"] == 100 for t in transactions)
