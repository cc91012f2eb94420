"""The lab's figures: block results, performance measurements, the hh:mm:ss.fff form."""

from dataclasses import replace

import pytest

from reports.results import MessageRecord, Verdict
from reports.summary import (
    FAIL,
    NOT_APPLICABLE,
    NOT_TESTED,
    PASS,
    Measurement,
    block_summaries,
    lab_time,
    performance,
)
from tests.support.sample_results import sample_run


@pytest.mark.parametrize(
    ("seconds", "millis", "text"),
    [
        (35, False, "00:00:35"),
        (3, True, "00:00:03.000"),
        (0.0021, False, "00:00:00.002"),
        (0.0004, True, "00:00:00.000"),
        (3725.5, False, "01:02:05.500"),
        (None, False, "-"),
    ],
)
def test_lab_time(seconds: float | None, millis: bool, text: str) -> None:
    assert lab_time(seconds, millis=millis) == text


def test_a_block_passes_only_when_every_applicable_case_passed() -> None:
    results = {b.name: b.result for b in block_summaries(sample_run())}
    assert results == {
        "core": FAIL,  # one FAIL
        "firmware-management": PASS,
        "smart-charging": NOT_APPLICABLE,
        "reservation": FAIL,  # INCONCLUSIVE is not a pass
        "local-auth-list": FAIL,  # nor is ERROR
        "remote-trigger": NOT_TESTED,
        "security": NOT_TESTED,  # the add-on block, listed like the six
    }


def test_percentiles_are_nearest_rank_and_the_worst_decides() -> None:
    row = Measurement("x", 3.0, tuple(i / 10 for i in range(1, 21)), 0)  # 0.1 .. 2.0 s
    assert (row.worst_s, row.p95_s, row.median_s) == (2.0, 1.9, pytest.approx(1.05))
    assert row.result == PASS
    assert replace(row, samples_s=(*row.samples_s, 3.001)).result == FAIL
    assert Measurement("x", 3.0, (), 0).result == NOT_TESTED


def test_a_request_never_answered_fails_its_rows() -> None:
    run = sample_run()
    failing = next(c for c in run.cases if c.verdict == Verdict.FAIL)
    failing.messages.append(
        MessageRecord("CP->CSMS", "CALL", "lost-1", "Authorize", {"idTag": "T"}, "", 4.0)
    )
    timeout, authorize = performance(run)
    assert timeout.unanswered == authorize.unanswered == 1
    assert timeout.result == FAIL
    assert timeout.measured_text() == "1 request unanswered within 00:00:35"
