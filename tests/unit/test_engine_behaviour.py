"""Issue 12 against a scripted CSMS: the awaited request is the first that matches in the
step's window, every other request is answered at once, and the charge point connects,
reboots and closes with a real charge point's timing (PICS ``timing``)."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

from ocppj import CallResult
from reports.results import Verdict
from simulator.channel import Attempt
from simulator.operator.base import OperatorOutcome, OperatorRequest
from simulator.runner.engine import run_case
from simulator.runner.settings import RunSettings
from tests.support.scripted_csms import (
    CP,
    CSMS,
    ScriptedCsms,
    fast_config,
    run,
    suite_for,
    write_case,
)


class OwnRequestFirst:
    """An operator whose CSMS first sends a request of its own of the same action."""

    name = "scripted"

    def __init__(self, peer: ScriptedCsms, own: dict[str, Any]) -> None:
        self.peer, self.own = peer, own

    async def perform(self, request: OperatorRequest) -> OperatorOutcome:
        if request.action == "ChangeConfiguration":
            await self.peer.call(request.action, self.own, 1.0)
        return await self.peer.operator.perform(request)


def answers_to(peer: ScriptedCsms, action: str) -> list[dict[str, Any]]:
    """The charge point's answers to the CSMS's ``action`` CALLs, in order."""
    asked = {
        f[1] for f in peer.sent_by(CSMS) if isinstance(f, list) and f[:1] == [2] and f[2] == action
    }
    return [
        f[2] for f in peer.sent_by(CP) if isinstance(f, list) and f[:1] == [3] and f[1] in asked
    ]


CHANGE = """
- operator: ChangeConfiguration
  request: {key: MeterValueSampleInterval, value: "60"}
- expect_csms: ChangeConfiguration
  match: {key: MeterValueSampleInterval, value: "60"}
  reply: {status: Rejected}
