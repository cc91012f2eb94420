"""The HTML report opened in a real headless Chromium: what a reader sees, a PNG and a PDF.

Relies only on the report's DOM contract: ``table#summary`` with six ``tr.block-row``
(``data-block``), ``table#performance`` with two ``tr.measurement-row``, and per case
``section.case#case-<id>`` (``data-verdict``) whose ``ul.reasons > li.reason`` show without
expanding anything; the script's ``#report-controls`` (``input[data-verdict]``,
``#report-search``, ``#report-shown``) and ``a.to-message`` links into ``tr#m-<case>-<n>``.
The screenshot and the PDF land in ``out/browser/``.

No Chromium: skipped, unless OCPP_REQUIRE_BROWSER=1 (``make test`` sets it), then failed.
"""

from __future__ import annotations

import json
import os
import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from reports.html import write_html
from tests.support.browser import Browser, find_chromium
from tests.support.sample_results import FAILING_REASON, HOSTILE, sample_run

OUT = Path(__file__).resolve().parents[2] / "out" / "browser"

BLOCK_TITLES = {
    "core": "Core",
    "firmware-management": "Firmware Management",
    "smart-charging": "Smart Charging",
    "reservation": "Reservation",
    "local-auth-list": "Local Authorization List Management",
    "remote-trigger": "Remote Trigger",
    "security": "Security",
}

# inspect(el): is it rendered with a non-zero box inside the document, not display:none nor
# visibility:hidden (itself or an ancestor, closed <details> included), and not covered?
OBSERVE = """
(() => {
  const doc = document.documentElement;
  const inspect = (el) => {
    if (!el) return {found: false, visible: false, text: ''};
    el.scrollIntoView({block: 'center', inline: 'nearest'});
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    const x = r.left + window.scrollX, y = r.top + window.scrollY;
    const box = r.width > 0 && r.height > 0;
    const inside = box && x + r.width > 0 && y + r.height > 0
      && x < doc.scrollWidth && y < doc.scrollHeight;
    const shown = style.display !== 'none' && style.visibility === 'visible'
      && el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true});
    const cx = Math.min(Math.max(r.left + r.width / 2, 0), window.innerWidth - 1);
    const cy = Math.min(Math.max(r.top + r.height / 2, 0), window.innerHeight - 1);
    const hit = document.elementFromPoint(cx, cy);
    const onTop = hit !== null && el.contains(hit);
    return {
      found: true, visible: box && inside && shown && onTop, box, inside, shown, onTop,
      text: el.innerText, rect: [x, y, r.width, r.height],
    };
  };
  const all = (selector) => [...document.querySelectorAll(selector)];
  const failing = document.getElementById('case-TC_003_CSMS');
  const facts = {
    title: document.title,
    scripts: document.getElementsByTagName('script').length,
    hostileAsText: document.body.textContent.includes(HOSTILE),
    blocks: all('table#summary tr.block-row').map((el) => ({block: el.dataset.block, ...inspect(el)})),
    performance: inspect(document.querySelector('table#performance')),
    measurements: all('table#performance tr.measurement-row').map(inspect),
    failingCase: failing === null ? null : {
      tag: failing.tagName.toLowerCase(),
      classes: [...failing.classList],
      verdict: failing.dataset.verdict,
    },
    reasons: failing === null ? [] : [...failing.querySelectorAll('ul.reasons li.reason')].map(inspect),
  };
  window.scrollTo(0, 0);
  return facts;
})()
""".replace("HOSTILE", json.dumps(HOSTILE))


# Use the controls as a reader would (click a checkbox, type in the search box), and note
# which case sections are then displayed; then follow a failed check's link.
INTERACT = """
(async () => {
  const frame = () => new Promise((done) => requestAnimationFrame(() => done()));
  const shownCases = () => [...document.querySelectorAll('section.case')]
    .filter((el) => el.checkVisibility()).map((el) => el.id);
  const shownText = () => document.getElementById('report-shown').textContent;
  const controls = document.getElementById('report-controls');
  const box = (verdict) => controls.querySelector('input[data-verdict="' + verdict + '"]');
  const search = document.getElementById('report-search');
  const type = async (text) => {
    search.value = text;
    search.dispatchEvent(new Event('input', {bubbles: true}));
    await frame();
  };
  const facts = {controlsShown: controls.checkVisibility(), all: shownCases(), allText: shownText()};
  box('PASS').click();
  await frame();
  facts.withoutPass = shownCases();
  facts.withoutPassText = shownText();
  box('PASS').click();
  await type('reservenow');
  facts.searchReserve = shownCases();
  await type('connection REFUSED');
  facts.searchTwoWords = shownCases();
  await type('no such text anywhere');
  facts.searchNothing = shownCases();
  facts.searchNothingText = shownText();
  await type('');
  facts.cleared = shownCases();
  document.getElementById('collapse-all').click();
  const failing = document.getElementById('case-TC_003_CSMS');
  facts.collapsed = !failing.querySelector('details').open;
  const link = failing.querySelector('ul.reasons a.to-message');
  facts.link = link && link.getAttribute('href');
  if (link) link.click();
  await new Promise((done) => setTimeout(done, 100));
  const row = link && document.getElementById(link.getAttribute('href').slice(1));
  facts.linkTargetShown = Boolean(row && row.checkVisibility());
  facts.reopened = failing.querySelector('details').open;
  return facts;
})()
"""


