"""A misbehaving CSMS never crashes or hangs the harness.

The reference CSMS runs behind :class:`MisbehavingProxy`, which spoils one kind of answer
(or the handshake). Every misbehaviour must end the case with the right verdict and a
first reason naming the step, the rule and what was seen, well within the case deadline;
the run must not raise, and the next case (on a fresh connection) must still PASS.

Timing bounds, with ``tests/data/fast.yaml`` (response timeout 2 s, case deadline 30 s):
the steps before the spoiled answer are loopback round trips of a few milliseconds, so a
case that waits out the response timeout ends within ``response timeout + SLACK_S``; a
case ended by a frame that is not OCPP-J must not wait at all, so it ends within the
response timeout. Both bounds are far below the 30 s case deadline, so a PASS of these
tests also shows the deadline was not what ended the case.
"""

from __future__ import annotations

import asyncio
import re
import socket
import ssl
from collections.abc import Sequence
from typing import Any

import pytest

from reports.results import CaseResult, Reason, RunResult, Verdict
from reports.summary import performance
from simulator.bundled import bundled_csms
from simulator.cases import Case
from simulator.config import HarnessConfig
from simulator.operator import HttpOperator
from simulator.runner import RunSettings
from simulator.runner.suite import run_suite
from tests.support.misbehaving_proxy import (
    CALLERROR,
    CLOSE,
    NON_JSON,
    SCHEMA,
    SILENT,
    UNKNOWN_TYPE,
    WRONG_ID,
    MisbehavingProxy,
    Misbehaviour,
    delay,
    late,
)

SLACK_S = 2.0  # loopback round trips, connect and close around the one long wait
AUTHORIZE_STEP = "2"  # TC_003_CSMS: step 1 StatusNotification Preparing, step 2 Authorize
START_TRANSACTION_STEP = "2"  # TC_007_CSMS: step 1 Preparing, step 2 StartTransaction


# -- helpers ----------------------------------------------------------------------------
async def run_bounded(cases: Sequence[Case], settings: RunSettings) -> RunResult:
    """run_suite, with a hang guard: every case has its own deadline, so the run as a
    whole must end within the sum of them (plus a little)."""
    async with asyncio.timeout(len(cases) * settings.config.waits.case_deadline + 10):
        return await run_suite(list(cases), settings)


async def run_through_proxy(
    config: HarnessConfig, cases: Sequence[Case], **proxy: Any
) -> tuple[RunResult, MisbehavingProxy]:
    """Run ``cases`` through a MisbehavingProxy in front of a fresh reference CSMS."""
    with bundled_csms(config) as (ocpp_url, api_url):
        async with MisbehavingProxy(ocpp_url, **proxy) as misbehaving:
            settings = RunSettings(config, misbehaving.url, HttpOperator(api_url))
            run = await run_bounded(cases, settings)
    return run, misbehaving


async def run_direct(config: HarnessConfig, cases: Sequence[Case]) -> RunResult:
    """Run ``cases`` against a fresh reference CSMS, no proxy."""
    with bundled_csms(config) as (ocpp_url, api_url):
        return await run_bounded(cases, RunSettings(config, ocpp_url, HttpOperator(api_url)))


def first_reason(result: CaseResult) -> Reason:
    assert result.reasons, f"{result.id} has verdict {result.verdict} and no reasons"
    return result.reasons[0]


def describe(result: CaseResult) -> str:
    return f"{result.id}: {result.verdict} in {result.duration_s} s; " + "; ".join(
        f"[{r.verdict} step {r.step} rule {r.rule}] {r.message}" for r in result.reasons
    )


def assert_passes(result: CaseResult) -> None:
    assert result.verdict == Verdict.PASS, describe(result)
    assert not result.reasons, describe(result)


