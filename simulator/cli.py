"""``simulate``: run OCTT 1.6 Central System cases against a CSMS.

``simulate mutation`` runs every case against the faults it names (simulator.mutation).

Exit status: 0 when every selected case is PASS or NOT_APPLICABLE, 1 when any is not,
2 on usage errors and malformed case or configuration files.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.logging import RichHandler

import simulator
from csms_under_test.faults import Faults
from csms_under_test.variations import Variations
from reports.console import RunProgress, summary
from reports.outputs import write_reports
from reports.results import RunResult, Verdict
from simulator.bundled import case_files
from simulator.cases import BLOCKS, Case, load_cases
from simulator.config import HarnessConfig, load_config
from simulator.editions import DEFAULT_EDITION, EDITIONS
from simulator.errors import InputError
from simulator.operator import choose_operator
from simulator.runner import SuiteSession, Target
from simulator.transport import csms_url_problem

EXIT_OK, EXIT_NOT_OK, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # as a shell reports a process stopped by SIGINT


class UsageError(InputError):
    pass


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="simulate",
        description="Play an OCPP 1.6-J charge point and run OCTT Central System cases against a CSMS.",
        epilog="Also: 'simulate report RESULTS.json --out DIR' renders report.html and junit.xml "
        "again from a results.json; 'simulate mutation' proves every case fails under its faults.",
    )
    select = parser.add_argument_group("what to run")
    select.add_argument(
        "--list", action="store_true", help="list the cases (id, block, title) and exit"
    )
    select.add_argument(
        "--case", action="append", default=[], metavar="ID", help="run this case (repeatable)"
    )
    select.add_argument(
        "--block",
        action="append",
        default=[],
        metavar="NAME",
        help="run every case of a block (repeatable): " + ", ".join(b.name for b in BLOCKS),
    )
    select.add_argument("--all", action="store_true", help="run every case")
    select.add_argument(
        "--cases",
        type=Path,
        action="append",
        metavar="DIR",
        help="run the cases of this folder (<block>/<id>.yaml) instead of the shipped ones "
        "(repeatable)",
    )
    select.add_argument(
        "--add-cases",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="run the cases of this folder as well as the shipped ones or --cases (repeatable)",
    )
    target = parser.add_argument_group("the CSMS under test")
    target.add_argument(
        "--csms",
        metavar="URL",
        help="CSMS base URL, e.g. ws://host:9000/ocpp; the charge point id is appended (default: start the bundled reference CSMS)",
    )
    target.add_argument(
        "--operator",
        metavar="URL|manual|python:MOD:FUNC",
        help="how to make the CSMS act for CSMS-initiated steps: an operator API base URL "
        "(default: the bundled CSMS's), 'manual' (prompt a person) or a Python hook",
    )
    target.add_argument(
        "--cp-id", metavar="ID", help="charge point id (overrides the configuration)"
    )
    target.add_argument(
        "--password", metavar="SECRET", help="HTTP Basic auth password (Security Profiles 1 and 2)"
    )
    target.add_argument("--ca-file", metavar="PEM", help="CA certificate(s) to trust for wss://")
    target.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME",
        help="run the bundled CSMS with this fault (repeatable; see csms-under-test --list-faults)",
    )
    target.add_argument(
        "--variation",
        action="append",
        default=[],
        metavar="NAME",
        help="run the bundled CSMS with this legal variation (repeatable; see "
        "csms-under-test --list-variations)",
    )
    parser.add_argument(
        "--config",
        "--pics",
        type=Path,
        metavar="FILE",
        help="PICS / configuration file (docs/pics.md)",
    )
    verdicts = parser.add_argument_group("how the lab's rules apply")
    verdicts.add_argument(
        "--edition",
        choices=EDITIONS,
        help=f"the OCTT Test Case Document edition (PICS key edition; default {DEFAULT_EDITION})",
    )
    verdicts.add_argument(
        "--strict",
        action="store_true",
        help="count findings (stricter OCPP 1.6 rules, inferences, the Authorize response "
        "time) as failures; by default only the TCD's validations decide a verdict",
    )
    limits = parser.add_argument_group("limits (override the PICS)")
    limits.add_argument(
        "--response-timeout",
        type=_seconds,
        metavar="SECONDS",
        help="OCPP response timeout (default 35)",
    )
    limits.add_argument(
        "--authorize-timeout",
        type=_seconds,
        metavar="SECONDS",
        help="Authorize response time limit (default 3)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="write results.json, report.html and junit.xml here",
    )
    parser.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        help="no progress display and no line per case: only the summary (for CI logs)",
    )
    parser.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        help="log every frame and each step's outcome to stderr as the run goes",
    )
    parser.add_argument(
        "--version", action="version", version=f"{simulator.HARNESS_NAME} {simulator.__version__}"
    )
    return parser


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r}: must be more than 0 seconds")
    return value


def apply_overrides(config: HarnessConfig, args: argparse.Namespace) -> HarnessConfig:
    if args.edition:
        config = dataclasses.replace(config, edition=args.edition)
    if args.cp_id:
        config = config.with_overrides(charge_point={"id": args.cp_id})
    limits: dict[str, float] = {}
    if args.response_timeout is not None:
        limits["response_timeout"] = args.response_timeout
    if args.authorize_timeout is not None:
        limits["authorize_response_time"] = args.authorize_timeout
    return config.with_overrides(limits=limits) if limits else config


def select_cases(cases: list[Case], args: argparse.Namespace) -> list[Case]:
    """The cases ``--case``/``--block``/``--all`` name (``--list`` alone: all of them).
    Selectors that contradict each other, and a selection of no case, are usage errors:
    a run of nothing is never green."""
    known_blocks = {b.name for b in BLOCKS}
    for block in args.block:
        if block not in known_blocks:
            raise UsageError(f"unknown block {block!r}; blocks: {', '.join(sorted(known_blocks))}")
    by_id = {case.id: case for case in cases}
    for case_id in args.case:
        if case_id not in by_id:
            raise UsageError(f"unknown case {case_id!r}; see simulate --list")
    if args.all and (args.case or args.block):
        raise UsageError("--all runs every case: give it alone, or name --case / --block instead")
    if args.all or (args.list and not args.case and not args.block):
        selected = cases
    elif not args.case and not args.block:
        raise UsageError("say what to run: --case ID, --block NAME or --all (or --list)")
    else:
        wanted = set(args.case)
        selected = [c for c in cases if c.id in wanted or c.block in args.block]
    if not selected:
        folders = [*(args.cases or []), *args.add_cases]
        where = f" in {', '.join(map(str, folders))}" if folders else ""
        raise UsageError(
            f"no case selected{where}: a case file is <block>/TC_<nnn>_CSMS.yaml "
            "(e.g. core/TC_001_CSMS.yaml); see simulate --list"
        )
    return selected


def check_target_flags(args: argparse.Namespace) -> None:
    """What can be checked before a run starts is checked now (exit 2), not after it."""
    problem = csms_url_problem(args.csms) if args.csms is not None else None
    if problem is not None:
        raise UsageError(
            f"--csms {args.csms!r} is not a WebSocket URL ({problem}): give "
            "ws://HOST[:PORT]/PATH or wss://HOST[:PORT]/PATH (the charge point id is appended)"
        )
    if args.ca_file is not None and not Path(args.ca_file).is_file():
        raise UsageError(f"--ca-file {args.ca_file}: no such file")
    if args.out is not None:
        try:
            args.out.mkdir(parents=True, exist_ok=True)
            probe = args.out / ".simulate-write-test"
            probe.write_text("", encoding="utf-8")
            probe.unlink()
        except OSError as exc:
            raise UsageError(
                f"--out {args.out}: cannot write there ({exc.strerror or exc})"
            ) from None


def main(argv: Sequence[str] | None = None) -> int:
    """``simulate``; piping into a reader that stops early (``| head``) ends it quietly."""
    try:
        return _main(argv)
    except BrokenPipeError:
        # Python docs, "Note on SIGPIPE": point stdout at devnull so the exit flush is quiet.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


def _main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["mutation"]:
        from simulator.mutation import main as mutation_main

        return mutation_main(arguments[1:])
    if arguments[:1] == ["report"]:
        from simulator.rerender import main as report_main

        return report_main(arguments[1:])
    parser = build_parser()
    args = parser.parse_args(arguments)
    console = Console(stderr=False, highlight=False, soft_wrap=True)
    errors = Console(stderr=True, highlight=False, soft_wrap=True)
    if args.verbose:
        log_to(errors)
    try:
        config = apply_overrides(load_config(args.config), args)
        # Resolve the operator adapter now, so a bad --operator is a usage error.
        choose_operator(args.operator, config.operator, "http://127.0.0.1/api")
        cases = load_cases(case_files(args.cases, args.add_cases), config.edition)
        selected = select_cases(cases, args)
        if args.list:
            list_cases(selected, config.edition)
            return EXIT_OK
        target_from(args)  # --fault with --csms is a usage error
        Faults(args.fault)  # an unknown name is a usage error that lists the known ones
        Variations(args.variation)
        check_target_flags(args)
    except (InputError, ValueError) as exc:
        errors.print(f"simulate: {exc}", markup=False)
        return EXIT_USAGE
    run, interrupted = run_selected(selected, config, args, console)
    if args.out:
        written = write_reports(run, args.out)
        console.print("wrote " + ", ".join(str(path) for path in written), markup=False)
    if interrupted:
        ran = sum(1 for case in run.cases if case.verdict != Verdict.NOT_RUN)
        errors.print(
            f"simulate: interrupted: {plural(ran, 'case')} ran, the rest are NOT_RUN", markup=False
        )
        return EXIT_INTERRUPTED
    return EXIT_OK if run.ok else EXIT_NOT_OK


def log_to(console: Console) -> None:
    """-v: the harness's frames and decisions, with times, on ``console`` (stderr)."""
    handler = RichHandler(console=console, show_path=False, markup=False, rich_tracebacks=False)
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    logger = logging.getLogger("simulator")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)


