"""Render results.json as one self-contained HTML file: a certification lab's test report
for OCPP 1.6 (header, Test Result Summary, Performance Measurement Results, Test
Configuration, Statement of Approval), then the findings and every case with its reasons,
steps and message transcript.

jinja2 with autoescape on everything: whatever came from the CSMS is escaped (no ``|safe``
on data). The only markup not from the templates is ours, inlined as it is: the stylesheet
``templates/report.css`` and a small script ``templates/report.js.j2`` (read as it is, not
rendered by jinja): filter by verdict, search, expand or collapse all, open the transcript
a link points into. No external
resource: the file works offline. With scripts off every case and every detail is there
and the controls stay hidden.

What the reader gets beyond the model: the cases not passed grouped by cause
(:func:`causes`), each failed check linked to the transcript row of the message it judged
(:func:`message_links`), and a check's own part of its step's reference
(:func:`own_reference`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from reports.results import Basis, CaseResult, Check, RunResult, StepRecord, Verdict
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


def _inline(name: str) -> Markup:
    """templates/NAME, ours, inlined as it is (escaping would break ``>`` in CSS and JS)."""
    text = (files("reports") / "templates" / name).read_text(encoding="utf-8")
    if "</" in text:
        raise ValueError(f"{name} must not contain '</'")
    return Markup(text)  # our own stylesheet or script, no data in it


def step_time(seconds: float | None) -> str:
    """A step's duration: "3 ms", "0.250 s", "12.4 s"; "-" when it did not run."""
    if seconds is None:
        return "-"
    if seconds < 0.1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 10:
        return f"{seconds:.3f} s"
    return f"{seconds:.1f} s"


# "Authorize.conf ..." / "RemoteStartTransaction.req ...": the message a check judges.
_JUDGED = re.compile(r"^([A-Za-z]+)\.(conf|req)\b")
# A TCD or catalog clause names a message ("Authorize.conf Accepted"); a specification
# clause ("OCPP 1.6 §4.1", "catalog §12.1") cites where the rule is written.
_CITATION = re.compile(r"^(OCPP|OCA|catalog|PICS)\b")


def own_reference(reference: str, expected: str) -> str:
    """The part of a step's reference that is the check's own: a step that validates
    several messages cites them all ("TC_059_CSMS T182: idTag as configured; ...;
    Authorize.conf Accepted; OCPP 1.6 §5.11"); a check of Authorize.conf keeps the
    source, the clauses that name Authorize and the specification clauses. A reference
    that names the message in no clause, or has one clause only, stays as it is."""
    judged = _JUDGED.match(expected)
    if judged is None or ";" not in reference:
        return reference
    action = judged.group(1)
    head, colon, body = reference.partition(": ")
    if not colon or ";" in head:
        head, body = "", reference
    clauses = [clause.strip() for clause in body.split(";")]
    naming = [c for c in clauses if re.search(rf"\b{action}\b", c)]
    if not naming or len(naming) == len(clauses):
        return reference
    kept = [c for c in clauses if c in naming or _CITATION.match(c)]
    return f"{head}: {'; '.join(kept)}" if head else "; ".join(kept)


def message_id(case: CaseResult, index: int) -> str:
    """The id of a transcript row: ``m-TC_003_CSMS-4``."""
    return f"m-{case.id}-{index}"


def _judged_message(case: CaseResult, step: StepRecord, check: Check, ordinal: int) -> int | None:
    """The index of the message ``check`` judged: in the step's time window, the
    ``ordinal``-th CSMS message of the check's action (a ``.req`` the CSMS sent, or its
    answer to a ``.conf``); a check of no answer (a timeout) points at the request."""
    if step.started_at is None:
        return None
    start = step.started_at - 1e-6
    end = step.started_at + (step.duration_s or 0.0) + 1e-3
    window = [i for i, m in enumerate(case.messages) if start <= m.t <= end]
    judged = _JUDGED.match(check.expected)
    if judged is None:
        return window[-1] if window else None
    action, kind = judged.groups()
    same = [i for i in window if case.messages[i].action == action]
    from_csms = [
        i
        for i in same
        if case.messages[i].direction == "CSMS->CP"
        and (case.messages[i].message_type == "CALL") == (kind == "req")
    ]
    if from_csms:
        return from_csms[min(ordinal, len(from_csms) - 1)]
    return same[-1] if same else (window[-1] if window else None)


@dataclass
class Links:
    """Where a case's failed checks and reasons point in its transcript."""

    checks: dict[tuple[int, int], str] = field(default_factory=dict)  # (step, check) -> id
    reasons: dict[int, str] = field(default_factory=dict)  # reason index -> id
    references: dict[int, str] = field(default_factory=dict)  # reason index -> own reference


