"""The HTML report: a lab's test report (summary per block, performance, configuration,
approval) then every case, self-contained, escaped and printable. Parsed with html.parser;
the ids, classes and data- attributes checked here are what the browser tests rely on."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest

from reports.html import causes, own_reference, render_html, step_time, violation_parts
from reports.results import CaseResult, Reason, RunResult, StepRecord, Verdict
from tests.support.sample_results import FAILING_REASON, HOSTILE, sample_run

VOID = {"meta", "br", "hr", "img", "link", "input", "wbr", "col", "source"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)
    parent: Node | None = None

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def text(self) -> str:
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return " ".join("".join(parts).split())

    def iter(self) -> list[Node]:
        found = [self]
        for child in self.children:
            if isinstance(child, Node):
                found += child.iter()
        return found

    def find_all(self, tag: str | None = None, cls: str | None = None) -> list[Node]:
        return [
            n
            for n in self.iter()[1:]
            if (tag is None or n.tag == tag) and (cls is None or cls in n.classes)
        ]

    def by_id(self, ident: str) -> Node:
        matches = [n for n in self.iter() if n.attrs.get("id") == ident]
        assert len(matches) == 1, f"{len(matches)} elements with id {ident!r}"
        return matches[0]

    def cells(self) -> list[str]:
        return [n.text() for n in self.children if isinstance(n, Node) and n.tag in ("td", "th")]


class TreeBuilder(HTMLParser):
    """A small DOM: enough to find elements by id, class and tag and read their text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, parent=self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        assert node is not None and node.parent is not None, f"unbalanced </{tag}>"
        self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def parse(html: str) -> Node:
    builder = TreeBuilder()
    builder.feed(html)
    builder.close()
    assert builder.current is builder.root, "unclosed elements"
    return builder.root


@pytest.fixture(scope="module")
def html() -> str:
    return render_html(sample_run())


@pytest.fixture(scope="module")
def doc(html: str) -> Node:
    return parse(html)


def test_header_states_what_was_tested(doc: Node) -> None:
    header = doc.by_id("report-header")
    text = header.text()
    assert "OCPP 1.6 Central System certification pre-test report" in text
    for expected in (
        "Example <Energy> & Co",
        "Example CSMS",
        "4.2.0",
        "Central System (CSMS)",
        "OCPP-J 1.6 (JSON over WebSocket)",
        "OCPP 1.6 Edition 2",
        "ocpp16-pretest 0.1.0",
        "2026-11-24",
        "ws://127.0.0.1:9000/ocpp",
        "6 cases: 2 PASS, 1 FAIL, 1 ERROR, 1 INCONCLUSIVE, 1 NOT_APPLICABLE",
    ):
        assert expected in text


def test_summary_has_the_blocks_with_their_results(doc: Node) -> None:
    rows = doc.by_id("summary").find_all("tr", "block-row")
    got = {row.attrs["data-block"]: row.cells() for row in rows}
    assert list(got) == [
        "core",
        "firmware-management",
        "smart-charging",
        "reservation",
        "local-auth-list",
        "remote-trigger",
        "security",
    ]
    assert {name: cells[2] for name, cells in got.items()} == {
        "core": "Fail",
        "firmware-management": "Pass",
        "smart-charging": "Not applicable",
        "reservation": "Fail",
        "local-auth-list": "Fail",
        "remote-trigger": "Not tested",
        "security": "Not tested",
    }
    assert got["core"][0] == "Core"
    assert got["local-auth-list"][0] == "Local Authorization List Management"
    assert got["core"][3] == "1 of 2 passed; 1 FAIL"
    assert got["remote-trigger"][3] == "no case selected"


def test_summary_links_to_the_block_sections_that_exist(doc: Node) -> None:
    with_cases = ["core", "firmware-management", "smart-charging", "reservation", "local-auth-list"]
    sections = [n.attrs["id"] for n in doc.find_all("section", "block")]
    assert sections == [f"block-{name}" for name in with_cases]
    links = [a.attrs["href"] for a in doc.by_id("summary").find_all("a")]
    assert links == [f"#block-{name}" for name in with_cases]  # Remote Trigger: no section


def test_performance_rows(doc: Node) -> None:
    rows = [row.cells() for row in doc.by_id("performance").find_all("tr", "measurement-row")]
    assert len(rows) == 2
    timeout, authorize = rows
    assert timeout[:3] == ["OCPP response timeout", "00:00:35", "00:00:03.400"]
    assert timeout[4] == "Pass"
    assert authorize[:3] == ["Response time Authorize", "00:00:03", "00:00:03.400"]
    assert "1 sample" in authorize[3] and "median" in authorize[3]
    assert authorize[4] == "Fail"


