"""``simulate report RESULTS.json --out DIR``: render report.html and junit.xml again from a
results.json (the source of every other form), e.g. after a template change or on another
machine. Exit status 0, or 2 when the file cannot be read as results."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from reports.outputs import write_reports
from reports.results import RunResult


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="simulate report", description=__doc__)
    parser.add_argument("results", type=Path, metavar="RESULTS.json")
    parser.add_argument(
        "--out", type=Path, metavar="DIR", help="where to write (default: the file's folder)"
    )
    args = parser.parse_args(argv)
    try:
        text = args.results.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"simulate report: cannot read {args.results}: {exc}", file=sys.stderr)
        return 2
    try:
        run = RunResult.from_dict(json.loads(text))
    except json.JSONDecodeError as exc:
        print(
            f"simulate report: {args.results}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}",
            file=sys.stderr,
        )
        return 2
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        print(
            f"simulate report: {args.results}: not a results.json of this harness "
            f"({type(exc).__name__}: {exc})",
            file=sys.stderr,
        )
        return 2
    out = args.out or args.results.parent
    for path in write_reports(run, out, with_results=False):
        print(f"wrote {path}")
    return 0
