"""``make bench``: the speed figures the test suite's time rests on, printed, not asserted.

    python -m tests.benchmarks.speed [--repeat N]

- loading the shipped cases (YAML, schema and OCA checks; every run and collection does it)
- starting and stopping the bundled CSMS (a fresh one per fault run)
- a passive pytest plugin import (it loads in every pytest run of the environment)
- the shipped cases against the bundled CSMS with tests/data/fast.yaml: wall and CPU
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

FAST = Path(__file__).resolve().parents[1] / "data" / "fast.yaml"


def _measure(work: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median wall and CPU seconds of ``work`` over ``repeat`` runs (monotonic clocks)."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        work()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.speed")
    parser.add_argument("--repeat", type=int, default=5, metavar="N")
    repeat = parser.parse_args(argv).repeat

    from simulator.bundled import bundled_csms, default_cases_dir, run_on_bundled
    from simulator.cases import discover_cases, load_cases
    from simulator.config import load_config

    config = load_config(FAST)
    files = discover_cases(default_cases_dir())
    wall, cpu = _measure(lambda: load_cases(files), repeat)
    print(
        f"load {len(files)} case files:        {wall * 1000:7.1f} ms wall {cpu * 1000:7.1f} ms CPU"
    )

    def start_stop() -> None:
        with bundled_csms(config):
            pass

    wall, cpu = _measure(start_stop, repeat)
    print(f"bundled CSMS start + stop:   {wall * 1000:7.1f} ms wall {cpu * 1000:7.1f} ms CPU")

    probe = [sys.executable, "-c", "import simulator.pytest_plugin"]
    wall, _ = _measure(lambda: subprocess.run(probe, check=True), repeat)
    print(f"python + passive plugin:     {wall * 1000:7.1f} ms wall")

    cases = load_cases(files)
    wall, cpu = _measure(lambda: run_on_bundled(config, cases), 1)
    print(f"{len(cases)} cases, fast.yaml:         {wall:7.2f} s  wall {cpu:7.2f} s  CPU")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
