"""Console output with rich: a line per finished case, then a summary table."""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from reports.results import CaseResult, RunResult

STYLE = {
    "PASS": "bold green",
    "FAIL": "bold red",
    "ERROR": "bold dark_orange",
    "INCONCLUSIVE": "bold yellow",
    "NOT_APPLICABLE": "dim",
}


def case_line(console: Console, result: CaseResult) -> None:
    verdict = str(result.verdict)
    console.print(
        f"[{STYLE[verdict]}]{verdict:<14}[/] {result.id:<16} {escape(result.title)} "
        f"[dim]({result.duration_s:.2f} s)[/]"
    )
    for reason in result.reasons:
        console.print(f"    [dim]-[/] {escape(str(reason))}")
    for warning in result.warnings:
        console.print(f"    [yellow]warning:[/] {escape(warning)}")


def summary(console: Console, run: RunResult) -> None:
    table = Table(title="Summary per block")
    for column in ("Block", "PASS", "FAIL", "INCONCLUSIVE", "ERROR", "NOT_APPLICABLE"):
        table.add_column(column, justify="left" if column == "Block" else "right")
    blocks: dict[str, Counter[str]] = {}
    for case in run.cases:
        blocks.setdefault(case.block, Counter())[str(case.verdict)] += 1
    for block, counts in blocks.items():
        table.add_row(
            block,
            *(str(counts[v]) for v in ("PASS", "FAIL", "INCONCLUSIVE", "ERROR", "NOT_APPLICABLE")),
        )
    console.print(table)
    total: Counter[str] = Counter(str(c.verdict) for c in run.cases)
    console.print(
        f"{len(run.cases)} cases in {run.duration_s:.1f} s: "
        + ", ".join(f"[{STYLE[v]}]{total[v]} {v}[/]" for v in STYLE if total[v])
    )
