"""Every case PASSes against the reference CSMS and FAILs under each fault it names."""

import asyncio
import dataclasses
from concurrent.futures import ThreadPoolExecutor

import pytest

from csms_under_test.faults import switched_on
from reports.results import CaseResult, RunResult, Verdict
from simulator.bundled import bundled_csms, run_on_bundled
from simulator.cases import Case
from simulator.cases.steps import ConnectStep
from simulator.config import HarnessConfig
from simulator.editions import DEFAULT_EDITION, EDITIONS
from simulator.operator import HttpOperator
from simulator.runner import RunSettings, run_case
from tests.support.shipped import runnable_cases, shipped_case


def run(
    config: HarnessConfig,
    cases: list[Case],
    faults: tuple[str, ...] = (),
    variations: tuple[str, ...] = (),
) -> RunResult:
    return run_on_bundled(config, cases, faults, variations)


@pytest.mark.slow
@pytest.mark.parametrize("edition", EDITIONS)
def test_every_case_passes_against_the_reference_csms(
    fast_config: HarnessConfig, edition: str
) -> None:
    config = dataclasses.replace(fast_config, edition=edition)
    result = run(config, list(runnable_cases(edition, config.security.profile)))
    assert result.edition == edition
    verdicts = {case.id: (case.verdict, [str(r) for r in case.reasons]) for case in result.cases}
    assert all(v == Verdict.PASS for v, _ in verdicts.values()), verdicts
    # A correct CSMS gives no finding either: it follows the specification's letter.
    assert not [str(f) for case in result.cases for f in case.findings]
    handshakes_only = {
        c.id
        for c in runnable_cases(edition, config.security.profile)
        if all(isinstance(s, ConnectStep) for s in c.steps)
    }
    for case in result.cases:
        assert case.messages or case.id in handshakes_only, case.id
        assert case.edition == edition
        answers = [
            m for m in case.messages if m.direction == "CSMS->CP" and m.message_type == "CALLRESULT"
        ]
        assert all(m.latency_ms is not None and m.latency_ms >= 0 for m in answers)


# The fast PICS's security profile: cases for other profiles (the certificate cases, 2 and
# 3) are proven by tests/integration/test_certificate_cases.py until the bundled CSMS runs them.
FAST_PROFILE = 1


def _fault_runs(finding: bool) -> list[tuple[str, str, str]]:
    """Every fault of every case in the default edition; in the other editions, the faults
    of the cases that differ there (simulate mutation runs them all in every edition)."""
    runs = []
    for edition in EDITIONS:
        for case in runnable_cases(edition, FAST_PROFILE):
            if edition != DEFAULT_EDITION and not case.varies:
                continue
            for fault in case.finding_faults if finding else case.faults:
                runs.append((edition, case.id, fault))
    return runs


def _run_one(config: HarnessConfig, edition: str, case_id: str, fault: str) -> CaseResult:
    case = shipped_case(case_id, edition)
    config = dataclasses.replace(config, edition=edition)
    [result] = run(config, [case], *switched_on(fault)).cases
    return result


def _run_all(
    config: HarnessConfig, runs: list[tuple[str, str, str]]
) -> list[tuple[tuple[str, str, str], CaseResult]]:
    """Each run on a CSMS and a database of its own. A run mostly waits (about 40 ms of
    CPU in 1 s), so a dozen side by side keep one core busy without slowing each other."""
    with ThreadPoolExecutor(max_workers=12) as pool:
        results = pool.map(lambda r: _run_one(config, *r), runs)
        return list(zip(runs, results, strict=True))


@pytest.mark.slow
def test_each_case_fails_under_its_faults(fast_config: HarnessConfig) -> None:
    runs = _fault_runs(finding=False)
    assert len(runs) > 100
    wrong = {
        run: (result.verdict, [str(r) for r in result.reasons])
        for run, result in _run_all(fast_config, runs)
        if result.verdict != Verdict.FAIL
        or not result.reasons
        or not all(r.step and r.rule and r.message for r in result.reasons)
    }
    assert not wrong, wrong


def test_a_finding_fault_leaves_the_case_passing_with_a_finding(fast_config: HarnessConfig) -> None:
    # The TCD does not validate what such a fault breaks: the lab passes it; the finding
    # names it, and --strict would fail it.
    runs = _fault_runs(finding=True)
    assert runs
    wrong = {
        run: (result.verdict, [str(r) for r in result.reasons], [str(f) for f in result.findings])
        for run, result in _run_all(fast_config, runs)
        if result.verdict != Verdict.PASS
        or not result.findings
        or not all(f.basis in ("ocpp", "inference") for f in result.findings)
    }
    assert not wrong, wrong