def assert_within(result: CaseResult, bound: float, config: HarnessConfig) -> None:
    assert bound < config.waits.case_deadline
    assert result.duration_s < bound, describe(result)


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# -- wrong answers to Authorize -----------------------------------------------------------
# (misbehaviour, rule, fragments of the message, ended at once without a timeout)
AUTHORIZE_ANSWERS: dict[str, tuple[Misbehaviour, str, list[str], bool]] = {
    "callerror": (
        CALLERROR,
        "callerror",
        ["Authorize.req", "CALLERROR InternalError", "instead of Authorize.conf"],
        True,
    ),
    "schema": (
        SCHEMA,
        "schema",
        ["Authorize.conf", "breaks the OCA schema", "idTagInfo.status", "enum"],
        True,
    ),
    "non-json": (NON_JSON, "protocol", ["not OCPP-J", "not JSON"], True),
    "unknown-type": (UNKNOWN_TYPE, "protocol", ["unknown message type id 5"], True),
    "wrong-id": (WRONG_ID, "protocol", ["uniqueId", "'not-", "matches no request"], True),
    "silent": (
        SILENT,
        "response-timeout",
        ["no answer to Authorize.req within 2 s", "still no answer 1 s after the timeout"],
        False,
    ),
}


@pytest.mark.parametrize("name", list(AUTHORIZE_ANSWERS))
async def test_a_wrong_answer_to_authorize_fails_the_case_and_the_next_case_passes(
    fast_config: HarnessConfig, cases_by_id: dict[str, Case], name: str
) -> None:
    misbehaviour, rule, fragments, at_once = AUTHORIZE_ANSWERS[name]
    run, proxy = await run_through_proxy(
        fast_config,
        [cases_by_id["TC_003_CSMS"], cases_by_id["TC_007_CSMS"]],
        answers={"Authorize": misbehaviour},
    )
    spoiled, follow_up = run.cases
    assert ("Authorize", misbehaviour.kind) in proxy.applied

    assert spoiled.verdict == Verdict.FAIL, describe(spoiled)
    reason = first_reason(spoiled)
    assert (reason.step, reason.rule) == (AUTHORIZE_STEP, rule), describe(spoiled)
    for fragment in fragments:
        assert fragment in reason.message, (fragment, describe(spoiled))
    # the steps after the failed one did not run
    assert [s.status for s in spoiled.steps][-2:] == ["not run", "not run"]

    timeout = fast_config.limits.response_timeout
    # A frame that is not OCPP-J (or a wrong answer) ends the step at once: no waiting
    # for the response timeout. Silence is waited out, then the case ends.
    assert_within(spoiled, timeout if at_once else timeout + SLACK_S, fast_config)
    if not at_once:
        assert spoiled.duration_s >= timeout, describe(spoiled)

    assert_passes(follow_up)
    assert proxy.connections == 2  # the follow-up ran on a fresh connection


async def test_a_late_answer_to_authorize_is_a_response_timeout_and_is_recorded_as_late(
    fast_config: HarnessConfig, cases_by_id: dict[str, Case]
) -> None:
    timeout = fast_config.limits.response_timeout
    run, proxy = await run_through_proxy(
        fast_config,
        [cases_by_id["TC_003_CSMS"], cases_by_id["TC_007_CSMS"]],
        answers={"Authorize": late(timeout + 0.5)},
    )
    spoiled, follow_up = run.cases
    assert ("Authorize", "late") in proxy.applied

    assert spoiled.verdict == Verdict.FAIL, describe(spoiled)
    reason = first_reason(spoiled)
    assert (reason.step, reason.rule) == (AUTHORIZE_STEP, "response-timeout"), describe(spoiled)
    assert "no answer to Authorize.req within 2 s" in reason.message
    # the harness listened a little longer (late_answer_grace) and says the answer was late
    assert "the answer came late, 2.5" in reason.message, describe(spoiled)
    assert_within(spoiled, timeout + SLACK_S, fast_config)

    late_answers = [
        m
        for m in spoiled.messages
        if m.direction == "CSMS->CP" and m.action == "Authorize" and "late" in m.note
    ]
    assert late_answers, [(m.direction, m.message_type, m.action, m.note) for m in spoiled.messages]
    assert_passes(follow_up)