def test_configuration_rows(doc: Node) -> None:
    rows = dict(
        (cells[0], cells[1])
        for cells in (r.cells() for r in doc.by_id("configuration").find_all("tr"))
    )
    assert rows["Vendor"] == "Example <Energy> & Co"
    assert rows["Software version"] == "4.2.0"
    assert rows["CSMS endpoint"] == "ws://127.0.0.1:9000/ocpp"
    assert rows["Response time Authorize (declared)"] == "00:00:03"
    assert rows["Declared feature profiles"].startswith("Core, FirmwareManagement")
    assert rows["Security profile"] == "1 (HTTP Basic authentication)"


def test_approval_has_blank_fields_for_vendor_and_lab(doc: Node) -> None:
    approval = doc.by_id("approval")
    assert approval.tag == "section"
    rows = [r.cells() for r in approval.find_all("tr")]
    assert rows[0][1:] == ["Vendor", "Test laboratory"]
    assert [r[0] for r in rows[1:]] == ["Name", "Signature", "Date"]
    assert all(cell == "" for r in rows[1:] for cell in r[1:])


def case_section(doc: Node, case_id: str) -> Node:
    section = doc.by_id(f"case-{case_id}")
    assert section.tag == "section" and "case" in section.classes
    return section


def test_every_case_has_a_section_with_its_verdict(doc: Node) -> None:
    sections = doc.find_all("section", "case")
    assert {s.attrs["id"]: s.attrs["data-verdict"] for s in sections} == {
        "case-TC_001_CSMS": "PASS",
        "case-TC_003_CSMS": "FAIL",
        "case-TC_044_1_CSMS": "PASS",
        "case-TC_056_CSMS": "NOT_APPLICABLE",
        "case-TC_046_CSMS": "INCONCLUSIVE",
        "case-TC_042_1_CSMS": "ERROR",
    }
    for section in sections:
        assert section.parent is not None and "block" in section.parent.classes


def test_failing_case_shows_its_reasons_open(doc: Node) -> None:
    failing = case_section(doc, "TC_003_CSMS")
    reasons = failing.find_all("ul", "reasons")
    assert len(reasons) == 1
    items = [li.text() for li in reasons[0].find_all("li", "reason")]
    assert len(items) == 2
    assert FAILING_REASON in items[0] and "Step 2" in items[0]
    assert "OCPP 1.6 §4.2" in items[0]
    # The reasons are not inside the collapsible part.
    assert not any(d.find_all("li", "reason") for d in failing.find_all("details"))
    (details,) = failing.find_all("details")
    assert "open" in details.attrs


def test_passing_case_is_closed(doc: Node) -> None:
    (details,) = case_section(doc, "TC_001_CSMS").find_all("details")
    assert "open" not in details.attrs
    for case_id in ("TC_046_CSMS", "TC_042_1_CSMS", "TC_056_CSMS"):
        (details,) = case_section(doc, case_id).find_all("details")
        assert "open" in details.attrs


def test_steps_show_checks_expected_and_observed(doc: Node) -> None:
    failing = case_section(doc, "TC_003_CSMS")
    (steps,) = failing.find_all("table", "steps")
    text = steps.text()
    assert "✘ field" in text and '→ {"status": "Rejected"}' in text
    assert 'BootNotification.conf status "Accepted"' in text  # the matcher in words
    assert "[TC_003_CSMS: BootNotification.conf Accepted; OCPP 1.6 §4.2]" in text
    assert f"a note with {HOSTILE}" in text  # the note, as text
    passing = case_section(doc, "TC_001_CSMS").find_all("table", "steps")[0].text()
    assert "✔ field" in passing


def test_transcript_marks_the_violation(doc: Node) -> None:
    (transcript,) = case_section(doc, "TC_003_CSMS").find_all("table", "transcript")
    rows = transcript.find_all("tbody")[0].find_all("tr")
    assert len(rows) == 4
    flagged = [r for r in rows if "violation" in r.classes]
    assert len(flagged) == 1
    cells = flagged[0].cells()
    assert cells[0] == "3.502" and "CSMS" in cells[2] and cells[3].startswith("CALLRESULT")
    assert cells[4] == "BootNotification" and cells[5] == "2.0 ms"
    (pre,) = flagged[0].find_all("pre")
    assert '"interval": "ten"' in "".join(c for c in pre.children if isinstance(c, str))
    assert '  "status": "Rejected",' in "".join(c for c in pre.children if isinstance(c, str))
    assert "interval: 'ten' is not of type 'integer'" in flagged[0].find_all("ul")[0].text()
    assert rows[1].cells()[5] == "3400.0 ms"