def test_rejected_boot_fails_with_a_reason_that_says_so(
    fast_config: HarnessConfig, cases_by_id: dict[str, Case]
) -> None:
    [result] = run(fast_config, [cases_by_id["TC_001_CSMS"]], ("reject-boot",)).cases
    [reason] = result.reasons
    assert reason.step == "1" and reason.rule == "field"
    assert 'BootNotification.conf status: expected "Accepted", got "Rejected"' in reason.message
    assert "TC_001_CSMS" in reason.reference


def test_invalid_authorize_fails_the_case_that_depends_on_it(
    fast_config: HarnessConfig, cases_by_id: dict[str, Case]
) -> None:
    [result] = run(fast_config, [cases_by_id["TC_003_CSMS"]], ("authorize-invalid",)).cases
    [reason] = result.reasons
    assert reason.step == "2"
    assert 'idTagInfo.status: expected "Accepted", got "Invalid"' in reason.message
    # the steps after the failed one did not run
    assert [s.status for s in result.steps][-2:] == ["not run", "not run"]


@pytest.mark.slow
def test_silent_heartbeat_fails_on_the_response_timeout(
    fast_config: HarnessConfig, cases_by_id: dict[str, Case]
) -> None:
    [result] = run(fast_config, [cases_by_id["TC_001_CSMS"]], ("heartbeat-silent",)).cases
    [reason] = result.reasons
    assert reason.rule == "response-timeout"
    assert "no answer to Heartbeat.req within 2 s (OCPP response timeout)" in reason.message


def test_remote_stop_for_the_wrong_transaction_is_a_finding_not_a_fail(
    fast_config: HarnessConfig, cases_by_id: dict[str, Case]
) -> None:
    # catalog §13.2: TC_012's SUT column checks no transactionId; the tool accepts and
    # stops its transaction. The inference is shown beside the PASS.
    [result] = run(
        fast_config, [cases_by_id["TC_012_CSMS"]], ("remote-stop-wrong-transaction",)
    ).cases
    assert result.verdict == Verdict.PASS, [str(r) for r in result.reasons]
    [finding] = result.findings
    assert finding.step == "2" and finding.basis == "inference"
    assert "RemoteStopTransaction.req transactionId" in finding.message
    assert any(m.action == "StopTransaction" for m in result.messages)


def test_connection_refused_is_an_error_not_a_fail(
    fast_config: HarnessConfig, cases_by_id: dict[str, Case]
) -> None:
    settings = RunSettings(
        fast_config, "ws://127.0.0.1:9/ocpp", HttpOperator("http://127.0.0.1:9/api")
    )
    result = asyncio.run(run_case(cases_by_id["TC_003_CSMS"], settings))
    assert result.verdict == Verdict.ERROR
    assert result.reasons[0].rule == "transport:refused"


def test_an_unscripted_csms_request_is_answered_and_recorded_not_failed(
    fast_config: HarnessConfig, cases_by_id: dict[str, Case]
) -> None:
    import json
    import threading
    import time
    import urllib.request

    with bundled_csms(fast_config) as (ocpp_url, api_url):

        def extra_get_configuration() -> None:
            time.sleep(0.5)  # TC_001 is waiting the heartbeat interval (1 s) by then
            request = urllib.request.Request(
                f"{api_url}/chargepoints/CP_1/requests/GetConfiguration",
                data=json.dumps({"key": ["HeartbeatInterval"]}).encode(),
                method="POST",
                headers={"Content-Type": "application/json"},
            )
            urllib.request.urlopen(request, timeout=5).read()

        thread = threading.Thread(target=extra_get_configuration)
        thread.start()
        settings = RunSettings(fast_config, ocpp_url, HttpOperator(api_url))
        result = asyncio.run(run_case(cases_by_id["TC_001_CSMS"], settings))
        thread.join(timeout=10)
    assert result.verdict == Verdict.PASS, [str(r) for r in result.reasons]
    [request] = [
        m for m in result.messages if m.action == "GetConfiguration" and m.direction == "CSMS->CP"
    ]
    [answer] = [
        m for m in result.messages if m.action == "GetConfiguration" and m.direction == "CP->CSMS"
    ]
    assert answer.unique_id == request.unique_id
    assert answer.payload["configurationKey"][0]["key"] == "HeartbeatInterval"
