"""Every step kind's pass and fail paths, run by the engine against a scripted CSMS.

No sockets: the engine dials :class:`tests.support.scripted_csms.ScriptedCsms`. Each test
asserts the verdict and the reason (step label, rule, a distinctive part of the message)
and, where it matters, the step record's status. Waits are a few tenths of a second.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from reports.results import CaseResult, StepRecord, Verdict
from simulator.operator.base import OperatorOutcome, OperatorRequest
from simulator.runner.engine import run_case
from simulator.runner.settings import RunSettings
from tests.support.scripted_csms import CP, ScriptedCsms, fast_config, only_reason, run, write_case


def record(result: CaseResult, label: str) -> StepRecord:
    [found] = [step for step in result.steps if step.label == label]
    return found


def assert_passes(result: CaseResult) -> None:
    assert result.verdict == Verdict.PASS, [str(r) for r in result.reasons]
    assert not result.reasons


# -- send --------------------------------------------------------------------------------
async def test_send_passes_on_the_default_answer(tmp_path: Path, peer: ScriptedCsms) -> None:
    case = write_case(
        tmp_path,
        """
        - send: BootNotification
          expect: {status: Accepted}
        - send: Heartbeat
        """,
    )
    result = await run(case, peer)
    assert_passes(result)
    assert [record(result, label).status for label in ("1", "2")] == ["passed", "passed"]
    assert {c.rule for c in record(result, "1").checks} == {"response-timeout", "schema", "field"}
    assert len(peer.requests("Heartbeat")) == 1


async def test_send_fails_when_an_expected_field_differs(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    peer.answer("BootNotification", {"status": "Pending"})
    case = write_case(
        tmp_path,
        """
        - send: BootNotification
          expect: {status: Accepted}
        """,
    )
    result = await run(case, peer)
    assert result.verdict == Verdict.FAIL
    reason = only_reason(result)
    assert (reason.step, reason.rule) == ("1", "field")
    assert 'BootNotification.conf status: expected "Accepted", got "Pending"' in reason.message
    assert record(result, "1").status == "failed"


async def test_a_late_answer_is_a_response_timeout_that_came_late(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    peer.late("Heartbeat", 0.45)  # the response timeout is 0.3 s
    case = write_case(tmp_path, "- send: Heartbeat")
    result = await run(case, peer, fast_config(waits={"late_answer_grace": 0.5}))
    assert result.verdict == Verdict.FAIL
    reason = only_reason(result)
    assert (reason.step, reason.rule) == ("1", "response-timeout")
    assert "no answer to Heartbeat.req within 0.3 s" in reason.message
    assert re.search(r"the answer came late, 0\.4\d\d s after the request", reason.message)
    assert any(m.note.startswith("late") for m in result.messages)


async def test_no_answer_at_all_is_a_response_timeout_with_still_no_answer(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    peer.silence("Heartbeat")
    case = write_case(tmp_path, "- send: Heartbeat")
    result = await run(case, peer)
    assert result.verdict == Verdict.FAIL
    reason = only_reason(result)
    assert (reason.step, reason.rule) == ("1", "response-timeout")
    assert reason.message.endswith("; still no answer 0.1 s after the timeout")
    assert "came late" not in reason.message


async def test_a_delayed_answer_within_the_timeout_passes(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    peer.delay("Heartbeat", 0.1)
    result = await run(write_case(tmp_path, "- send: Heartbeat"), peer)
    assert_passes(result)
    [answer] = [m for m in result.messages if m.message_type == "CALLRESULT"]
    assert answer.latency_ms is not None and answer.latency_ms >= 100


async def test_a_slow_authorize_keeps_its_verdict_and_is_a_performance_finding(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    # catalog §13.2: the Authorize response time is measured and reported apart by the lab.
    peer.delay("Authorize", 0.15)
    case = write_case(
        tmp_path,
        """
        - send: Authorize
          with: {idTag: $valid_id_tag}
          expect: {idTagInfo: {status: Accepted}}
        - send: Heartbeat
        """,
    )
    config = fast_config(limits={"authorize_response_time": 0.1})
    result = await run(case, peer, config)
    assert_passes(result)
    [finding] = result.findings
    assert (finding.step, finding.rule, finding.basis) == ("1", "authorize-time", "performance")
    assert "over the declared Authorize response time of 0.1 s" in finding.message
    assert result.steps[1].status == "passed"  # the case went on

    strict = await run(case, peer, config, strict=True)
    assert strict.verdict == Verdict.FAIL
    reason = only_reason(strict)
    assert (reason.step, reason.rule, reason.basis) == ("1", "authorize-time", "performance")
    assert "counted by --strict" in reason.message


async def test_an_answer_later_than_the_response_timeout_still_fails(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    peer.delay("Authorize", 0.5)
    case = write_case(tmp_path, "- send: Authorize\n  with: {idTag: $valid_id_tag}")
    result = await run(case, peer, fast_config(limits={"response_timeout": 0.2}))
    assert result.verdict == Verdict.FAIL
    assert only_reason(result).rule == "response-timeout"


async def test_send_fails_on_a_callerror(tmp_path: Path, peer: ScriptedCsms) -> None:
    peer.error("Heartbeat", "InternalError", "scripted failure")
    result = await run(write_case(tmp_path, "- send: Heartbeat"), peer)
    assert result.verdict == Verdict.FAIL
    reason = only_reason(result)
    assert (reason.step, reason.rule) == ("1", "callerror")
    assert (
        "the CSMS answered Heartbeat.req with CALLERROR InternalError 'scripted failure' "
        "instead of Heartbeat.conf" in reason.message
    )


async def test_send_fails_on_a_schema_invalid_answer(tmp_path: Path, peer: ScriptedCsms) -> None:
    peer.answer("Heartbeat", {"currentTime": None})  # a required field left out
    result = await run(write_case(tmp_path, "- send: Heartbeat"), peer)
    assert result.verdict == Verdict.FAIL
    reason = only_reason(result)
    assert (reason.step, reason.rule) == ("1", "schema")
    assert "Heartbeat.conf breaks the OCA schema" in reason.message
    assert "currentTime" in reason.message


async def test_each_connector_sends_connector_zero_then_every_connector(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    case = write_case(
        tmp_path,
        """
        - send: StatusNotification
          each_connector: true
          with: {status: Available, errorCode: NoError}
        """,
    )
    result = await run(case, peer)
    assert_passes(result)
    assert [p["connectorId"] for p in peer.requests("StatusNotification")] == [0, 1, 2]
    assert len(record(result, "1").checks) == 3 * 2  # response time and schema, each


async def test_each_connector_stops_at_the_first_failing_connector(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    peer.error("StatusNotification", nth=2)
    case = write_case(
        tmp_path,
        """
        - send: StatusNotification
          each_connector: true
        """,
    )
    result = await run(case, peer)
    assert result.verdict == Verdict.FAIL
    reason = only_reason(result)
    assert (reason.step, reason.rule) == ("1", "callerror")
    assert "StatusNotification.req with CALLERROR InternalError" in reason.message
    assert [p["connectorId"] for p in peer.requests("StatusNotification")] == [0, 1]


async def test_warn_gives_a_warning_not_a_fail(tmp_path: Path, peer: ScriptedCsms) -> None:
    case = write_case(
        tmp_path,
        """
        - send: BootNotification
          expect: {status: Accepted}
          warn: {interval: {$ne: 1}}
        """,
    )
    result = await run(case, peer)
    assert_passes(result)
    [warning] = result.warnings
    assert warning.startswith("step 1: BootNotification.conf interval: expected")
    assert warning.endswith("got 1 (tolerated, with a warning)")
    assert record(result, "1").notes == [f"warning: {warning}"]


async def test_save_gives_a_later_step_the_variable(tmp_path: Path, peer: ScriptedCsms) -> None:
    case = write_case(
        tmp_path,
        """
        - send: StartTransaction
          with: {connectorId: 1, idTag: $valid_id_tag}
          save: {tx: transactionId}
        - send: StopTransaction
          with: {transactionId: $tx, reason: Local}
        """,
    )
    result = await run(case, peer)
    assert_passes(result)
    assert record(result, "1").notes == ["$tx = 1"]
    [stop] = peer.requests("StopTransaction")
    assert stop["transactionId"] == peer.last_transaction_id == 1
    assert [s.kind for s in result.steps] == ["send", "send"]  # nothing left to tear down


# -- expect_csms -------------------------------------------------------------------------
OPERATOR_THEN_RESET = """
- operator: Reset
  request: {type: Hard}
  instruction: Hard-reset ${charge_point_id}.