"""


async def test_the_step_takes_the_matching_request_not_the_first(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    own = OwnRequestFirst(peer, {"key": "HeartbeatInterval", "value": "30"})
    result = await run(write_case(tmp_path, CHANGE, given="booted"), peer, operator=own)
    assert result.verdict == Verdict.PASS, [str(r) for r in result.reasons]
    # The CSMS's own request got the model's answer at once; the operator's the step's.
    assert answers_to(peer, "ChangeConfiguration") == [
        {"status": "Accepted"},
        {"status": "Rejected"},
    ]
    [step] = [s for s in result.steps if s.label == "2"]
    assert [c.rule for c in step.checks] == ["schema", "field"]
    # ... and the charge point applied what it accepted.
    get = await_nothing = None
    del get, await_nothing


async def test_no_matching_request_lists_what_came_and_ends_soon_after_the_operator(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    peer.operator.payloads["ChangeConfiguration"] = {"value": "3600"}  # the CSMS gets it wrong
    began = time.monotonic()
    result = await run(write_case(tmp_path, CHANGE, given="booted"), peer)
    elapsed = time.monotonic() - began
    assert result.verdict == Verdict.FAIL
    [reason] = result.reasons
    assert (reason.step, reason.rule) == ("2", "field")
    assert 'ChangeConfiguration.req value: expected "60", got "3600" (at ' in reason.message
    assert (
        "no ChangeConfiguration.req that matches within 0.1 s after the operator's call returned"
        in reason.message
    )
    assert elapsed < fast_config().waits.operator  # not the whole operator wait
    # The wrong request was answered, by the model, at once.
    assert answers_to(peer, "ChangeConfiguration") == [{"status": "Accepted"}]


async def test_a_request_before_the_boot_answer_is_answered_and_the_case_goes_on(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    peer.delay("BootNotification", 0.2)
    case = write_case(tmp_path, "- send: Heartbeat", given="booted")
    answer: list[Any] = []

    async def configure_early() -> None:
        for _ in range(100):  # until the BootNotification arrived (bounded)
            if peer.requests("BootNotification"):
                break
            await asyncio.sleep(0.005)
        answer.append(await peer.call("GetConfiguration", {"key": ["HeartbeatInterval"]}, 1.0))

    result, _ = await asyncio.gather(run(case, peer), configure_early())
    assert result.verdict == Verdict.PASS, [str(r) for r in result.reasons]
    [got] = answer
    assert (
        isinstance(got, CallResult)
        and got.payload["configurationKey"][0]["key"] == "HeartbeatInterval"
    )
    order = [(s.sender, (s.frame or [None])[0]) for s in peer.transcript]
    assert order.index((CSMS, 2)) < next(
        i
        for i, s in enumerate(peer.transcript)
        if s.sender == CSMS and "currentTime" in s.text and "interval" in s.text
    )
    assert any(
        m.action == "GetConfiguration" and m.direction == "CSMS->CP" for m in result.messages
    )


async def test_back_to_back_csms_requests_are_each_answered_without_a_finding(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    case = write_case(tmp_path, "- send: Heartbeat\n- wait: 0.1\n- send: Heartbeat", given="booted")

    async def burst() -> None:
        for _ in range(100):
            if peer.requests("Heartbeat"):
                break
            await asyncio.sleep(0.005)
        peer.inject(json.dumps([2, "own-1", "ClearCache", {}]))
        peer.inject(json.dumps([2, "own-2", "GetLocalListVersion", {}]))

    result, _ = await asyncio.gather(run(case, peer), burst())
    assert result.verdict == Verdict.PASS, [str(r) for r in result.reasons]
    answered = {f[1] for f in peer.sent_by(CP) if isinstance(f, list) and f[:1] == [3]}
    assert {"own-1", "own-2"} <= answered


async def test_a_connection_dropped_right_after_connecting_is_retried(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    peer.close_on("BootNotification", 1008, "already connected", nth=1)
    result = await run(
        write_case(tmp_path, "- send: BootNotification\n  expect: {status: Accepted}"), peer
    )
    assert result.verdict == Verdict.PASS, [str(r) for r in result.reasons]
    assert peer.dials == 2
    [step] = [s for s in result.steps if s.label == "1"]
    assert any(
        "code 1008, already connected" in n
        and "right after connecting (attempt 1 of 3); reconnecting in 0.05 s" in n
        for n in step.notes
    ), step.notes


async def test_a_refused_connection_is_retried_with_backoff_and_recorded(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    peer.refuse_next(2)
    result = await run(write_case(tmp_path, "- send: Heartbeat"), peer)
    assert result.verdict == Verdict.PASS, [str(r) for r in result.reasons]
    connect = result.steps[0]
    assert (connect.kind, connect.status) == ("connect", "passed")
    assert connect.notes == [
        "connection attempt 1 of 3 failed: scripted CSMS refused connection #1; retrying in 0.05 s",
        "connection attempt 2 of 3 failed: scripted CSMS refused connection #2; retrying in 0.1 s",
        "connection attempt 3 succeeded",
    ]


async def test_the_case_closes_with_1000_after_a_quiet_period(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    config = fast_config(timing={"quiet_period": 0.3})
    result = await run(write_case(tmp_path, "- send: Heartbeat"), peer, config)
    assert result.verdict == Verdict.PASS
    [connection] = peer.connections
    assert connection.closed_by == CP
    assert connection.channel.closed is not None and connection.channel.closed.code == 1000
    assert result.duration_s >= 0.3  # the close waited for the quiet period


async def test_a_reboot_takes_its_time_before_the_reconnect(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    config = fast_config(timing={"reboot": 0.3})
    dialled: list[float] = []
    dial = peer.dial

    async def timed_dial(attempt: Attempt) -> Any:
        dialled.append(time.monotonic())
        return await dial(attempt)

    case = write_case(tmp_path, "- do: power_loss", given="booted")
    settings = RunSettings(config, "memory://scripted", peer.operator, dialer=timed_dial)
    async with asyncio.timeout(10):
        result = await run_case(case, settings)
    assert result.verdict == Verdict.PASS, [str(r) for r in result.reasons]
    assert len(dialled) == 2 and dialled[1] - dialled[0] >= 0.3


async def test_cases_are_separated_by_a_pause(tmp_path: Path, peer: ScriptedCsms) -> None:
    config = fast_config(timing={"between_cases": 0.3})
    first = write_case(tmp_path, "- send: Heartbeat", case_id="TC_901_CSMS")
    second = write_case(tmp_path, "- send: Heartbeat", case_id="TC_902_CSMS")
    dialled: list[float] = []
    dial = peer.dial

    async def timed_dial(attempt: Attempt) -> Any:
        dialled.append(time.monotonic())
        return await dial(attempt)

    suite = suite_for(peer, config, dialer=timed_dial)
    async with asyncio.timeout(10):
        a = await suite.run_case(first)
        closed = time.monotonic()
        b = await suite.run_case(second)
    assert (a.verdict, b.verdict) == (Verdict.PASS, Verdict.PASS)
    assert dialled[1] - closed >= 0.3


async def _when_booted(peer: ScriptedCsms) -> None:
    for _ in range(200):  # until the charge point's BootNotification is answered (bounded)
        if any(s.sender == CSMS and "interval" in s.text for s in peer.transcript):
            return
        await asyncio.sleep(0.005)


async def test_an_unrequested_trigger_message_is_acted_on(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    case = write_case(tmp_path, "- wait: 0.1\n- send: Heartbeat", given="booted")

    async def trigger() -> None:
        await _when_booted(peer)
        await peer.call(
            "TriggerMessage", {"requestedMessage": "MeterValues", "connectorId": 1}, 1.0
        )

    result, _ = await asyncio.gather(run(case, peer), trigger())
    assert result.verdict == Verdict.PASS, [str(r) for r in result.reasons]
    assert answers_to(peer, "TriggerMessage") == [{"status": "Accepted"}]
    assert [p["connectorId"] for p in peer.requests("MeterValues")] == [1]  # it sent it
    [acted] = [s for s in result.steps if s.kind == "unsolicited"]
    assert acted.action == "TriggerMessage" and acted.status == "passed"
    assert "unrequested TriggerMessage.req" in acted.title


async def test_an_unrequested_reset_reboots_and_a_later_failure_says_so(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    peer.answer("Heartbeat", {"currentTime": "not a date"}, nth=1)  # the case's own check fails
    case = write_case(tmp_path, "- wait: 0.1\n- send: Heartbeat", given="booted")

    async def reset() -> None:
        await _when_booted(peer)
        await peer.call("Reset", {"type": "Soft"}, 1.0)

    result, _ = await asyncio.gather(run(case, peer), reset())
    assert peer.dials == 2  # the charge point rebooted
    assert result.verdict == Verdict.INCONCLUSIVE
    [reason] = result.reasons
    assert reason.step == "2"
    assert reason.message.startswith("the CSMS sent an unrequested Reset.req at ")
    assert (
        "which the charge point accepted and acted on; after that: Heartbeat.conf" in reason.message
    )


async def test_what_an_unrequested_request_finds_is_a_warning_not_the_verdict(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    peer.error("MeterValues", "InternalError", "scripted")
    case = write_case(tmp_path, "- wait: 0.1\n- send: Heartbeat", given="booted")

    async def trigger() -> None:
        await _when_booted(peer)
        await peer.call(
            "TriggerMessage", {"requestedMessage": "MeterValues", "connectorId": 1}, 1.0
        )

    result, _ = await asyncio.gather(run(case, peer), trigger())
    assert result.verdict == Verdict.PASS, [str(r) for r in result.reasons]
    [acted] = [s for s in result.steps if s.kind == "unsolicited"]
    assert acted.status == "failed"
    assert any("MeterValues" in w and "CALLERROR InternalError" in w for w in result.warnings), (
        result.warnings
    )


async def test_a_synchronous_hook_runs_off_the_event_loop() -> None:
    from simulator.operator import PythonOperator
    from tests.support import operator_hooks

    operator_hooks.LOOP_FLAG.clear()
    asyncio.get_running_loop().call_later(0.05, operator_hooks.LOOP_FLAG.set)
    hook = PythonOperator("tests.support.operator_hooks:waits_for_the_loop")
    request = OperatorRequest("CP_1", "ClearCache", {}, "", 1.0)
    began = time.monotonic()
    outcome = await asyncio.wait_for(hook.perform(request), 5)
    assert outcome.ok and outcome.response == {"loop_ran": True}
    assert time.monotonic() - began < 1.0


class SlowToReturn:
    """An operator API that returns 0.3 s after the CSMS's request went out."""

    name = "slow"

    def __init__(self, peer: ScriptedCsms) -> None:
        self.peer = peer

    async def perform(self, request: OperatorRequest) -> OperatorOutcome:
        outcome = await self.peer.operator.perform(request)
        await asyncio.sleep(0.3)
        return OperatorOutcome(
            True, "the back office confirmed", {"ticket": 7, **(outcome.response or {})}
        )


async def test_an_operator_call_in_flight_at_the_end_is_awaited_and_recorded(
    tmp_path: Path, peer: ScriptedCsms
) -> None:
    case = write_case(tmp_path, "- operator: ClearCache\n- expect_csms: ClearCache", given="booted")
    result = await run(case, peer, operator=SlowToReturn(peer))
    assert result.verdict == Verdict.PASS, [str(r) for r in result.reasons]
    [step] = [s for s in result.steps if s.label == "1"]
    assert step.operator is not None
    assert step.operator["adapter"] == "slow" and step.operator["action"] == "ClearCache"
    assert step.operator["ok"] is True and step.operator["detail"] == "the back office confirmed"
    assert step.operator["response"]["ticket"] == 7
    assert step.operator["duration_s"] >= 0.3  # awaited, not cancelled at the case's end