@dataclass
class Observed:
    report_url: str
    facts: dict[str, Any]
    interaction: dict[str, Any]
    requested_urls: list[str]
    png: bytes
    pdf: bytes


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def observed(tmp_path_factory: pytest.TempPathFactory) -> Observed:
    """The sample run's report rendered, opened and looked at once for the whole module."""
    chromium = find_chromium()
    if chromium is None:
        if os.environ.get("OCPP_REQUIRE_BROWSER") == "1":
            pytest.fail(
                "OCPP_REQUIRE_BROWSER=1 but no Chromium is installed: run `make browser` "
                "(apt-get install chromium)"
            )
        pytest.skip("no Chromium on PATH: `make browser` installs Debian's chromium")
    report = tmp_path_factory.mktemp("browser") / "report.html"
    write_html(sample_run(), report)
    async with await Browser.launch(chromium, width=1280) as browser:
        await browser.open(report.as_uri())
        facts = await browser.evaluate(OBSERVE)
        png = await browser.screenshot()
        pdf = await browser.pdf()
        interaction = await browser.evaluate(INTERACT)
        urls = list(browser.requested_urls)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "report.png").write_bytes(png)
    (OUT / "report.pdf").write_bytes(pdf)
    return Observed(report.as_uri(), facts, interaction, urls, png, pdf)


def _invisible(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [item for item in items if not item["visible"]]


def test_the_block_rows_are_visible_with_their_titles(observed: Observed) -> None:
    rows = observed.facts["blocks"]
    assert [row["block"] for row in rows] == list(BLOCK_TITLES), rows
    assert _invisible(rows) == []
    for row in rows:
        assert BLOCK_TITLES[row["block"]] in row["text"], row


def test_the_performance_table_is_visible_with_its_two_rows(observed: Observed) -> None:
    assert observed.facts["performance"]["visible"], observed.facts["performance"]
    measurements = observed.facts["measurements"]
    assert len(measurements) == 2, measurements
    assert _invisible(measurements) == []


def test_a_failing_case_shows_its_reason_without_expanding_anything(observed: Observed) -> None:
    case = observed.facts["failingCase"]
    assert case is not None, "no element with id case-TC_003_CSMS"
    assert case["tag"] == "section" and "case" in case["classes"], case
    assert case["verdict"] == "FAIL"
    reasons = observed.facts["reasons"]
    assert reasons, "no ul.reasons li.reason in #case-TC_003_CSMS"
    assert any(r["visible"] and FAILING_REASON in r["text"] for r in reasons), reasons


def test_the_hostile_payload_stays_text(observed: Observed) -> None:
    assert "pwned" not in observed.facts["title"]
    assert observed.facts["scripts"] == 1  # ours
    assert observed.facts["hostileAsText"], f"{HOSTILE!r} is not in the page's text"


def test_the_report_asks_the_network_for_nothing(observed: Observed) -> None:
    assert observed.report_url in observed.requested_urls  # the recording works
    foreign = [
        url
        for url in observed.requested_urls
        if url.split("#")[0] != observed.report_url and not url.startswith(("data:", "about:"))
    ]
    assert foreign == []


def test_the_screenshot_is_a_full_width_png(observed: Observed) -> None:
    png = observed.png
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])  # IHDR
    assert width == 1280 and 600 <= height <= 16384, (width, height)
    assert 20_000 < len(png) < 20_000_000, len(png)
    assert (OUT / "report.png").read_bytes() == png


def test_the_pdf_has_several_a4_pages(observed: Observed) -> None:
    pdf = observed.pdf
    assert pdf.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))
    assert pages > 1, f"{pages} page(s)"
    assert (OUT / "report.pdf").read_bytes() == pdf


ALL_CASES = [
    "case-TC_001_CSMS",
    "case-TC_003_CSMS",
    "case-TC_044_1_CSMS",
    "case-TC_056_CSMS",
    "case-TC_046_CSMS",
    "case-TC_042_1_CSMS",
]


def test_the_verdict_filter_hides_and_shows_cases(observed: Observed) -> None:
    seen = observed.interaction
    assert seen["controlsShown"], seen
    assert seen["all"] == ALL_CASES and seen["allText"] == "6 of 6 cases shown"
    assert seen["withoutPass"] == [
        c for c in ALL_CASES if c not in ("case-TC_001_CSMS", "case-TC_044_1_CSMS")
    ]
    assert seen["withoutPassText"] == "4 of 6 cases shown"
    assert seen["cleared"] == ALL_CASES


def test_the_search_keeps_the_cases_with_every_word(observed: Observed) -> None:
    seen = observed.interaction
    assert seen["searchReserve"] == ["case-TC_046_CSMS"], seen  # case-insensitive
    assert seen["searchTwoWords"] == ["case-TC_042_1_CSMS"], seen
    assert seen["searchNothing"] == [] and seen["searchNothingText"] == "0 of 6 cases shown"


def test_a_failed_check_links_to_its_message_in_the_transcript(observed: Observed) -> None:
    seen = observed.interaction
    assert seen["collapsed"], seen  # collapse all closed the failing case's details
    assert seen["link"] == "#m-TC_003_CSMS-3"
    assert seen["reopened"] and seen["linkTargetShown"], seen
