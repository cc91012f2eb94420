"""The case as a whole, run by the engine against a scripted CSMS: applicability, the
connection, the deadline, run-time variables, carry-over between cases, step statuses
and the suite's wall time. No sockets (tests.support.scripted_csms)."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from reports.results import CaseResult, Verdict
from simulator.cases import STEP_KINDS
from simulator.runner.executors import EXECUTORS
from tests.support.scripted_csms import (
    ScriptedCsms,
    fast_config,
    only_reason,
    run,
    suite_for,
    write_case,
)


def line_with(path: Path, text: str) -> int:
    """The 1-based number of the first line of ``path`` that contains ``text``."""
    lines = path.read_text().splitlines()
    return 1 + next(index for index, line in enumerate(lines) if text in line)


def statuses(result: CaseResult) -> list[str]:
    return [step.status for step in result.steps]


def test_every_step_kind_has_an_executor() -> None:
    assert STEP_KINDS, "no step kind is registered"
    missing = [keyword for keyword, kind in STEP_KINDS.items() if kind not in EXECUTORS]
    assert missing == []


async def test_a_block_outside_the_pics_is_not_applicable(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    case = write_case(tmp_path, "- send: Heartbeat", block="reservation")
    config = fast_config(sut={"feature_profiles": ("Core",)})
    result = await run(case, peer, config)
    assert result.verdict == Verdict.NOT_APPLICABLE
    reason = only_reason(result)
    assert (reason.step, reason.rule, reason.verdict) == ("-", "pics", Verdict.NOT_APPLICABLE)
    assert "does not declare feature profile Reservation" in reason.message
    assert peer.dials == 0
    assert statuses(result) == ["not run"]


async def test_a_refused_connection_is_an_error(tmp_path: Path, peer: ScriptedCsms) -> None:
    peer.refuse_next(3)  # every attempt of fast_config's 3
    result = await run(write_case(tmp_path, "- send: Heartbeat"), peer)
    assert result.verdict == Verdict.ERROR
    reason = only_reason(result)
    assert (reason.step, reason.rule) == ("connect", "transport:refused")
    assert "scripted CSMS refused connection #3 (attempt 3 of 3)" in reason.message
    assert statuses(result) == ["error", "not run"]  # the connect record, then the step
    assert peer.dials == 3


async def test_the_csms_closing_instead_of_answering_fails_the_step(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    peer.close_on("Heartbeat", 1011, "scripted close")
    case = write_case(
        tmp_path,
        """
        - send: Heartbeat
        - send: Heartbeat
        """,
    )
    result = await run(case, peer)
    assert result.verdict == Verdict.FAIL
    reason = only_reason(result)
    assert (reason.step, reason.rule) == ("1", "connection")
    assert (
        "Heartbeat.req sent: the CSMS closed the connection (code 1011, scripted close) "
        "before answering Heartbeat.req" in reason.message
    )
    assert statuses(result) == ["failed", "not run"]


async def test_the_csms_closing_while_a_step_waits_fails_that_step(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    case = write_case(tmp_path, "- expect_csms: Reset")
    asyncio.get_running_loop().call_later(0.05, peer.close_connection, 1001, "going away")
    result = await run(case, peer)
    assert result.verdict == Verdict.FAIL
    reason = only_reason(result)
    assert (reason.step, reason.rule) == ("1", "connection")
    assert (
        "waiting for Reset.req: the CSMS closed the connection (code 1001, going away) "
        "during this step" in reason.message
    )


async def test_a_non_json_answer_is_a_protocol_fail(tmp_path: Path, peer: ScriptedCsms) -> None:
    peer.raw_answer("Heartbeat", "this is not json")
    result = await run(write_case(tmp_path, "- send: Heartbeat"), peer)
    assert result.verdict == Verdict.FAIL
    reason = only_reason(result)
    assert (reason.step, reason.rule) == ("1", "protocol")
    assert "the CSMS sent a frame that is not OCPP-J: not JSON" in reason.message
    [invalid] = [m for m in result.messages if m.message_type == "INVALID"]
    assert invalid.payload == "this is not json"


async def test_a_non_json_frame_ends_a_waiting_step_at_once(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    case = write_case(tmp_path, "- expect_csms: Reset")
    asyncio.get_running_loop().call_later(0.05, peer.inject, "{not json")
    config = fast_config(limits={"response_timeout": 3.0})
    result = await run(case, peer, config)
    assert result.verdict == Verdict.FAIL
    reason = only_reason(result)
    assert (reason.step, reason.rule) == ("1", "protocol")
    assert "not OCPP-J: not JSON" in reason.message
    assert result.duration_s < 1.0  # not the 3 s the step would wait for Reset.req


async def test_the_case_deadline_is_an_error_of_the_step_it_cut(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    case = write_case(
        tmp_path,
        """
        - send: Heartbeat
        - wait: 3
        - send: Heartbeat
        """,
    )
    result = await run(case, peer, fast_config(waits={"case_deadline": 0.3}))
    assert result.verdict == Verdict.ERROR
    reason = only_reason(result)
    assert (reason.step, reason.rule) == ("2", "case-deadline")
    assert reason.message == "the case did not finish within its 0.3 s deadline"
    assert statuses(result) == ["passed", "error", "not run"]
    assert result.duration_s < 1.0


async def test_an_unset_pics_location_is_an_error_naming_file_line_and_variable(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    case = write_case(
        tmp_path,
        """
        - send: Heartbeat
        - operator: UpdateFirmware
          request: {location: $firmware_location}
        """,
        block="firmware-management",
        given="booted",
    )
    line = line_with(Path(case.file), "operator: UpdateFirmware")
    assert case.steps[1].line == line
    result = await run(case, peer)
    assert result.verdict == Verdict.ERROR
    reason = only_reason(result)
    assert (reason.step, reason.rule) == ("2", "variable")
    assert reason.message == (
        f"{case.file}:{line}: step 2: unknown variable $firmware_location: "
        "the PICS does not set file_transfer.firmware_location"
    )
    assert peer.operator.requests == []  # the step never ran


async def test_a_failed_step_is_failed_and_later_steps_are_not_run(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    peer.answer("Authorize", {"idTagInfo": {"status": "Blocked"}})
    case = write_case(
        tmp_path,
        """
        - send: Heartbeat
        - send: Authorize
          with: {idTag: $valid_id_tag}
          expect: {idTagInfo: {status: Accepted}}
        - send: Heartbeat
        """,
    )
    result = await run(case, peer)
    assert result.verdict == Verdict.FAIL
    reason = only_reason(result)
    assert (reason.step, reason.rule) == ("2", "field")
    assert 'Authorize.conf idTagInfo.status: expected "Accepted", got "Blocked"' in reason.message
    assert statuses(result) == ["passed", "failed", "not run"]
    failed = [c for c in result.steps[1].checks if not c.passed]
    assert [c.rule for c in failed] == ["field"]
    assert result.steps[2].checks == []
    assert len(peer.requests("Heartbeat")) == 1


async def test_a_transaction_lost_with_the_connection_is_stopped_by_the_next_case(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    peer.close_on("Heartbeat", 1011, nth=1)
    lost = write_case(tmp_path, "- send: Heartbeat", case_id="TC_901_CSMS", given="charging")
    after = write_case(tmp_path, "- send: Heartbeat", case_id="TC_902_CSMS")
    suite = suite_for(peer)
    async with asyncio.timeout(15):
        run_result = await suite.run([lost, after])
    first, second = run_result.cases
    assert first.verdict == Verdict.FAIL
    assert only_reason(first).rule == "connection"
    assert [s.kind for s in first.steps if s.kind == "teardown"] == []  # it could not stop it
    assert second.verdict == Verdict.PASS, [str(r) for r in second.reasons]
    pre = second.steps[0]
    assert (pre.label, pre.kind, pre.action, pre.status) == (
        "pre",
        "precondition",
        "StopTransaction",
        "passed",
    )
    [stop] = peer.requests("StopTransaction")
    assert stop["reason"] == "Other"
    assert stop["transactionId"] == peer.last_transaction_id
    stop_messages = [m for m in second.messages if m.action == "StopTransaction"]
    assert stop_messages and stop_messages[0].message_type == "CALL"
    assert peer.dials == 3  # the lost case, the restore, the second case's own connection
    assert statuses(second) == ["passed", "passed"]


async def test_a_carried_over_transaction_survives_a_failed_restore(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    peer.close_on("Heartbeat", 1011, nth=1)
    lost = write_case(tmp_path, "- send: Heartbeat", case_id="TC_901_CSMS", given="charging")
    refused = write_case(tmp_path, "- send: Heartbeat", case_id="TC_902_CSMS")
    third = write_case(tmp_path, "- send: Heartbeat", case_id="TC_903_CSMS")
    suite = suite_for(peer)
    async with asyncio.timeout(15):
        await suite.run_case(lost)
        peer.refuse_next(3)  # the second case cannot even connect to deliver it
        blocked = await suite.run_case(refused)
        await suite.run_case(third)
    assert (blocked.verdict, only_reason(blocked).rule) == (Verdict.ERROR, "transport:refused")
    # The transaction still runs at the CSMS: the third case must stop it.
    assert [stop["reason"] for stop in peer.requests("StopTransaction")] == ["Other"]


async def test_a_non_json_answer_during_a_transaction_is_a_fail_not_a_harness_error(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    peer.raw_answer("Heartbeat", "this is not json")
    result = await run(write_case(tmp_path, "- send: Heartbeat", given="charging"), peer)
    # Not ERROR: the teardown's StopTransaction may go out after the unanswered Heartbeat.
    assert result.verdict == Verdict.FAIL, [str(r) for r in result.reasons]
    assert [r.rule for r in result.reasons] == ["protocol"]


async def test_the_suite_wall_time_runs_from_the_first_start_to_the_last_end(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    first = write_case(tmp_path, "- wait: 0.1", case_id="TC_901_CSMS")
    second = write_case(tmp_path, "- wait: 0.1", case_id="TC_902_CSMS")
    suite = suite_for(peer)
    began = time.monotonic()
    a = await suite.run_case(first)
    await asyncio.sleep(0.3)  # between the cases: counted in the wall time
    b = await suite.run_case(second)
    elapsed = time.monotonic() - began
    path = tmp_path / "results.json"
    suite.result().write_json(path)
    data = json.loads(path.read_text())
    assert [case["verdict"] for case in data["cases"]] == ["PASS", "PASS"]
    assert data["duration_s"] >= a.duration_s + b.duration_s + 0.3 - 0.01
    assert data["duration_s"] <= elapsed + 0.01
    assert data["started"] <= a.started
    assert data["csms_url"] == "memory://scripted"
    assert data["configuration"]["operator"] == "scripted"
