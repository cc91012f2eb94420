"""``make bench-csms``: the reference CSMS under load, printed, not asserted (issue 16).

    python -m tests.benchmarks.csms_load [--levels 100,1000,4000] [--seconds 10] [--workers 2]

For each level a fresh ``csms-under-test`` process (its own core, its own RSS) takes that
many charge points connecting at once; each then runs sessions for ``--seconds``:
Heartbeat, Authorize, StartTransaction, MeterValues x3, StopTransaction, one CALL at a
time (OCPP-J 1.6 §4.1.1), as fast as the CSMS answers. The charge points live in
``--workers`` processes so the load generator is not one Python loop. Printed per level:
connect p50/p99, requests answered, requests/s, request latency p50/p95/p99, errors, the
CSMS's RSS (VmRSS at the end, VmHWM its peak) and the CPU seconds the CSMS and the load
generator used.

requests/s counts the requests answered within the ``--seconds`` window (which begins
when the charge points start connecting), divided by its length; the sessions running
when it ends are finished, and their requests count in ``requests`` and in the latency
percentiles, not in requests/s. A request answered with anything but its CALLRESULT, or
not at all, is an error, not a request.

``--profile PREFIX`` samples the CSMS with py-spy (when it is installed; it is no
dependency of the project) over each level's window into ``PREFIX-<level>.txt``
(py-spy's raw collapsed-stack format).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import multiprocessing
import os
import resource
import shutil
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
    answered_at: list[float] = field(default_factory=list)  # time.time() of each answer
    errors: int = 0
    failed_connects: int = 0
    cpu_s: float = 0.0  # the load generator's


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
        try:
            await self.websocket.send(json.dumps([2, unique_id, action, payload]))
            async with asyncio.timeout(ANSWER_TIMEOUT):
                while True:
                    frame = json.loads(await self.websocket.recv())
                    if frame[0] != 2:  # a CSMS request: this load does not expect one
                        break
        except (TimeoutError, OSError, ValueError):
            self.figures.errors += 1
            return None
        if frame[0] != 3 or frame[1] != unique_id:
            self.figures.errors += 1
            return None
        self.figures.latencies_ms.append((time.perf_counter() - began) * 1000)
        self.figures.answered_at.append(time.time())
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

    before = resource.getrusage(resource.RUSAGE_SELF)
    asyncio.run(run())
    after = resource.getrusage(resource.RUSAGE_SELF)
    figures.cpu_s = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return figures


def _memory(pid: int) -> tuple[str, str]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return fields.get("VmRSS", "?"), fields.get("VmHWM", "?")


def _cpu_s(pid: int) -> float:
    """The user + system CPU seconds process ``pid`` used so far (proc(5): utime, stime)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _profiler(pid: int, seconds: float, out: str) -> subprocess.Popen[bytes] | None:
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        print("--profile: py-spy is not installed (pip install py-spy)", file=sys.stderr)
        return None
    command = [spy, "record", "--pid", str(pid), "--duration", str(int(seconds))]
    command += ["--rate", "200", "--format", "raw", "--nonblocking", "-o", out]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _level(charge_points: int, seconds: float, workers: int, profile: str | None) -> None:
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
            cpu_before = _cpu_s(csms.pid)
            spy = (
                None
                if profile is None
                else (_profiler(csms.pid, seconds + 1, f"{profile}-{charge_points}.txt"))
            )
            with multiprocessing.Pool(workers) as pool:
                parts = pool.starmap(_worker, [(url, s, start_at, stop_at) for s in shares])
            csms_cpu = _cpu_s(csms.pid) - cpu_before
            rss, peak = _memory(csms.pid)
            if spy is not None:
                spy.wait(timeout=60)
        finally:
            csms.terminate()
            csms.wait(timeout=30)
    figures = Figures()
    for part in parts:
        figures.connects_ms += part.connects_ms
        figures.latencies_ms += part.latencies_ms
        figures.answered_at += part.answered_at
        figures.errors += part.errors
        figures.failed_connects += part.failed_connects
        figures.cpu_s += part.cpu_s
    lat, con = figures.latencies_ms, figures.connects_ms
    in_window = sum(start_at <= at <= stop_at for at in figures.answered_at)
    print(
        f"{charge_points:>6} {_percentile(con, 0.5):>9.0f} {_percentile(con, 0.99):>9.0f} "
        f"{len(lat):>9} {in_window / seconds:>8.0f} "
        f"{statistics.median(lat) if lat else 0:>7.1f} "
        f"{_percentile(lat, 0.95):>7.1f} {_percentile(lat, 0.99):>7.1f} "
        f"{figures.errors + figures.failed_connects:>6} {rss:>11} {peak:>11} "
        f"{csms_cpu:>8.1f} {figures.cpu_s:>8.1f}",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.csms_load")
    parser.add_argument("--levels", default="100,1000,4000")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=max(os.cpu_count() or 2, 2))
    parser.add_argument("--profile", metavar="PREFIX", help="sample the CSMS with py-spy")
    args = parser.parse_args(argv)
    print(
        f"{'CPs':>6} {'conn p50':>9} {'conn p99':>9} {'requests':>9} {'req/s':>8} "
        f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>6} {'CSMS RSS':>11} "
        f"{'RSS peak':>11} {'CSMS cpu':>8} {'load cpu':>8}"
    )
    for level in (int(n) for n in args.levels.split(",")):
        _level(level, args.seconds, args.workers, args.profile)
    print(
        "(connect times in ms; req/s: answered within the window; cpu in seconds; each level "
        "on a fresh CSMS; load and CSMS share the machine)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