# -- the connection goes away -------------------------------------------------------------
async def test_a_connection_closed_instead_of_answering_start_transaction_fails_the_case(
    fast_config: HarnessConfig, cases_by_id: dict[str, Case]
) -> None:
    # TC_001_CSMS (boot, status, heartbeats) does not send StartTransaction.
    run, proxy = await run_through_proxy(
        fast_config,
        [cases_by_id["TC_007_CSMS"], cases_by_id["TC_001_CSMS"]],
        answers={"StartTransaction": CLOSE},
    )
    spoiled, follow_up = run.cases
    assert ("StartTransaction", "close") in proxy.applied

    assert spoiled.verdict == Verdict.FAIL, describe(spoiled)
    reason = first_reason(spoiled)
    assert (reason.step, reason.rule) == (START_TRANSACTION_STEP, "connection"), describe(spoiled)
    assert "StartTransaction.req" in reason.message
    assert "closed the connection" in reason.message and "1011" in reason.message
    # the close ends the step at once
    assert_within(spoiled, fast_config.limits.response_timeout, fast_config)

    assert_passes(follow_up)
    assert proxy.connections == 2


# -- the handshake goes wrong ------------------------------------------------------------
async def assert_connect_problem(
    config: HarnessConfig,
    cases_by_id: dict[str, Case],
    url: str,
    verdict: Verdict,
    rule: str,
    fragments: Sequence[str],
) -> None:
    """The first case meets the problem at ``connect``; a CSMS that cannot be reached at
    all stops the run (issue 14: one clear reason, not one per case): the second case is
    NOT_RUN and names the first's reason, unless the CSMS answers again (a FAIL, a
    misbehaving server, does not stop it). Then a case run straight against the reference
    CSMS passes."""
    cases = [cases_by_id["TC_003_CSMS"], cases_by_id["TC_007_CSMS"]]
    settings = RunSettings(config, url, HttpOperator("http://127.0.0.1:9/api"))
    run = await run_bounded(cases, settings)
    first, second = run.cases
    for result in (first, second) if verdict != Verdict.ERROR else (first,):
        assert result.verdict == verdict, describe(result)
        reason = first_reason(result)
        assert (reason.step, reason.rule) == ("connect", rule), describe(result)
        for fragment in fragments:
            assert fragment in reason.message, (fragment, describe(result))
        # each handshake is bounded by the open timeout (= response timeout), and a real
        # charge point retries with backoff (PICS timing), each attempt recorded
        timing = config.timing
        attempts = timing.reconnect_attempts
        backoff = sum(timing.backoff(i) for i in range(1, attempts))
        bound = attempts * config.limits.response_timeout + backoff + SLACK_S
        assert_within(result, bound, config)
        [connect, *steps] = result.steps
        assert connect.kind == "connect" and connect.status != "passed"
        assert len(connect.notes) == attempts - 1 or rule != "transport:refused", connect.notes
        assert all(s.status == "not run" for s in steps)
    if verdict == Verdict.ERROR:
        assert second.verdict == Verdict.NOT_RUN, describe(second)
        assert "could not be reached" in second.reasons[0].message
        assert first.reasons[0].message.split(" (attempt")[0] in second.reasons[0].message
    [follow_up] = (await run_direct(config, [cases_by_id["TC_007_CSMS"]])).cases
    assert_passes(follow_up)


async def test_a_refused_subprotocol_fails_the_case(
    fast_config: HarnessConfig, cases_by_id: dict[str, Case]
) -> None:
    with bundled_csms(fast_config) as (ocpp_url, _api_url):
        async with MisbehavingProxy(ocpp_url, refuse_subprotocol=True) as proxy:
            await assert_connect_problem(
                fast_config,
                cases_by_id,
                proxy.url,
                Verdict.FAIL,
                "transport:subprotocol",
                ["did not select subprotocol ocpp1.6", "selected: none"],
            )


@pytest.mark.parametrize("status", [401, 404])
async def test_an_http_status_at_the_handshake_is_an_error(
    fast_config: HarnessConfig, cases_by_id: dict[str, Case], status: int
) -> None:
    with bundled_csms(fast_config) as (ocpp_url, _api_url):
        async with MisbehavingProxy(ocpp_url, http_status=status) as proxy:
            await assert_connect_problem(
                fast_config,
                cases_by_id,
                proxy.url,
                Verdict.ERROR,
                "transport:http-status",
                [f"HTTP {status}"],
            )


