"""``junit.xml`` for CI systems: a testsuite per functional block, a testcase per case, and a
"Performance Measurement Results" testsuite with the two measurements.

Verdicts map onto JUnit's outcomes as honestly as JUnit allows: FAIL is a ``<failure>``
(the CSMS broke a rule), ERROR and INCONCLUSIVE are an ``<error>`` (the case could not
decide; never shown as passed or skipped), NOT_APPLICABLE is ``<skipped>``. The message
is the first reason; the text has every reason with its reference, and the warnings.
Findings (checks the TCD does not make) never fail a testcase by themselves: each is a
``finding`` property of its testcase and a line of its system-out. Each block's
properties name the Test Case Document edition and whether --strict counted findings.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from reports.results import CaseResult, RunResult, Verdict
from reports.summary import FAIL, NOT_TESTED, block_summaries, cases_of, lab_time, performance

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
    if case.findings:
        properties = ET.SubElement(element, "properties")
        for finding in case.findings:
            ET.SubElement(properties, "property", name="finding", value=_clean(str(finding)))
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
        properties = ET.SubElement(suite, "properties")
        ET.SubElement(properties, "property", name="block", value=block.name)
        ET.SubElement(properties, "property", name="result", value=block.result)
        ET.SubElement(properties, "property", name="description", value=block.description)
        ET.SubElement(properties, "property", name="edition", value=run.edition or "-")
        ET.SubElement(properties, "property", name="strict", value=str(run.strict).lower())
        suite.insert(0, properties)
        root.append(suite)
    measurements = []
    for measurement in performance(run):
        element = ET.Element(
            "testcase", name=measurement.name, classname="ocpp16.performance", time="0"
        )
        text = (
            f"declared {lab_time(measurement.declared_s)}, measured "
            f"{measurement.measured_text()} ({measurement.statistics_text()})"
        )
        if measurement.result == FAIL:
            failure = ET.SubElement(element, "failure", message=text, type="FAIL")
            failure.text = text
        elif measurement.result == NOT_TESTED:
            ET.SubElement(element, "skipped", message=text)
        else:
            ET.SubElement(element, "system-out").text = text
        measurements.append(element)
    root.append(_suite(PERFORMANCE_SUITE, measurements, run.started))
    totals = {key: 0 for key in ("tests", "failures", "errors", "skipped")}
    for suite in root.findall("testsuite"):
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{run.duration_s:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_junit(run: RunResult, path: Path) -> None:
    path.write_text(render_junit(run), encoding="utf-8")