def message_links(case: CaseResult) -> Links:
    """Each failed check's link to the transcript row of the message it judged, and each
    reason's to the message of the failed check it comes from."""
    links = Links()
    for s, step in enumerate(case.steps):
        seen: dict[tuple[str, str], int] = {}
        for c, check in enumerate(step.checks):
            judged = _JUDGED.match(check.expected)
            key = (judged.group(0) if judged else "", check.rule)
            ordinal = seen.get(key, 0)
            seen[key] = ordinal + 1
            if check.passed:
                continue
            index = _judged_message(case, step, check, ordinal)
            if index is not None:
                links.checks[(s, c)] = message_id(case, index)
    for r, reason in enumerate(case.reasons):
        for s, step in enumerate(case.steps):
            if step.label != reason.step:
                continue
            for c, check in enumerate(step.checks):
                same_rule = (s, c) in links.checks and check.rule == reason.rule
                if same_rule and (check.message == reason.message or r not in links.reasons):
                    links.reasons[r] = links.checks[(s, c)]
                    links.references[r] = own_reference(reason.reference, check.expected)
    return links


_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_CASE_ID = re.compile(r"\bTC_\w+?_CSMS\b")


def _cause_key(*parts: str) -> tuple[str, ...]:
    """Messages that differ only by a case id or a number (an id, a time) are one cause."""
    return tuple(_NUMBER.sub("#", _CASE_ID.sub("TC", part)) for part in parts)


@dataclass
class Cause:
    """One cause and the cases it hit: the first case's words stand for all of them."""

    verdict: str
    rule: str
    message: str
    reference: str
    basis: str = Basis.TCD.value
    hits: list[tuple[CaseResult, str]] = field(default_factory=list)  # (case, step)

    @property
    def cases(self) -> list[CaseResult]:
        by_id = {case.id: case for case, _ in self.hits}
        return list(by_id.values())


def causes(cases: Iterable[CaseResult]) -> list[Cause]:
    """The cases not passed grouped by the reason that decided each (its first, the one
    that ended the case), worst verdict first, then the most cases first."""
    grouped: dict[tuple[str, ...], Cause] = {}
    for case in cases:
        if not case.reasons:
            key: tuple[str, ...] = (str(case.verdict), "", "no reason recorded")
            cause = grouped.setdefault(key, Cause(str(case.verdict), "", "", ""))
            cause.hits.append((case, "-"))
            continue
        reason = case.reasons[0]
        reference = message_links(case).references.get(0, reason.reference)
        key = (str(reason.verdict), *_cause_key(reason.rule, reason.message))
        cause = grouped.setdefault(
            key, Cause(str(reason.verdict), reason.rule, reason.message, reference)
        )
        cause.hits.append((case, reason.step))
    order = [
        Verdict.ERROR,
        Verdict.FAIL,
        Verdict.INCONCLUSIVE,
        Verdict.NOT_RUN,
        Verdict.NOT_APPLICABLE,
    ]
    return sorted(
        grouped.values(),
        key=lambda c: (order.index(Verdict(c.verdict)), -len(c.hits)),
    )


def beside_causes(run: RunResult) -> list[Cause]:
    """The findings beside the verdicts, grouped the same way (basis, rule, message)."""
    grouped: dict[tuple[str, ...], Cause] = {}
    for case in run.cases:
        for finding in case.findings:
            key = (finding.basis, *_cause_key(finding.rule, finding.message))
            cause = grouped.setdefault(
                key,
                Cause("", finding.rule, finding.message, finding.reference, finding.basis),
            )
            cause.hits.append((case, finding.step))
    return sorted(grouped.values(), key=lambda c: -len(c.hits))


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
_env.filters["step_time"] = step_time
_env.globals["own_reference"] = own_reference
_env.globals["message_links"] = message_links
_env.globals["message_id"] = message_id
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


def _verdict_counts(run: RunResult) -> list[tuple[str, int]]:
    """Each verdict the run has, with its number of cases (the filter's checkboxes)."""
    order = [Verdict.FAIL, Verdict.ERROR, Verdict.INCONCLUSIVE, Verdict.PASS]
    order += [Verdict.NOT_RUN, Verdict.NOT_APPLICABLE]
    counts = [(v.value, sum(1 for c in run.cases if c.verdict == v)) for v in order]
    return [(verdict, n) for verdict, n in counts if n]


def render_html(run: RunResult) -> str:
    blocks = block_summaries(run)
    context: dict[str, Any] = {
        "title": TITLE,
        "css": _inline("report.css"),
        "script": _inline("report.js.j2"),  # read as it is: .j2 only to be package data
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
        "causes": causes(not_passed(run)),
        "beside": [(case, finding) for case in run.cases for finding in case.findings],
        "beside_causes": beside_causes(run),
        "verdict_counts": _verdict_counts(run),
    }
    return _env.get_template("report.html.j2").render(**context)


def write_html(run: RunResult, path: Path) -> None:
    path.write_text(render_html(run), encoding="utf-8")
