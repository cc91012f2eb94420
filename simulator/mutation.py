"""``simulate mutation``: prove every case can fail.

Runs every case against the healthy bundled CSMS (it must PASS), against the bundled CSMS
with each fault its case file names (it must FAIL under each), and against the bundled
CSMS with each legal variation (it must PASS under each), every run on a fresh CSMS with a
fresh database; a case's ``finding_faults`` must leave it PASS with a finding. All of it
for every edition (``--edition`` for one). The last line is ``mutation: K/N cases fail
under their faults; V/W case runs pass under legal variations; F/G finding faults show as
findings``, summed over the editions; the exit status is 0 only when K = N, V = W, F = G
and every case passes, without a finding, when healthy.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from csms_under_test.faults import switched_on
from csms_under_test.variations import VARIATIONS
from reports.results import CaseResult, Verdict
from simulator.bundled import default_cases_dir
from simulator.cases import Case, discover_cases, load_cases
from simulator.config import HarnessConfig, load_config
from simulator.editions import EDITIONS
from simulator.runner import SuiteSession, Target
from simulator.runner.security_profile import not_applicable_reason, profile_for
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
        "--cases", type=Path, metavar="DIR", help="case folder (default: the shipped cases)"
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
        "--edition",
        choices=EDITIONS,
        help="only this Test Case Document edition (default: every one)",
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
    editions = [args.edition] if args.edition else list(EDITIONS)
    try:
        config = load_config(args.config)
        by_edition = {
            edition: load_cases(discover_cases(args.cases or default_cases_dir()), edition)
            for edition in editions
        }
    except YamlSourceError as exc:
        console.print(f"simulate mutation: {exc}", markup=False)
        return 2
    if args.case:
        by_edition = {e: [c for c in cs if c.id in set(args.case)] for e, cs in by_edition.items()}
    unknown_variations = sorted(set(args.variation) - VARIATIONS.keys())
    if unknown_variations:
        console.print(
            f"simulate mutation: unknown variation {', '.join(unknown_variations)} "
            "(csms-under-test --list-variations)",
            markup=False,
        )
        return 2
    variations = args.variation or list(VARIATIONS)
    total = Tally()
    for edition, cases in by_edition.items():
        console.print(f"== edition {edition} ==", markup=False)
        edition_config = dataclasses.replace(config, edition=edition)
        tally = mutate(console, edition_config, cases, variations, args.jobs)
        console.print(f"edition {edition}: {tally.summary()}", markup=False)
        total += tally
    console.print(f"mutation: {total.summary()}", markup=False)
    return 0 if total.ok else 1


@dataclass
class Tally:
    """What one mutation run proved: K/N cases fail under their faults, F/G finding faults
    show as findings, V/W case runs pass under legal variations, no case unhealthy."""

    killed: int = 0
    cases: int = 0
    shown: int = 0
    finding_faults: int = 0
    passed: int = 0
    runs: int = 0
    unhealthy: int = 0

    def __iadd__(self, other: Tally) -> Tally:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self

    @property
    def ok(self) -> bool:
        return (
            self.killed == self.cases
            and self.shown == self.finding_faults
            and self.passed == self.runs
            and not self.unhealthy
        )

    def summary(self) -> str:
        return (
            f"{self.killed}/{self.cases} cases fail under their faults; "
            f"{self.passed}/{self.runs} case runs pass under legal variations; "
            f"{self.shown}/{self.finding_faults} finding faults show as findings"
        )


def mutate(
    console: Console,
    config: HarnessConfig,
    cases: list[Case],
    variations: Sequence[str],
    jobs: int,
) -> Tally:
    """One edition: the healthy run, a run per fault, a run per variation. Every run has a
    CSMS and a database of its own and mostly waits: ``jobs`` of them run side by side; the
    report is printed in the same order whatever finishes first."""
    cases = [case for case in cases if case.in_its_edition]  # TC_088 is not in 2024-04
    # A case for security profiles the PICS's CSMS does not support is NOT_APPLICABLE: it
    # cannot be proven with this PICS, and says so.
    supported = config.security.supported

    def runs_in(case: Case) -> int | None:
        return profile_for(
            case.security_profiles,
            config.security.profile,
            supported,
            raises=case.raises_security_profile,
        )

    for case in cases:
        if runs_in(case) is None:
            why = not_applicable_reason(
                case.security_profiles, supported, raises=case.raises_security_profile
            )
            console.print(f"{case.id}: left out ({why})", markup=False)
    cases = [case for case in cases if runs_in(case) is not None]
    tally = Tally(cases=len(cases))
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        healthy_run = pool.submit(run_against, config, cases, ())
        fault_runs = {
            (case.id, fault): pool.submit(run_against, config, [case], *switched_on(fault))
            for case in cases
            for fault in (*case.faults, *case.finding_faults)
        }
        variation_runs = {
            variation: pool.submit(run_against, config, cases, (), (variation,))
            for variation in variations
        }
        healthy = {r.id: r for r in healthy_run.result()}
        for case in cases:
            console.print(f"{case.id}: healthy CSMS {healthy[case.id].verdict}", markup=False)
            results = [(f, fault_runs[(case.id, f)].result()[0]) for f in case.faults]
            if results and all(r.verdict == Verdict.FAIL for _, r in results):
                tally.killed += 1
            for fault, result in results:
                first = str(result.reasons[0]) if result.reasons else "(no reason)"
                mark = "ok " if result.verdict == Verdict.FAIL else "!! "
                console.print(f"  {mark}{fault}: {result.verdict}: {first}", markup=False)
            for fault in case.finding_faults:
                # A fault the TCD does not catch: PASS, with the finding that names it.
                result = fault_runs[(case.id, fault)].result()[0]
                tally.finding_faults += 1
                shown = result.verdict == Verdict.PASS and bool(result.findings)
                tally.shown += shown
                first = str(result.findings[0]) if result.findings else "(no finding)"
                mark = "ok " if shown else "!! "
                console.print(f"  {mark}{fault} (finding): {result.verdict}: {first}", markup=False)
        varied_by = {variation: run.result() for variation, run in variation_runs.items()}
    for result in healthy.values():
        if result.verdict != Verdict.PASS or result.findings:
            tally.unhealthy += 1
            said = [*map(str, result.reasons), *map(str, result.findings)]
            console.print(
                f"{result.id} is {result.verdict} against the healthy CSMS: {'; '.join(said)}",
                markup=False,
            )
    for variation, varied in varied_by.items():
        ok = [r for r in varied if r.verdict == Verdict.PASS]
        tally.passed, tally.runs = tally.passed + len(ok), tally.runs + len(varied)
        console.print(f"variation {variation}: {len(ok)}/{len(varied)} PASS", markup=False)
        for case_result in varied:
            if case_result.verdict != Verdict.PASS:
                why = str(case_result.reasons[0]) if case_result.reasons else "(no reason)"
                console.print(f"  !! {case_result.id}: {case_result.verdict}: {why}", markup=False)
    return tally