def test_violation_parts_take_any_shape() -> None:
    assert violation_parts({"path": "a.b", "message": "bad", "keyword": "type", "x": 1}) == (
        "a.b",
        "bad",
        [("keyword", "type"), ("x", "1")],
    )
    assert violation_parts({"message": "bad"}) == ("", "bad", [])
    assert violation_parts("just text") == ("", "just text", [])
    run = sample_run()
    run.cases[1].messages[-1].violations = [{"schema": "BootNotificationResponse"}, "odd"]  # type: ignore[list-item]
    text = parse(render_html(run)).by_id("case-TC_003_CSMS").text()
    assert "(payload): (schema: BootNotificationResponse)" in text
    assert "(payload): odd" in text


def test_hostile_content_is_escaped(html: str, doc: Node) -> None:
    assert html.lower().count("<script") == 1  # ours, at the end of the body
    (script,) = doc.find_all("script")
    assert "pwned" not in script.text() and "src" not in script.attrs
    assert "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;" in html
    assert html.count("&lt;script&gt;") >= 2  # in the CSMS answer and in the step note
    assert "Example &lt;Energy&gt; &amp; Co" in html


def test_self_contained(html: str, doc: Node) -> None:
    for node in doc.iter():
        for name in ("src", "href", "action", "srcset", "data"):
            value = node.attrs.get(name)
            if value is not None:
                assert value.startswith("#"), f"<{node.tag} {name}={value!r}>"
        assert node.tag not in ("link", "img", "iframe", "object", "embed")
        if node.tag == "script":  # one inline script of ours, no source
            assert node.attrs == {} and "fetch(" not in node.text()
    assert not re.search(r"(src|href)\s*=\s*[\"']?\s*(https?:)?//", html, re.IGNORECASE)
    assert not re.search(r"url\s*\(", html, re.IGNORECASE)
    assert "@import" not in html
    assert not re.search(r"https?://", html)


def test_print_rules(doc: Node) -> None:
    (style,) = doc.find_all("style")
    css = "".join(c for c in style.children if isinstance(c, str))
    assert re.search(r"@page\s*\{[^}]*size:\s*A4", css)
    assert re.search(r"@media print", css)
    assert re.search(r"#findings-section\s*\{\s*break-before:\s*page", css)
    assert re.search(r"@bottom-right\s*\{[^}]*counter\(page\)[^}]*counter\(pages\)", css)
    assert re.search(r"table#configuration[^{}]*\{\s*break-inside:\s*avoid", css)
    # passing cases: no steps nor transcript in print; the controls do not print
    assert re.search(r'\.case\[data-verdict="PASS"\] details[^{}]*\{\s*display:\s*none', css)
    assert re.search(r"#report-controls[^{}]*\{\s*display:\s*none", css)
    assert "white-space: pre-wrap" in css and "overflow-wrap: anywhere" in css
    assert re.search(r"tr[^{}]*\{\s*break-inside:\s*avoid", css)


def test_findings_list_every_case_not_passed_by_cause(doc: Node) -> None:
    rows = doc.by_id("findings").find_all("tr", "cause-row")
    # one cause each here; ERROR first, then FAIL, then INCONCLUSIVE
    assert [[a.attrs["href"] for a in r.find_all("a")] for r in rows] == [
        ["#case-TC_042_1_CSMS"],
        ["#case-TC_003_CSMS"],
        ["#case-TC_046_CSMS"],
    ]
    assert FAILING_REASON in rows[1].text() and "1 case" in rows[1].cells()[2]


def _failed(case_id: str, message: str) -> CaseResult:
    reason = Reason(case_id, "1", "field", message, "OCPP 1.6 §4.1")
    return CaseResult(case_id, "core", "t", Verdict.FAIL, reasons=[reason])


def test_cases_with_one_cause_are_one_row() -> None:
    same = 'Authorize.conf idTagInfo.status: expected "Accepted", got "Invalid"'
    other = 'Authorize.conf idTagInfo.status: expected "Blocked", got "Invalid"'
    cases = [_failed(f"TC_{n:03}_CSMS", same) for n in range(19)]
    cases += [_failed("TC_100_CSMS", other), _failed("TC_101_CSMS", "no answer within 7 s")]
    cases.append(_failed("TC_102_CSMS", "no answer within 35 s"))  # a number differs only
    grouped = causes(cases)
    assert [len(c.cases) for c in grouped] == [19, 2, 1]
    assert grouped[0].message == same and grouped[2].message == other
    run = sample_run()
    run.cases = cases
    rows = parse(render_html(run)).by_id("findings").find_all("tr", "cause-row")
    assert len(rows) == 3 and "19 cases" in rows[0].cells()[2]
    assert len(rows[0].find_all("a")) == 19


