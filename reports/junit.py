"""``junit.xml`` for CI systems: a testsuite per functional block, a testcase per case, and a
"Performance Measurement Results" testsuite that holds the two measurements as properties
(no testcase: they are measured apart, and the tests count is the number of cases).

Verdicts map onto JUnit's outcomes as honestly as JUnit allows: FAIL is a ``<failure>``
(the CSMS broke a rule), ERROR and INCONCLUSIVE are an ``<error>`` (the case could not
decide; never shown as passed or skipped), NOT_APPLICABLE is ``<skipped>``. The message
is the first reason; the text has every reason with its reference, and the warnings.
Findings (checks the TCD does not make) never fail a testcase by themselves: each is a
line of its system-out (JUnit's schema gives a testcase no properties). Each block's
properties name the Test Case Document edition and whether --strict counted findings.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from reports.results import CaseResult, RunResult, Verdict
from reports.summary import block_summaries, cases_of, lab_time, performance

PERFORMANCE_SUITE = "Performance Measurement Results"

# Characters XML 1.0 cannot carry at all; what a CSMS sent may contain them.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _case_element(case: CaseResult, block_title: str) -> ET.Element:
    element = ET.Element(
        "testcase",
        name=_clean(f"{case.id} {case.title}".strip()),
        classname=f"ocpp16.{case.block}",
        time=f"{case.duration_s:.3f}",
    )
    if case.file:
        element.set("file", _clean(case.file))
    verdict = Verdict(case.verdict)
    if verdict == Verdict.PASS and not case.warnings and not case.findings:
        return element
    lines = [f"{verdict}: {case.id} ({block_title})"]
    lines += [f"- {reason}" for reason in case.reasons]
    lines += [f"warning: {warning}" for warning in case.warnings]
    lines += [f"finding: {finding}" for finding in case.findings]
    first = str(case.reasons[0]) if case.reasons else str(verdict)
    tag = {
        Verdict.FAIL: "failure",
        Verdict.ERROR: "error",
        Verdict.INCONCLUSIVE: "error",
        Verdict.NOT_APPLICABLE: "skipped",
        Verdict.NOT_RUN: "skipped",
    }.get(verdict)
    if tag is not None:
        outcome = ET.SubElement(element, tag, message=_clean(first), type=str(verdict))
        outcome.text = _clean("\n".join(lines))
    elif case.warnings or case.findings:
        ET.SubElement(element, "system-out").text = _clean("\n".join(lines))
    return element


def _suite(name: str, cases: list[ET.Element], timestamp: str) -> ET.Element:
    suite = ET.Element("testsuite", name=name, timestamp=timestamp)
    suite.extend(cases)
    count = {tag: len(suite.findall(f"testcase/{tag}")) for tag in ("failure", "error", "skipped")}
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(count["failure"]))
    suite.set("errors", str(count["error"]))
    suite.set("skipped", str(count["skipped"]))
    suite.set("time", f"{sum(float(c.get('time', '0')) for c in cases):.3f}")
    return suite


def render_junit(run: RunResult) -> str:
    root = ET.Element("testsuites", name=f"{run.harness} {run.version}: OCPP 1.6 CSMS pre-test")
    for block in block_summaries(run):
        elements = [_case_element(case, block.title) for case in cases_of(run, block.name)]
        suite = _suite(block.title, elements, run.started)
        suite.insert(
            0,
            _properties(
                block=block.name,
                result=block.result,
                description=block.description,
                edition=run.edition or "-",
                strict=str(run.strict).lower(),
            ),
        )
        root.append(suite)
    root.append(_performance_suite(run))
    totals = {key: 0 for key in ("tests", "failures", "errors", "skipped")}
    for suite in root.findall("testsuite"):
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{run.duration_s:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _properties(**values: str) -> ET.Element:
    properties = ET.Element("properties")
    for name, value in values.items():
        ET.SubElement(properties, "property", name=name, value=_clean(value))
    return properties


def _performance_suite(run: RunResult) -> ET.Element:
    """The lab's Performance Measurement Results: measured apart from the cases, so a
    suite of properties (one per measurement, its result first) with no testcase: the
    case count stays the number of cases."""
    values = {}
    lines = []
    for measurement in performance(run):
        text = (
            f"{measurement.result}: declared {lab_time(measurement.declared_s)}, measured "
            f"{measurement.measured_text()} ({measurement.statistics_text()})"
        )
        values[measurement.name] = text
        lines.append(f"{measurement.name}: {text}")
    suite = _suite(PERFORMANCE_SUITE, [], run.started)
    suite.insert(0, _properties(**values))
    ET.SubElement(suite, "system-out").text = _clean("\n".join(lines))
    return suite


def write_junit(run: RunResult, path: Path) -> None:
    path.write_text(render_junit(run), encoding="utf-8")
