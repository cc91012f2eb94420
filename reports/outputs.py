"""Every file a run leaves: results.json (the source), report.html and junit.xml."""

from __future__ import annotations

from pathlib import Path

from reports.html import write_html
from reports.junit import write_junit
from reports.results import RunResult

RESULTS, REPORT, JUNIT = "results.json", "report.html", "junit.xml"


def write_reports(run: RunResult, folder: Path, *, with_results: bool = True) -> list[Path]:
    """Write the run's files into ``folder`` (created); the paths written, in order.
    ``with_results=False`` re-renders from an existing results.json without rewriting it."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    if with_results:
        run.write_json(folder / RESULTS)
        written.append(folder / RESULTS)
    write_html(run, folder / REPORT)
    write_junit(run, folder / JUNIT)
    return [*written, folder / REPORT, folder / JUNIT]
