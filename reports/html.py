"""Render results.json as one self-contained HTML file (jinja2, autoescaped)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from reports.results import RunResult

_env = Environment(
    loader=PackageLoader("reports", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["pretty"] = lambda value: json.dumps(value, indent=2, ensure_ascii=False)


def render_html(run: RunResult) -> str:
    counts: Counter[str] = Counter(str(case.verdict) for case in run.cases)
    context: dict[str, Any] = {"run": run, "counts": counts}
    return _env.get_template("report.html.j2").render(**context)


def write_html(run: RunResult, path: Path) -> None:
    path.write_text(render_html(run), encoding="utf-8")