def test_a_failed_check_cites_its_own_reference_and_links_to_its_message(doc: Node) -> None:
    failing = case_section(doc, "TC_003_CSMS")
    (transcript,) = failing.find_all("table", "transcript")
    ids = [r.attrs.get("id") for r in transcript.find_all("tbody")[0].find_all("tr")]
    assert ids == [f"m-TC_003_CSMS-{i}" for i in range(4)]
    links = [a.attrs["href"] for a in failing.find_all("a", "to-message")]
    # both reasons and both failed checks judged the BootNotification answer, row 3
    assert links == ["#m-TC_003_CSMS-3"] * 4
    step = "TC_059_CSMS T182: idTag as configured; TxProfile omitted; Authorize.conf Accepted"
    reference = f"{step}; catalog §12.1; OCPP 1.6 §5.11"
    assert own_reference(reference, 'Authorize.conf idTagInfo.status "Accepted"') == (
        "TC_059_CSMS T182: Authorize.conf Accepted; catalog §12.1; OCPP 1.6 §5.11"
    )
    assert own_reference(reference, "RemoteStartTransaction.req x") == reference  # unnamed
    assert own_reference("OCPP 1.6 §4.2", "BootNotification.conf x") == "OCPP 1.6 §4.2"


def test_every_step_states_its_time(doc: Node) -> None:
    (steps,) = case_section(doc, "TC_003_CSMS").find_all("table", "steps")
    assert steps.find_all("th")[3].text() == "Time"
    times = [r.cells()[3] for r in steps.find_all("tbody")[0].find_all("tr")]
    assert times == ["1 ms at 0.000 s", "4 ms at 3.499 s"]
    assert (step_time(None), step_time(0.25), step_time(12.34)) == ("-", "0.250 s", "12.3 s")


def test_controls_are_hidden_until_the_script_shows_them(doc: Node) -> None:
    controls = doc.by_id("report-controls")
    assert "hidden" in controls.attrs
    boxes = [
        n.attrs["data-verdict"] for n in controls.find_all("input") if "data-verdict" in n.attrs
    ]
    assert boxes == ["FAIL", "ERROR", "INCONCLUSIVE", "PASS", "NOT_APPLICABLE"]
    assert doc.by_id("report-search").tag == "input"
    assert not [n for n in doc.iter() if "filtered-out" in n.classes]  # scripts off: all shown
    assert {doc.by_id(i).tag for i in ("expand-all", "collapse-all")} == {"button"}


def test_same_output_from_results_json() -> None:
    run = sample_run()
    assert render_html(RunResult.from_dict(run.to_dict())) == render_html(run)


def test_no_case_renders() -> None:
    run = sample_run()
    run.cases = []
    doc = parse(render_html(run))
    assert len(doc.by_id("summary").find_all("tr", "block-row")) == 7  # six and Security
    assert {r.cells()[2] for r in doc.by_id("summary").find_all("tr", "block-row")} == {
        "Not tested"
    }
    assert not doc.find_all("section", "block")
    assert "no case selected" in doc.by_id("report-header").text()


def test_an_operator_request_built_from_the_context_is_reported() -> None:
    """docs/operator-contract.md: an adapter that filled fields from the charge point's
    context says so; the step and the Test Configuration show it."""
    run = sample_run()
    asked = {"adapter": "python", "action": "RemoteStopTransaction", "request": {}, "ok": True}
    asked.update(duration_s=0.2, detail="done", used_context=["transactions"])
    step = StepRecord("1", "operator", "RemoteStopTransaction", "stop", "passed", operator=asked)
    plain = StepRecord(
        "2", "operator", "Reset", "reset", "passed", operator={**asked, "used_context": []}
    )
    run.cases[0].steps[:] = [step, plain, *run.cases[0].steps]
    doc = parse(render_html(run))
    rows = dict(
        (c[0], c[1]) for c in (r.cells() for r in doc.by_id("configuration").find_all("tr"))
    )
    assert rows["Operator adapter"] == (
        "http; 1 of 2 operator requests built from the charge point's context, not the "
        "CSMS's own records"
    )
    html = render_html(run)
    assert html.count("built the request from the charge point's context (transactions)") == 1
