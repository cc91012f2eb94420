"""``make bench-csms``: the reference CSMS under load, printed, not asserted (issue 16).

    python -m tests.benchmarks.csms_load [--levels 100,1000,4000] [--seconds 10] [--workers 2]

For each level a fresh ``csms-under-test`` process (its own core, its own RSS) takes that
many charge points connecting at once; each then runs sessions for ``--seconds``:
Heartbeat, Authorize, StartTransaction, MeterValues x3, StopTransaction, one CALL at a
time (OCPP-J 1.6 §4.1.1), as fast as the CSMS answers. The charge points live in
``--workers`` processes so the load generator is not one Python loop. Printed per level:
connect p50/p99, requests, requests/s, request latency p50/p95/p99, errors, and the CSMS's
RSS (VmRSS at the end, VmHWM its peak).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

OCPP = [Subprotocol("ocpp1.6")]
ANSWER_TIMEOUT = 30.0
ID_TAG = "TAG-VALID-0001"
SEED = "id_tags:\n  TAG-VALID-0001: {status: Accepted}\n"


@dataclass
class Figures:
    connects_ms: list[float] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    failed_connects: int = 0


def _stamp() -> str:
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}Z"


class _ChargePoint:
    def __init__(self, websocket: ClientConnection, figures: Figures) -> None:
        self.websocket = websocket
        self.figures = figures
        self.ids = itertools.count()

    async def call(self, action: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        unique_id = str(next(self.ids))
        began = time.perf_counter()
        await self.websocket.send(json.dumps([2, unique_id, action, payload]))
        try:
            while True:
                frame = json.loads(await asyncio.wait_for(self.websocket.recv(), ANSWER_TIMEOUT))
                if frame[0] == 2:  # a CSMS request: this load does not expect one; ignore it
                    continue
                break
        except (TimeoutError, OSError, ValueError):
            self.figures.errors += 1
            return None
        self.figures.latencies_ms.append((time.perf_counter() - began) * 1000)
        if frame[0] != 3 or frame[1] != unique_id:
            self.figures.errors += 1
            return None
        result: dict[str, Any] = frame[2]
        return result

    async def session(self) -> None:
        await self.call("Heartbeat", {})
        await self.call("Authorize", {"idTag": ID_TAG})
        meter = 0
        started = await self.call(
            "StartTransaction",
            {"connectorId": 1, "idTag": ID_TAG, "meterStart": meter, "timestamp": _stamp()},
        )
        transaction_id = started.get("transactionId") if started else None
        if not isinstance(transaction_id, int):
            return
        for _ in range(3):
            meter += 100
            value = {"timestamp": _stamp(), "sampledValue": [{"value": str(meter)}]}
            await self.call(
                "MeterValues",
                {"connectorId": 1, "transactionId": transaction_id, "meterValue": [value]},
            )
        await self.call(
            "StopTransaction",
            {"transactionId": transaction_id, "meterStop": meter, "timestamp": _stamp()},
        )


async def _one(url: str, cp_id: str, start_at: float, stop_at: float, figures: Figures) -> None:
    await asyncio.sleep(max(start_at - time.time(), 0))
    began = time.perf_counter()
    try:
        websocket = await connect(f"{url}/{cp_id}", subprotocols=OCPP, open_timeout=60)
    except (OSError, TimeoutError, Exception):
        figures.failed_connects += 1
        return
    figures.connects_ms.append((time.perf_counter() - began) * 1000)
    cp = _ChargePoint(websocket, figures)
    try:
        boot = {"chargePointVendor": "Bench", "chargePointModel": "Load"}
        await cp.call("BootNotification", boot)
        while time.time() < stop_at:
            await cp.session()
    finally:
        await websocket.close()


def _worker(url: str, ids: list[str], start_at: float, stop_at: float) -> Figures:
    figures = Figures()

    async def run() -> None:
        await asyncio.gather(*(_one(url, cp_id, start_at, stop_at, figures) for cp_id in ids))

    asyncio.run(run())
    return figures


def _memory(pid: int) -> tuple[str, str]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return fields.get("VmRSS", "?"), fields.get("VmHWM", "?")


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _level(charge_points: int, seconds: float, workers: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-csms-") as folder:
        seed = Path(folder) / "seed.yaml"
        seed.write_text(SEED, encoding="utf-8")
        command = [sys.executable, "-m", "csms_under_test", "--port", "0"]
        command += ["--db", str(Path(folder) / "csms.sqlite3"), "--seed", str(seed)]
        command += ["--accept-unknown", "--heartbeat-interval", "3600", "--log-level", "ERROR"]
        csms = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        try:
            assert csms.stdout is not None
            url = csms.stdout.readline().strip().removeprefix("ocpp: ")
            ids = [f"BENCH-{n:05d}" for n in range(charge_points)]
            start_at = time.time() + 1.0
            stop_at = start_at + seconds
            shares = [ids[n::workers] for n in range(workers)]
            with multiprocessing.Pool(workers) as pool:
                parts = pool.starmap(_worker, [(url, s, start_at, stop_at) for s in shares])
            rss, peak = _memory(csms.pid)
        finally:
            csms.terminate()
            csms.wait(timeout=30)
    figures = Figures()
    for part in parts:
        figures.connects_ms += part.connects_ms
        figures.latencies_ms += part.latencies_ms
        figures.errors += part.errors
        figures.failed_connects += part.failed_connects
    lat, con = figures.latencies_ms, figures.connects_ms
    print(
        f"{charge_points:>6} {_percentile(con, 0.5):>9.0f} {_percentile(con, 0.99):>9.0f} "
        f"{len(lat):>9} {len(lat) / seconds:>8.0f} {statistics.median(lat) if lat else 0:>7.1f} "
        f"{_percentile(lat, 0.95):>7.1f} {_percentile(lat, 0.99):>7.1f} "
        f"{figures.errors + figures.failed_connects:>6} {rss:>11} {peak:>11}",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.csms_load")
    parser.add_argument("--levels", default="100,1000,4000")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=max(os.cpu_count() or 2, 2))
    args = parser.parse_args(argv)
    print(
        f"{'CPs':>6} {'conn p50':>9} {'conn p99':>9} {'requests':>9} {'req/s':>8} "
        f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>6} {'CSMS RSS':>11} {'RSS peak':>11}"
    )
    for level in (int(n) for n in args.levels.split(",")):
        _level(level, args.seconds, args.workers)
    print("(connect times in ms; each level on a fresh CSMS; load and CSMS share the machine)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
