"""Render results.json as one self-contained HTML file: a certification lab's test report
for OCPP 1.6 (header, Test Result Summary, Performance Measurement Results, Test
Configuration, Statement of Approval), then the findings and every case with its reasons,
steps and message transcript.

jinja2 with autoescape on everything: whatever came from the CSMS is escaped (no ``|safe``
on data). The only markup not from the templates is the stylesheet ``templates/report.css``
(ours), inlined as it is. No script and no external resource: the file works offline.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from reports.results import Basis, RunResult
from reports.summary import (
    COMMUNICATION,
    DEVICE_UNDER_TEST,
    OCPP_EDITION,
    block_summaries,
    cases_of,
    configuration_rows,
    edition_text,
    lab_time,
    not_passed,
    overall_text,
    performance,
    performance_notes,
)

TITLE = "OCPP 1.6 Central System certification pre-test report"

# The keys of a violation the transcript shows first; any other key is listed after them.
_VIOLATION_MAIN = ("path", "message")


def _pretty(value: Any) -> str:
    """A payload as JSON with indent 2 (anything not JSON shown by its str)."""
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def _slug(value: Any) -> str:
    """A CSS class suffix: "Not applicable" -> "not-applicable", "not run" -> "not-run"."""
    return "-".join(str(value).lower().replace("_", " ").split())


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def violation_parts(violation: Any) -> tuple[str, str, list[tuple[str, str]]]:
    """A violation as (path, message, the other keys with their text), whatever keys it
    has: ``{"path": "interval", "message": "...", "schema": "..."}`` reads "interval: ...
    (schema ...)". Not a dict: no path, its text as the message."""
    if not isinstance(violation, dict):
        return "", _text(violation), []
    others = [(str(k), _text(v)) for k, v in violation.items() if k not in _VIOLATION_MAIN]
    return (
        _text(violation.get("path", "")),
        _text(violation.get("message", "")),
        sorted(others, key=lambda item: item[0]),
    )


def _wall(value: Any) -> str:
    """A wall-clock ISO timestamp as its time of day, "10:00:03.502Z" (the case's start
    states the date); anything else as it is."""
    text = str(value)
    _, sep, time = text.partition("T")
    return time if sep and time else text


def lab_date(value: str) -> str:
    """An ISO timestamp as a report states a date: "2026-11-24 10:00:00 UTC"."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _duration(seconds: float) -> str:
    """A run's duration: "00:00:09 (9.3 s)"."""
    return f"{lab_time(round(seconds))} ({seconds:.1f} s)"


def _stylesheet() -> Markup:
    """templates/report.css, ours, inlined as it is (escaping would break ``>`` in CSS)."""
    css = (files("reports") / "templates" / "report.css").read_text(encoding="utf-8")
    if "</" in css:
        raise ValueError("report.css must not contain '</'")
    return Markup(css)  # our own stylesheet, no data in it


_env = Environment(
    loader=PackageLoader("reports", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_env.filters["pretty"] = _pretty
_env.filters["slug"] = _slug
_env.filters["wall"] = _wall
_env.filters["lab_time"] = lab_time
_env.filters["lab_date"] = lab_date
_env.globals["violation_parts"] = violation_parts
_env.globals["basis_labels"] = {basis.value: basis.label for basis in Basis}


def _identification(run: RunResult) -> list[tuple[str, str]]:
    """The header's fields, as a certificate lists them (two per line when printed)."""
    config: dict[str, Any] = run.configuration
    sut = config.get("sut", {})
    return [
        ("Vendor", str(sut.get("vendor", "-"))),
        ("Date of test", lab_date(run.started)),
        ("Product designation", str(sut.get("product", "-"))),
        ("Duration of test", _duration(run.duration_s)),
        ("OCPP software version", str(sut.get("software_version", "-"))),
        ("Test harness", f"{run.harness} {run.version}"),
        ("Device under test", DEVICE_UNDER_TEST),
        ("CSMS endpoint", run.csms_url),
        ("Communication", str(config.get("communication", COMMUNICATION))),
        ("OCPP version", OCPP_EDITION),
        ("Test Case Document", edition_text(run.edition)),
        ("Verdicts", "strict: findings count" if run.strict else "the TCD's validations decide"),
    ]


def render_html(run: RunResult) -> str:
    blocks = block_summaries(run)
    context: dict[str, Any] = {
        "title": TITLE,
        "css": _stylesheet(),
        "run": run,
        "sut": run.configuration.get("sut", {}),
        "identification": _identification(run),
        "overall": overall_text(run),
        "blocks": blocks,
        "block_titles": {block.name: block.title for block in blocks},
        "cases_by_block": {block.name: cases_of(run, block.name) for block in blocks},
        "measurements": performance(run),
        "performance_notes": performance_notes(run),
        "configuration": configuration_rows(run),
        "findings": not_passed(run),
        "beside": [(case, finding) for case in run.cases for finding in case.findings],
    }
    return _env.get_template("report.html.j2").render(**context)


def write_html(run: RunResult, path: Path) -> None:
    path.write_text(render_html(run), encoding="utf-8")
