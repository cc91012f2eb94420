"""The console summary: each verdict's count stands under its own heading."""

import io

from rich.console import Console

from reports.console import summary
from tests.support.sample_results import sample_run


def rendered() -> list[str]:
    out = io.StringIO()
    summary(Console(file=out, width=140, color_system=None), sample_run())
    return out.getvalue().splitlines()


def cell(lines: list[str], row_start: str, heading: str) -> str:
    """The right-justified cell of ``row_start``'s row under ``heading``."""
    header = next(line for line in lines if "Functional block" in line)
    row = next(line for line in lines if line.strip().startswith(row_start))
    end = header.index(heading) + len(heading)
    return row[:end].split()[-1]


def test_every_count_is_under_its_verdict() -> None:
    lines = rendered()
    assert cell(lines, "Local Authorization List Management", "Error") == "1"
    assert cell(lines, "Local Authorization List Management", "Inconcl.") == "0"
    assert cell(lines, "Reservation", "Inconcl.") == "1"
    assert cell(lines, "Reservation", "Error") == "0"
    assert cell(lines, "Core", "Pass") == "1" and cell(lines, "Core", "Fail") == "1"
    assert cell(lines, "Smart Charging", "N/A") == "1"


def test_the_summary_names_the_cases_that_did_not_pass() -> None:
    text = "\n".join(rendered())
    assert "Not passed:" in text
    for case_id in ("TC_003_CSMS", "TC_046_CSMS", "TC_042_1_CSMS"):
        assert case_id in text.split("Not passed:")[1]
