"""Console output with rich: a progress bar with live verdicts while the cases run, a line
per finished case, then the summary per block and the two performance rows (the same
figures as the HTML report, from reports.summary). ``quiet`` keeps only the summary."""

from __future__ import annotations

from collections import Counter
from types import TracebackType

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from reports.results import CaseResult, RunResult, Verdict
from reports.summary import (
    FAIL,
    NOT_APPLICABLE,
    NOT_TESTED,
    PASS,
    VERDICT_ORDER,
    block_summaries,
    lab_time,
    not_passed,
    performance,
    performance_notes,
)

# Per verdict, in reports.summary.VERDICT_ORDER: its style and its column heading.
STYLE = {
    Verdict.PASS: "bold green",
    Verdict.FAIL: "bold red",
    Verdict.ERROR: "bold dark_orange",
    Verdict.INCONCLUSIVE: "bold yellow",
    Verdict.NOT_APPLICABLE: "dim",
    Verdict.NOT_RUN: "dim italic",
}
HEADING = {
    Verdict.PASS: "Pass",
    Verdict.FAIL: "Fail",
    Verdict.ERROR: "Error",
    Verdict.INCONCLUSIVE: "Inconcl.",
    Verdict.NOT_APPLICABLE: "N/A",
    Verdict.NOT_RUN: "Not run",
}
RESULT_STYLE = {PASS: "bold green", FAIL: "bold red", NOT_APPLICABLE: "dim", NOT_TESTED: "dim"}


def case_line(console: Console, result: CaseResult) -> None:
    verdict = str(result.verdict)
    console.print(
        f"[{STYLE[Verdict(verdict)]}]{verdict:<14}[/] {result.id:<16} {escape(result.title)} "
        f"[dim]({result.duration_s:.2f} s)[/]"
    )
    for reason in result.reasons:
        console.print(f"    [dim]-[/] {escape(str(reason))}")
    for warning in result.warnings:
        console.print(f"    [yellow]warning:[/] {escape(warning)}")
    for finding in result.findings:
        console.print(f"    [cyan]finding:[/] {escape(str(finding))}")


class RunProgress:
    """A progress bar over the selected cases, with the verdicts so far; every finished
    case is printed above it. Quiet: nothing at all while the cases run."""

    def __init__(self, console: Console, total: int, *, quiet: bool = False) -> None:
        self.console = console
        self.quiet = quiet
        self.verdicts: Counter[str] = Counter()
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[tally]}"),
            console=console,
            transient=True,
            disable=quiet,
        )
        self._task = self._progress.add_task("starting", total=total, tally="")

    def __enter__(self) -> RunProgress:
        self._progress.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def started(self, case_id: str) -> None:
        self._progress.update(self._task, description=f"running {case_id}")

    def waiting(self, text: str) -> None:
        """A long wait: what for and until when (``TC_047_CSMS: ..., until 12:04:05``)."""
        self._progress.update(self._task, description=text)

    def finished(self, result: CaseResult) -> None:
        self.verdicts[str(result.verdict)] += 1
        if not self.quiet:
            case_line(self._progress.console, result)
        tally = " ".join(
            f"[{STYLE[v]}]{self.verdicts[v]} {v}[/]" for v in VERDICT_ORDER if self.verdicts[v]
        )
        self._progress.update(self._task, advance=1, tally=tally)


def summary(console: Console, run: RunResult) -> None:
    """Test Result Summary per block, Performance Measurement Results, the cases that did
    not pass (with their first reason) and the totals."""
    table = Table(title="Test Result Summary", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("Functional block")
    table.add_column("Result")
    for verdict in VERDICT_ORDER:
        table.add_column(HEADING[verdict], justify="right")
    for block in block_summaries(run):
        table.add_row(
            block.title,
            f"[{RESULT_STYLE.get(block.result, '')}]{block.result}[/]",
            *(str(block.counts[v]) if block.counts[v] else "[dim]0[/]" for v in VERDICT_ORDER),
        )
    console.print(table)
    measured = Table(
        title="Performance Measurement Results", title_justify="left", box=box.SIMPLE_HEAD
    )
    measured.add_column("Measurement", min_width=13)
    for column in ("Declared", "Worst", "95th pct"):
        measured.add_column(column, no_wrap=True)
    measured.add_column("n", justify="right")
    measured.add_column("Result", no_wrap=True)
    for row in performance(run):
        measured.add_row(
            row.name,
            lab_time(row.declared_s),
            row.measured_text(),
            lab_time(row.p95_s, millis=True),
            str(row.count),
            f"[{RESULT_STYLE.get(row.result, '')}]{row.result}[/]",
        )
    console.print(measured)
    for line in performance_notes(run):
        console.print(line, markup=False)
    found = sum(len(case.findings) for case in run.cases)
    if found:
        counted = "counted as failures (--strict)" if run.strict else "not counted in the verdicts"
        with_findings = sum(1 for case in run.cases if case.findings)
        console.print(
            f"Findings: {found} in {_plural(with_findings, 'case')}, {counted}: checks the Test Case "
            "Document does not make (stricter OCPP 1.6 rules, inferences, declared limits)",
            markup=False,
        )
    failing = [case for case in not_passed(run) if case.verdict != Verdict.NOT_RUN]
    skipped = [case for case in run.cases if case.verdict == Verdict.NOT_RUN]
    if failing:
        console.print("Not passed:")
        for case in failing:
            first = escape(str(case.reasons[0])) if case.reasons else ""
            console.print(f"  [{STYLE[Verdict(case.verdict)]}]{case.verdict}[/] {case.id}: {first}")
    if skipped:  # one line, not one per case: they all stopped for the same reason
        why = skipped[0].reasons[0].message if skipped[0].reasons else "not run"
        console.print(
            f"[{STYLE[Verdict.NOT_RUN]}]{_plural(len(skipped), 'case')} NOT_RUN[/]: {escape(why)}"
        )
    total: Counter[str] = Counter(str(c.verdict) for c in run.cases)
    console.print(
        f"Test Case Document edition {run.edition or '-'}: "
        f"{_plural(len(run.cases), 'case')} in {run.duration_s:.1f} s: "
        + ", ".join(f"[{STYLE[v]}]{total[v]} {v}[/]" for v in VERDICT_ORDER if total[v])
    )


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