async def test_an_untrusted_certificate_is_a_tls_error(
    fast_config: HarnessConfig, cases_by_id: dict[str, Case], server_tls: ssl.SSLContext
) -> None:
    with bundled_csms(fast_config) as (ocpp_url, _api_url):
        async with MisbehavingProxy(ocpp_url, ssl_context=server_tls) as proxy:
            assert proxy.url.startswith("wss://")
            # RunSettings has no ca_file: the test CA is not trusted
            await assert_connect_problem(
                fast_config,
                cases_by_id,
                proxy.url,
                Verdict.ERROR,
                "transport:tls",
                ["TLS handshake"],
            )


async def test_a_refused_connection_is_an_error(
    fast_config: HarnessConfig, cases_by_id: dict[str, Case]
) -> None:
    await assert_connect_problem(
        fast_config,
        cases_by_id,
        f"ws://127.0.0.1:{free_port()}/ocpp",
        Verdict.ERROR,
        "transport:refused",
        ["cannot connect"],
    )


# -- a slow Authorize ------------------------------------------------------------------
AUTHORIZE_LIMIT_S = 3.0
AUTHORIZE_DELAY_S = 3.5


@pytest.fixture
def authorize_limit_config(fast_config: HarnessConfig) -> HarnessConfig:
    """The real Authorize limit (3 s) and a response timeout above the delay."""
    return fast_config.with_overrides(
        limits={"authorize_response_time": AUTHORIZE_LIMIT_S, "response_timeout": 5.0}
    )


async def test_an_authorize_over_the_limit_is_measured_and_the_case_keeps_its_verdict(
    authorize_limit_config: HarnessConfig, cases_by_id: dict[str, Case]
) -> None:
    # catalog §13.2: the Authorize response time is a declared value the lab measures and
    # reports apart; a 3.5 s answer (within the 5 s timeout) leaves TC_003 PASS, fails the
    # "Response time Authorize" row and is a performance finding naming the measured time.
    config = authorize_limit_config
    run, proxy = await run_through_proxy(
        config,
        [cases_by_id["TC_003_CSMS"], cases_by_id["TC_007_CSMS"]],
        answers={"Authorize": delay(AUTHORIZE_DELAY_S)},
    )
    spoiled, follow_up = run.cases
    assert ("Authorize", "delay") in proxy.applied

    assert spoiled.verdict == Verdict.PASS, describe(spoiled)
    [finding] = spoiled.findings
    assert (finding.step, finding.rule, finding.basis) == (
        AUTHORIZE_STEP,
        "authorize-time",
        "performance",
    )
    assert f"{AUTHORIZE_LIMIT_S:g} s" in finding.message
    measured = re.search(r"took (\d+(?:\.\d+)?) s", finding.message)
    assert measured is not None, finding.message
    assert float(measured.group(1)) >= AUTHORIZE_DELAY_S, finding.message
    row = next(m for m in performance(run) if m.name == "Response time Authorize")
    assert row.result == "Fail" and row.worst_s is not None and row.worst_s >= AUTHORIZE_DELAY_S
    # every step ran: the slow answer did not end the case
    assert all(step.status == "passed" for step in spoiled.steps), describe(spoiled)

    [answer] = [
        m
        for m in spoiled.messages
        if m.direction == "CSMS->CP" and m.message_type == "CALLRESULT" and m.action == "Authorize"
    ]
    assert answer.latency_ms is not None and answer.latency_ms >= AUTHORIZE_DELAY_S * 1000
    assert answer.note == ""  # in time for the response timeout: not late

    assert_passes(follow_up)


async def test_an_authorize_answered_at_once_passes_with_the_real_limit(
    authorize_limit_config: HarnessConfig, cases_by_id: dict[str, Case]
) -> None:
    run, proxy = await run_through_proxy(authorize_limit_config, [cases_by_id["TC_003_CSMS"]])
    [result] = run.cases
    assert proxy.applied == []
    assert_passes(result)
    [answer] = [
        m
        for m in result.messages
        if m.direction == "CSMS->CP" and m.message_type == "CALLRESULT" and m.action == "Authorize"
    ]
    assert answer.latency_ms is not None and answer.latency_ms < AUTHORIZE_LIMIT_S * 1000