- expect_csms: Reset
  match: {type: Hard}
"""


async def test_expect_csms_passes_after_an_operator_step(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    case = write_case(
        tmp_path,
        """
        - operator: ChangeConfiguration
          request: {key: HeartbeatInterval, value: "30"}
        - expect_csms: ChangeConfiguration
          match: {key: HeartbeatInterval, value: "30"}
          save: {key: key}
        """,
        given="booted",
    )
    result = await run(case, peer)
    assert_passes(result)
    assert record(result, "2").status == "passed"
    assert record(result, "2").notes == ['$key = "HeartbeatInterval"']
    [outcome] = peer.operator.outcomes
    assert outcome.ok and outcome.response == {"status": "Accepted"}
    assert peer.operator.requests[0].request == {"key": "HeartbeatInterval", "value": "30"}


async def test_operator_step_notes_what_it_asked_for(tmp_path: Path, peer: ScriptedCsms) -> None:
    result = await run(write_case(tmp_path, OPERATOR_THEN_RESET), peer)
    assert_passes(result)
    step = record(result, "1")
    assert (step.kind, step.status, step.checks) == ("operator", "passed", [])
    assert step.notes == ['scripted operator asked for Reset {"type": "Hard"}']
    assert peer.operator.requests[0].instruction == "Hard-reset CP_1."


async def test_expect_csms_fails_request_sent_when_the_operator_is_ok_but_nothing_comes(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    peer.operator.sends = False
    result = await run(write_case(tmp_path, OPERATOR_THEN_RESET), peer)
    assert result.verdict == Verdict.FAIL
    reason = only_reason(result)
    assert (reason.step, reason.rule) == ("2", "request-sent")
    assert "the CSMS did not send Reset.req within 0.5 s" in reason.message
    assert record(result, "2").status == "failed"


async def test_expect_csms_fails_field_on_a_match_mismatch(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    peer.operator.payloads["Reset"] = {"type": "Soft"}
    result = await run(write_case(tmp_path, OPERATOR_THEN_RESET), peer)
    assert result.verdict == Verdict.FAIL
    reason = only_reason(result)
    assert (reason.step, reason.rule) == ("2", "field")
    assert 'Reset.req type: expected "Hard", got "Soft"' in reason.message
    assert reason.verdict == Verdict.FAIL  # its own window's finding, not a derailment
    # The Soft reset was not the awaited request, but the charge point accepted it, so it
    # rebooted (issue 12: what the model accepts, it does), in a record of its own.
    assert peer.dials == 2
    acted = record(result, "u1")
    assert (acted.kind, acted.action, acted.status) == ("unsolicited", "Reset", "passed")


async def test_a_failing_operator_is_inconclusive_and_ends_the_wait_early(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    peer.operator.failure = "back office unreachable"
    peer.operator.delay = 0.1  # it fails while the expect_csms step already waits
    config = fast_config(waits={"operator": 3.0})
    result = await run(write_case(tmp_path, OPERATOR_THEN_RESET), peer, config)
    assert result.verdict == Verdict.INCONCLUSIVE
    reason = only_reason(result)
    assert (reason.step, reason.rule) == ("2", "operator")
    assert "did not send Reset.req within 3 s" in reason.message
    assert "the operator action failed: back office unreachable" in reason.message
    assert record(result, "2").status == "inconclusive"
    duration = record(result, "2").duration_s
    assert duration is not None and duration < 1.0  # not the 3 s operator wait


async def test_an_accepted_reset_reboots_and_answers_checks_the_new_boot(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    case = write_case(
        tmp_path,
        """
        - operator: Reset
          request: {type: Hard}
        - expect_csms: Reset
          match: {type: Hard}
          answers:
            BootNotification: {status: Accepted}
        """,
        given="booted",
    )
    result = await run(case, peer)
    assert_passes(result)
    assert peer.dials == 2
    boots = [
        s.connection for s in peer.transcript if s.sender == CP and "BootNotification" in s.text
    ]
    assert boots == [1, 2]
    assert peer.connections[0].closed_by == CP  # the charge point dropped it to reboot
    step = record(result, "2")
    assert "the charge point reconnected (the charge point is back)" in step.notes
    assert any(c.rule == "field" and "BootNotification.conf" in c.expected for c in step.checks)


async def test_a_rejected_boot_after_reset_fails_the_expect_csms_step(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    peer.answer("BootNotification", {"status": "Rejected"}, nth=2)  # Booted's boot is nth 1
    case = write_case(
        tmp_path,
        """
        - operator: Reset
          request: {type: Hard}
        - expect_csms: Reset
          answers:
            BootNotification: {status: Accepted}
        """,
        given="booted",
    )
    result = await run(case, peer)
    assert result.verdict == Verdict.FAIL
    reason = only_reason(result)
    assert (reason.step, reason.rule) == ("2", "field")
    assert 'BootNotification.conf status: expected "Accepted", got "Rejected"' in reason.message
    assert peer.dials == 2
    assert record(result, "2").status == "failed"


async def test_a_schema_invalid_csms_request_gets_a_callerror_and_fails(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    peer.operator.payloads["Reset"] = {"type": "Bogus"}
    case = write_case(
        tmp_path,
        """
        - operator: Reset
          request: {type: Hard}
        - expect_csms: Reset
        """,
    )
    result = await run(case, peer)
    assert result.verdict == Verdict.FAIL
    reason = only_reason(result)
    assert (reason.step, reason.rule) == ("2", "schema")
    assert "Reset.req breaks the OCA schema" in reason.message
    assert "Bogus" in reason.message
    answer = peer.sent_by(CP)[-1]
    assert answer[0] == 4  # CALLERROR
    [outcome] = peer.operator.outcomes
    assert "CALLERROR" in outcome.detail
    assert peer.dials == 1  # no reboot


class SendsThenFails:
    """An operator API whose first call makes the CSMS act but then reports a failure (it
    gave up waiting, say); later calls act 0.1 s after they are asked."""

    name = "sends-then-fails"

    def __init__(self, peer: ScriptedCsms) -> None:
        self.peer = peer
        self.calls = 0

    async def perform(self, request: OperatorRequest) -> OperatorOutcome:
        self.calls += 1
        first = self.calls == 1
        if not first:
            await asyncio.sleep(0.1)
        outcome = await self.peer.operator.perform(request)
        return OperatorOutcome(False, "operator API gave up") if first else outcome


async def test_an_earlier_operator_failure_does_not_cut_a_later_wait(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    case = write_case(
        tmp_path,
        """
        - operator: ChangeConfiguration
        - expect_csms: ChangeConfiguration
        - operator: ChangeConfiguration
        - expect_csms: ChangeConfiguration
        """,
    )
    settings = RunSettings(
        fast_config(), "memory://scripted", SendsThenFails(peer), dialer=peer.dial
    )
    async with asyncio.timeout(10):
        result = await run_case(case, settings)
    # The CSMS sent both requests; the second 0.1 s after it was asked, well within the
    # 0.5 s operator wait: the first call's late failure must not end step 4's wait.
    assert_passes(result)


# -- wait --------------------------------------------------------------------------------
async def test_wait_passes_with_its_note(tmp_path: Path, peer: ScriptedCsms) -> None:
    case = write_case(
        tmp_path,
        """
        - send: BootNotification
          save: {heartbeat_interval: interval}
        - wait: $heartbeat_interval
          at_most: $heartbeat_max
        - wait: 0.02
        """,
    )
    result = await run(case, peer)
    assert_passes(result)
    assert record(result, "2").notes == ["waited 0.05 s"]  # the interval (1 s), capped
    assert record(result, "3").notes == ["waited 0.02 s"]
    assert record(result, "3").status == "passed"


async def test_wait_on_a_variable_saved_as_a_string_is_an_error(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    case = write_case(
        tmp_path,
        """
        - send: BootNotification
          save: {boot_status: status}
        - wait: $boot_status
        """,
    )
    result = await run(case, peer)
    assert result.verdict == Verdict.ERROR
    reason = only_reason(result)
    assert (reason.step, reason.rule) == ("2", "variable")
    assert reason.message == 'wait needs a number of seconds, got "Accepted"'
    assert record(result, "2").status == "error"


# -- do ----------------------------------------------------------------------------------
async def test_plug_in_then_present_id_tag_starts_a_transaction(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    case = write_case(
        tmp_path,
        """
        - do: plug_in
        - do: present_id_tag
          with: {id_tag: $valid_id_tag}
          answers:
            Authorize: {idTagInfo: {status: Accepted}}
          save: {transaction_id: StartTransaction.transactionId}
        - send: StopTransaction
          with: {transactionId: $transaction_id, reason: Local}
        """,
        given="booted",
    )
    result = await run(case, peer)
    assert_passes(result)
    statuses = [p["status"] for p in peer.requests("StatusNotification")]
    assert statuses[-2:] == ["Preparing", "Charging"]
    assert [p["idTag"] for p in peer.requests("Authorize")] == ["TAG-VALID-0001"]
    assert record(result, "2").notes == ["$transaction_id = 1"]
    assert peer.requests("StopTransaction")[0]["transactionId"] == 1


async def test_present_id_tag_fails_when_authorize_is_invalid(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    peer.answer("Authorize", {"idTagInfo": {"status": "Invalid"}})
    case = write_case(
        tmp_path,
        """
        - do: present_id_tag
          with: {id_tag: $valid_id_tag}
          answers:
            Authorize: {idTagInfo: {status: Accepted}}
        """,
    )
    result = await run(case, peer)
    assert result.verdict == Verdict.FAIL
    reason = only_reason(result)
    assert (reason.step, reason.rule) == ("1", "field")
    assert 'Authorize.conf idTagInfo.status: expected "Accepted", got "Invalid"' in reason.message
    assert record(result, "1").status == "failed"
    assert peer.requests("StatusNotification") == []  # not authorized: nothing follows


async def test_power_loss_reconnects_and_boots(tmp_path: Path, peer: ScriptedCsms) -> None:
    result = await run(write_case(tmp_path, "- do: power_loss", given="booted"), peer)
    assert_passes(result)
    assert peer.dials == 2
    boots = [
        s.connection for s in peer.transcript if s.sender == CP and "BootNotification" in s.text
    ]
    assert boots == [1, 2]
    assert record(result, "1").notes == [
        "the charge point dropped its connection (power cut)",
        "waited 0.05 s (the charge point restarts)",  # PICS timing.reboot
        "the charge point reconnected (the charge point is back)",
    ]


async def test_coming_online_while_online_does_not_leak_the_old_connection(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    result = await run(write_case(tmp_path, "- do: come_online", given="booted"), peer)
    assert_passes(result)
    assert peer.dials == 2
    assert [c.closed_by for c in peer.connections] == [CP, CP]


async def test_power_loss_whose_reconnect_is_refused_is_an_error(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    # The case's own connection opens; every reconnect attempt (3, PICS timing) is refused.
    peer.refuse_next(3, after=1)
    result = await run(write_case(tmp_path, "- do: power_loss", given="booted"), peer)
    assert result.verdict == Verdict.ERROR
    reason = only_reason(result)
    assert (reason.step, reason.rule) == ("1", "transport:refused")
    assert "scripted CSMS refused connection #4 (attempt 3 of 3)" in reason.message
    notes = record(result, "1").notes
    assert (
        "connection attempt 1 of 3 failed: scripted CSMS refused connection #2; retrying in 0.05 s"
        in notes
    )
    assert (
        "connection attempt 2 of 3 failed: scripted CSMS refused connection #3; retrying in 0.1 s"
        in notes
    )
    assert record(result, "1").status == "error"
    assert peer.dials == 4


async def test_wait_with_a_cap_that_is_not_a_number_is_an_error(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    case = write_case(
        tmp_path,
        """
        - send: BootNotification
          save: {status: status}
        - wait: 0.1
          at_most: $status
        """,
    )
    result = await run(case, peer)
    assert result.verdict == Verdict.ERROR
    reason = only_reason(result)
    assert (reason.step, reason.rule) == ("2", "variable")
    assert 'at_most needs a number of seconds, got "Accepted"' in reason.message