def list_cases(cases: list[Case], edition: str) -> None:
    """One line per case; ``varies`` marks a case whose steps or validations differ
    between the editions."""
    for case in cases:
        mark = "varies" if case.varies else ""
        print(f"{case.id:<16} {case.block:<20} {mark:<7}{case.title}")
    varying = sum(case.varies for case in cases)
    print(
        f"{plural(len(cases), 'case')} as edition {edition} has them; {varying} "
        f"{'varies' if varying == 1 else 'vary'} between editions "
        f"{', '.join(EDITIONS)} (--edition; catalog §12)"
    )


def target_from(args: argparse.Namespace) -> Target:
    return Target(
        csms_url=args.csms,
        operator=args.operator,
        faults=tuple(args.fault),
        variations=tuple(args.variation),
        password=args.password,
        ca_file=args.ca_file,
        strict=args.strict,
    )


def run_selected(
    cases: list[Case], config: HarnessConfig, args: argparse.Namespace, console: Console
) -> tuple[RunResult, bool]:
    """The run and whether Ctrl-C stopped it (the cases that ran keep their results)."""
    interrupted = False
    with SuiteSession(config, target_from(args)) as suite:
        strict = ", strict: findings count as failures" if args.strict else ""
        console.print(
            f"Running {plural(len(cases), 'case')} against {suite.settings.csms_url} "
            f"(Test Case Document edition {config.edition}{strict})",
            markup=False,
        )
        with RunProgress(console, len(cases), quiet=args.quiet) as progress:
            suite.on_wait = progress.waiting
            try:
                asyncio.run(
                    suite.run(
                        cases,
                        on_start=lambda case: progress.started(case.id),
                        on_result=progress.finished,
                    )
                )
            except KeyboardInterrupt:
                interrupted = True
        run = suite.result()
    summary(console, run)
    return run, interrupted


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


if __name__ == "__main__":
    sys.exit(main())
