"""``make bench-csms``: the reference CSMS under load, printed, not asserted (issue 16).

    python -m tests.benchmarks.csms_load [--levels 100,1000,4000] [--seconds 10]
        [--warmup 3] [--rate 4000] [--mode both|paced|closed] [--workers N]
        [--profile PREFIX]

For each level a fresh ``csms-under-test`` process (its own RSS; pinned to one core, the
load generator to the others) takes that
many charge points connecting at once; each then runs sessions, measured over
``--seconds`` after a ``--warmup`` (connecting and booting at once is a transient of its
own, which the connect times measure):
Heartbeat, Authorize, StartTransaction, MeterValues x3, StopTransaction, one CALL at a
time (OCPP-J 1.6 §4.1.1). Two loads (tests/benchmarks/load_charge_points.py):

- **paced**: the charge points together offer ``--rate`` requests/s, each at its own
  steady pace, as a real fleet does; the latency of a request counts from when it was due
  (a CSMS that falls behind shows it, with no coordinated omission). This is the figure
  for "N charge points sustained at R requests/s with p99 under L";
- **closed**: each charge point sends its next request as soon as the last is answered:
  the CSMS's capacity. Its latency is mostly queueing by construction (Little's law: the
  mean is about N / throughput), so it is no latency target.

Printed per level: connect p50/p99 (ms, from the shared start moment to the handshake's
answer), requests/s (answered, among those due within the window, per second of it), request
latency p50/p95/p99, errors, the CSMS's RSS (VmRSS at the end, VmHWM its peak) and the CPU
seconds of the CSMS and of the load generator (which share this machine's cores).

``--profile PREFIX`` samples the CSMS with py-spy (when it is installed; it is no
dependency of the project) over each level's window into ``PREFIX-<mode>-<level>.txt``
(py-spy's raw collapsed-stack format).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.benchmarks.load_charge_points import Figures, drive

SEED = "id_tags:\n  TAG-VALID-0001: {status: Accepted}\n"
START_DELAY_S = 1.0  # from launching the workers to the shared start moment


def _cores() -> tuple[set[int], set[int]]:
    """The cores for the CSMS (one: it is one event loop) and for the load generator (the
    others), so that neither takes the other's; none to pin on a single core."""
    available = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if len(available) < 2:
        return set(), set()
    return {available[0]}, set(available[1:])


def _pin(cores: set[int]) -> None:
    if cores:
        os.sched_setaffinity(0, cores)


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


def _level(
    mode: str,
    charge_points: int,
    warmup: float,
    seconds: float,
    rate: float,
    workers: int,
    profile: str | None,
) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-csms-") as folder:
        seed = Path(folder) / "seed.yaml"
        seed.write_text(SEED, encoding="utf-8")
        command = [sys.executable, "-m", "csms_under_test", "--port", "0"]
        command += ["--db", str(Path(folder) / "csms.sqlite3"), "--seed", str(seed)]
        command += ["--accept-unknown", "--heartbeat-interval", "3600", "--log-level", "ERROR"]
        csms = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        csms_cores, load_cores = _cores()
        if csms_cores:
            os.sched_setaffinity(csms.pid, csms_cores)
        try:
            assert csms.stdout is not None
            url = csms.stdout.readline().strip().removeprefix("ocpp: ")
            ids = [f"BENCH-{n:05d}" for n in range(charge_points)]
            per_charge_point = rate / charge_points if mode == "paced" else 0.0
            start = time.time() + START_DELAY_S
            shares = [ids[n::workers] for n in range(workers)]
            cpu_before = _cpu_s(csms.pid)
            out = f"{profile}-{mode}-{charge_points}.txt"
            spy = None if profile is None else _profiler(csms.pid, warmup + seconds + 1, out)
            with multiprocessing.Pool(workers, _pin, (load_cores,)) as pool:
                jobs = [(url, s, start, warmup, seconds, per_charge_point) for s in shares]
                parts = pool.starmap(drive, jobs)
            csms_cpu = _cpu_s(csms.pid) - cpu_before
            rss, peak = _memory(csms.pid)
            if spy is not None:
                spy.wait(timeout=60)
        finally:
            csms.terminate()
            csms.wait(timeout=30)
    figures = Figures()
    for part in parts:
        figures.merge(part)
    lat, con = figures.latencies_ms, figures.connects_ms
    offered = f"{rate:.0f}" if mode == "paced" else "-"
    print(
        f"{mode:>6} {charge_points:>6} {offered:>7} {_percentile(con, 0.5):>9.0f} "
        f"{_percentile(con, 0.99):>9.0f} {len(lat) / seconds:>7.0f} "
        f"{statistics.median(lat) if lat else 0:>7.1f} "
        f"{_percentile(lat, 0.95):>7.1f} {_percentile(lat, 0.99):>7.1f} "
        f"{figures.errors + figures.failed_connects:>6} {rss:>11} {peak:>11} "
        f"{csms_cpu:>8.1f} {figures.cpu_s:>8.1f}",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.csms_load")
    parser.add_argument("--levels", default="100,1000,4000")
    parser.add_argument("--seconds", type=float, default=10.0, help="the measured window")
    parser.add_argument(
        "--warmup", type=float, default=3.0, help="seconds from connecting to the window"
    )
    parser.add_argument("--rate", type=float, default=4000.0, help="paced: requests/s offered")
    parser.add_argument("--mode", choices=("both", "paced", "closed"), default="both")
    parser.add_argument(
        "--workers", type=int, default=max((os.cpu_count() or 2) - 1, 1), help="load processes"
    )
    parser.add_argument("--profile", metavar="PREFIX", help="sample the CSMS with py-spy")
    args = parser.parse_args(argv)
    print(
        f"{'load':>6} {'CPs':>6} {'offered':>7} {'conn p50':>9} {'conn p99':>9} {'req/s':>7} "
        f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>6} {'CSMS RSS':>11} "
        f"{'RSS peak':>11} {'CSMS cpu':>8} {'load cpu':>8}"
    )
    modes = ("paced", "closed") if args.mode == "both" else (args.mode,)
    for mode in modes:
        for level in (int(n) for n in args.levels.split(",")):
            _level(mode, level, args.warmup, args.seconds, args.rate, args.workers, args.profile)
    print(
        "(connect times in ms; req/s: answered, of the requests due within the window; cpu "
        "in seconds; each level on a fresh CSMS; load and CSMS share the machine)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
