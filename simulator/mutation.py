"""``simulate mutation``: prove every case can fail.

Runs every case against the healthy bundled CSMS (it must PASS), against the bundled CSMS
with each fault its case file names (it must FAIL under each), and against the bundled
CSMS with each legal variation (it must PASS under each), every run on a fresh CSMS with a
fresh database. The last line is ``mutation: K/N cases fail under their faults; V/W case
runs pass under legal variations``; the exit status is 0 only when K = N, V = W and every
case passes when healthy.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from rich.console import Console

from csms_under_test.faults import FAULTS
from csms_under_test.variations import VARIATIONS
from reports.results import CaseResult, Verdict
from simulator.bundled import default_cases_dir
from simulator.cases import Case, discover_cases, load_cases
from simulator.config import HarnessConfig, load_config
from simulator.runner import SuiteSession, Target
from simulator.yamlsource import YamlSourceError


def run_against(
    config: HarnessConfig,
    cases: list[Case],
    faults: Sequence[str],
    variations: Sequence[str] = (),
) -> list[CaseResult]:
    """``cases`` in one suite session on a fresh bundled CSMS with ``faults`` and
    ``variations``."""
    target = Target(faults=tuple(faults), variations=tuple(variations))
    with SuiteSession(config, target) as suite:
        return asyncio.run(suite.run(cases)).cases


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="simulate mutation", description=__doc__)
    parser.add_argument(
        "--config", "--pics", type=Path, metavar="FILE", help="PICS / configuration file"
    )
    parser.add_argument(
        "--cases", type=Path, metavar="DIR", help="case folder (default: ./testcases)"
    )
    parser.add_argument(
        "--case", action="append", default=[], metavar="ID", help="only these cases"
    )
    parser.add_argument(
        "--variation",
        action="append",
        default=[],
        metavar="NAME",
        help="only these legal variations (default: every one; see csms-under-test "
        "--list-variations)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=3,
        metavar="N",
        help="runs side by side, each on a CSMS of its own (default %(default)s)",
    )
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, not {args.jobs}")
    console = Console(highlight=False, soft_wrap=True)
    try:
        config = load_config(args.config)
        cases = load_cases(discover_cases(args.cases or default_cases_dir()))
    except YamlSourceError as exc:
        console.print(f"simulate mutation: {exc}", markup=False)
        return 2
    if args.case:
        cases = [c for c in cases if c.id in set(args.case)]
    unknown = [(case, fault) for case in cases for fault in case.faults if fault not in FAULTS]
    for case, fault in unknown:
        console.print(
            f"simulate mutation: {case.file}: fault {fault!r} is not a fault of the reference CSMS "
            "(csms-under-test --list-faults)",
            markup=False,
        )
    if unknown:
        return 2
    unknown_variations = sorted(set(args.variation) - VARIATIONS.keys())
    if unknown_variations:
        console.print(
            f"simulate mutation: unknown variation {', '.join(unknown_variations)} "
            "(csms-under-test --list-variations)",
            markup=False,
        )
        return 2

    # Every run has a CSMS and a database of its own, and mostly waits: ``--jobs`` of them
    # run side by side; the report is printed in the same order whatever finishes first.
    variations = args.variation or list(VARIATIONS)
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        healthy_run = pool.submit(run_against, config, cases, ())
        fault_runs = {
            (case.id, fault): pool.submit(run_against, config, [case], [fault])
            for case in cases
            for fault in case.faults
        }
        variation_runs = {
            variation: pool.submit(run_against, config, cases, (), (variation,))
            for variation in variations
        }
        healthy = {r.id: r for r in healthy_run.result()}
        killed = 0
        for case in cases:
            console.print(f"{case.id}: healthy CSMS {healthy[case.id].verdict}", markup=False)
            results = [(f, fault_runs[(case.id, f)].result()[0]) for f in case.faults]
            if results and all(r.verdict == Verdict.FAIL for _, r in results):
                killed += 1
            for fault, result in results:
                first = str(result.reasons[0]) if result.reasons else "(no reason)"
                mark = "ok " if result.verdict == Verdict.FAIL else "!! "
                console.print(f"  {mark}{fault}: {result.verdict}: {first}", markup=False)
        varied_by = {variation: run.result() for variation, run in variation_runs.items()}
    unhealthy = [r for r in healthy.values() if r.verdict != Verdict.PASS]
    for result in unhealthy:
        console.print(
            f"{result.id} is {result.verdict} against the healthy CSMS: {'; '.join(map(str, result.reasons))}",
            markup=False,
        )
    passed, runs = 0, 0
    for variation, varied in varied_by.items():
        ok = [r for r in varied if r.verdict == Verdict.PASS]
        passed, runs = passed + len(ok), runs + len(varied)
        console.print(f"variation {variation}: {len(ok)}/{len(varied)} PASS", markup=False)
        for case_result in varied:
            if case_result.verdict != Verdict.PASS:
                why = str(case_result.reasons[0]) if case_result.reasons else "(no reason)"
                console.print(f"  !! {case_result.id}: {case_result.verdict}: {why}", markup=False)
    console.print(
        f"mutation: {killed}/{len(cases)} cases fail under their faults; "
        f"{passed}/{runs} case runs pass under legal variations",
        markup=False,
    )
    return 0 if killed == len(cases) and not unhealthy and passed == runs else 1
