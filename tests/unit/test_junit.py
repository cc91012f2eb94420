"""junit.xml: a testsuite per functional block, a testcase per case, verdicts mapped so
that nothing short of PASS looks passed, and the performance rows as properties of their
own suite (they do not count as tests)."""

import xml.etree.ElementTree as ET
from pathlib import Path

from reports.junit import PERFORMANCE_SUITE, render_junit
from reports.results import Finding, RunResult
from tests.support.sample_results import FAILING_REASON, HOSTILE, sample_run


def parsed(run: RunResult | None = None) -> ET.Element:
    return ET.fromstring(render_junit(run or sample_run()))


def test_a_suite_per_block_in_certificate_order_then_performance() -> None:
    names = [suite.get("name") for suite in parsed().findall("testsuite")]
    assert names == [
        "Core",
        "Firmware Management",
        "Smart Charging",
        "Reservation",
        "Local Authorization List Management",
        "Remote Trigger",
        "Security",
        PERFORMANCE_SUITE,
    ]


def test_verdicts_map_to_failure_error_and_skipped() -> None:
    root = parsed()
    outcome = {}
    for case in root.iter("testcase"):
        children = [c.tag for c in case if c.tag in ("failure", "error", "skipped")]
        outcome[case.get("name", "").split()[0]] = (children or ["passed"])[0]
    assert outcome["TC_001_CSMS"] == "passed"
    assert outcome["TC_003_CSMS"] == "failure"
    assert outcome["TC_046_CSMS"] == "error"  # INCONCLUSIVE never looks passed or skipped
    assert outcome["TC_042_1_CSMS"] == "error"
    assert outcome["TC_056_CSMS"] == "skipped"
    core = root.find("testsuite[@name='Core']")
    assert core is not None
    assert (core.get("tests"), core.get("failures"), core.get("errors")) == ("2", "1", "0")
    # tests counts the cases only: the measurements are properties, not testcases
    assert len(list(root.iter("testcase"))) == 6
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("6", "1", "2")


def test_each_suite_has_one_properties_element_first() -> None:
    for suite in parsed().findall("testsuite"):
        assert [child.tag for child in suite].count("properties") == 1, suite.get("name")
        assert suite[0].tag == "properties"
        assert suite.get("tests") == str(len(suite.findall("testcase")))


def test_a_failure_carries_every_reason_with_its_reference() -> None:
    failure = parsed().find(".//testcase[@classname='ocpp16.core']/failure")
    assert failure is not None
    assert failure.get("type") == "FAIL"
    assert FAILING_REASON in (failure.get("message") or "")
    text = failure.text or ""
    assert text.count("\n- step 2:") == 2
    assert "OCPP 1.6 §4.2" in text and "OCA 1.6 JSON schemas" in text


def test_the_measurements_are_properties_of_their_own_suite() -> None:
    suite = parsed().find(f"testsuite[@name='{PERFORMANCE_SUITE}']")
    assert suite is not None and suite.get("tests") == "0"
    rows = {p.get("name"): p.get("value", "") for p in suite.iter("property")}
    assert rows["OCPP response timeout"].startswith("Pass: ")
    assert rows["Response time Authorize"].startswith(
        "Fail: declared 00:00:03, measured 00:00:03.400"
    )


def test_text_from_the_csms_is_escaped_and_control_characters_replaced() -> None:
    run = sample_run()
    run.cases[1].reasons[0].message = f"{HOSTILE} \x00\x1b end"
    xml = render_junit(run)
    assert "<script>" not in xml
    reason = ET.fromstring(xml).find(".//testcase[@classname='ocpp16.core']/failure")
    assert reason is not None and HOSTILE in (reason.get("message") or "")
    assert "\ufffd\ufffd end" in (reason.get("message") or "")


def test_junit_xml_validates_against_the_junit_schema() -> None:
    # The structure CI servers read (Jenkins' junit-10.xsd): one properties per suite,
    # testcases without properties, counts as numbers.
    import xmlschema

    schema = xmlschema.XMLSchema(Path(__file__).resolve().parents[1] / "data" / "junit-10.xsd")
    run = sample_run()
    run.cases[0].findings.append(
        Finding("TC_001_CSMS", "1", "field", "inference", "an inference", "ref")
    )
    schema.validate(render_junit(run))
