"""Each legal variation does on the wire what its description says, and nothing else."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest

from csms_under_test import BackgroundCsms, ReferenceCsms, cli
from csms_under_test.settings import CsmsSettings
from csms_under_test.variations import (
    LATE_DISCONNECT,
    LATE_DISCONNECT_S,
    OWN_REQUEST_FIRST,
    OWN_REQUESTS,
    POST_BOOT_BURST,
    SERIALISATION,
    SLOW_ANSWER_S,
    SLOW_ANSWERS,
    VARIATIONS,
    Variations,
)
from ocppj import IncomingCall, IncomingCallResult
from simulator.config import IdTags

from .helpers import WAIT, ConnectChargePoint, FakeChargePoint, StartCsms, http_async

TAGS = IdTags()
# How long a CSMS CALL is left unanswered to see whether another one follows it (on loopback
# a second CALL would arrive within milliseconds).
QUIET = 0.1
BOOT = {"chargePointVendor": "TestVendor", "chargePointModel": "TestModel"}
# What the charge point answers to each CSMS request.
ANSWERS: dict[str, dict[str, Any]] = {
    "GetConfiguration": {"configurationKey": []},
    "ChangeConfiguration": {"status": "Accepted"},
    "ChangeAvailability": {"status": "Accepted"},
    "TriggerMessage": {"status": "Accepted"},
    "GetLocalListVersion": {"listVersion": 1},
    "GetCompositeSchedule": {"status": "Rejected"},
    "ClearCache": {"status": "Accepted"},
}


async def _play(cp: FakeChargePoint, frames: int) -> list[tuple[str, str, dict[str, Any]]]:
    """Receive ``frames`` frames from the CSMS, then make sure no more follow.

    Each CSMS CALL is answered (with ANSWERS) only after QUIET s in which no other CALL may
    arrive: at most one outstanding CALL (OCPP-J 1.6 §4.1.1). Returns ("CALL", action,
    payload) and ("RESULT", action, payload) in the order they arrived.
    """
    seen: list[tuple[str, str, dict[str, Any]]] = []
    pending: IncomingCall | None = None
    async with asyncio.timeout(frames * WAIT + 2):
        while True:
            waiting_for_more = pending is None and len(seen) < frames
            try:
                event = await cp.next_event(WAIT if waiting_for_more else QUIET)
            except TimeoutError:
                assert not waiting_for_more, f"only {seen} arrived"
                if pending is None:
                    return seen
                await cp.reply(pending, ANSWERS[pending.call.action])
                pending = None
                continue
            if isinstance(event, IncomingCall):
                assert pending is None, f"{event.call.action} sent before {pending} was answered"
                assert event.violations == [], event.violations
                pending = event
                seen.append(("CALL", event.call.action, event.call.payload))
            else:
                assert isinstance(event, IncomingCallResult), event
                seen.append(("RESULT", event.call.action, event.result.payload))


async def _send_boot(cp: FakeChargePoint) -> None:
    await cp.send_text(cp.session.send_call("BootNotification", BOOT).text)


# -- post-boot-burst --------------------------------------------------------------------


def _trigger(connector_id: int) -> tuple[str, str, dict[str, Any]]:
    payload = {"requestedMessage": "StatusNotification", "connectorId": connector_id}
    return ("CALL", "TriggerMessage", payload)


@pytest.mark.parametrize(("reported", "triggered"), [([], [1]), ([1, 2], [1, 2])])
async def test_post_boot_burst(
    start_csms: StartCsms, connect: ConnectChargePoint, reported: list[int], triggered: list[int]
) -> None:
    csms = await start_csms(variations=[POST_BOOT_BURST])
    cp = await connect(csms.ocpp_url)
    for connector_id in reported:  # the connectors the CSMS knows of before the boot
        status = {"connectorId": connector_id, "status": "Available", "errorCode": "NoError"}
        assert await cp.request("StatusNotification", status) == {}
    await _send_boot(cp)
    seen = await _play(cp, 4 + len(triggered))
    keys = {"key": ["HeartbeatInterval", "MeterValuesSampledData"]}
    assert seen[0] == ("CALL", "GetConfiguration", keys)  # before the Boot answer
    kind, action, boot_answer = seen[1]
    assert (kind, action, boot_answer["status"]) == ("RESULT", "BootNotification", "Accepted")
    assert seen[2:] == [
        (
            "CALL",
            "ChangeConfiguration",
            {"key": "MeterValuesSampledData", "value": "Energy.Active.Import.Register"},
        ),
        ("CALL", "ChangeAvailability", {"connectorId": 0, "type": "Operative"}),
        *map(_trigger, triggered),
    ]
    assert "currentTime" in await cp.request("Heartbeat", {})


async def test_no_burst_without_the_variation(csms: ReferenceCsms, cp: FakeChargePoint) -> None:
    await _send_boot(cp)
    [(kind, action, _)] = await _play(cp, 1)
    assert (kind, action) == ("RESULT", "BootNotification")


# -- own-request-first ------------------------------------------------------------------

OPERATOR_BODIES: dict[str, dict[str, Any]] = {
    "GetConfiguration": {"key": ["ConnectionTimeOut"]},
    "ChangeConfiguration": {"key": "HeartbeatInterval", "value": "30"},
    "TriggerMessage": {"requestedMessage": "Heartbeat"},
    "GetLocalListVersion": {},
    "GetCompositeSchedule": {"connectorId": 1, "duration": 300},
    "ClearCache": {},
}


async def _operator_calls(
    csms: ReferenceCsms, cp: FakeChargePoint, action: str, frames: int
) -> list[tuple[str, str, dict[str, Any]]]:
    """POST the operator request for ``action``; the CALLs the charge point got."""
    url = f"{csms.api_url}/chargepoints/CP_1/requests/{action}"
    sent = asyncio.create_task(http_async("POST", url, OPERATOR_BODIES[action]))
    seen = await _play(cp, frames)
    reply = await asyncio.wait_for(sent, WAIT + 3)
    assert reply.status == 200, reply
    assert reply.body["response"] == ANSWERS[action]
    # The operator is told about its own request, the last one sent.
    assert seen[-1] == ("CALL", action, reply.body["request"])
    return seen


def test_own_requests_are_the_described_actions() -> None:
    described = VARIATIONS[OWN_REQUEST_FIRST]
    assert all(action in described for action in OWN_REQUESTS)


@pytest.mark.parametrize("action", list(OWN_REQUESTS))
async def test_own_request_first(
    start_csms: StartCsms, connect: ConnectChargePoint, action: str
) -> None:
    csms = await start_csms(variations=[OWN_REQUEST_FIRST])
    cp = await connect(csms.ocpp_url)
    seen = await _operator_calls(csms, cp, action, 2)
    assert seen[0] == ("CALL", action, OWN_REQUESTS[action]())
    if action == "GetConfiguration":
        assert seen[0][2] == {"key": ["HeartbeatInterval"]}


async def test_no_own_request_for_other_actions(
    start_csms: StartCsms, connect: ConnectChargePoint
) -> None:
    assert "ClearCache" not in OWN_REQUESTS
    csms = await start_csms(variations=[OWN_REQUEST_FIRST])
    cp = await connect(csms.ocpp_url)
    assert await _operator_calls(csms, cp, "ClearCache", 1) == [("CALL", "ClearCache", {})]


async def test_no_own_request_without_the_variation(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    seen = await _operator_calls(csms, cp, "GetConfiguration", 1)
    assert seen == [("CALL", "GetConfiguration", {"key": ["ConnectionTimeOut"]})]


# -- late-disconnect --------------------------------------------------------------------


async def _close_and_wait_until_gone(csms: ReferenceCsms, cp: FakeChargePoint) -> float:
    """Close ``cp``; returns when (time.monotonic) the CSMS had noticed."""
    await cp.close()
    deadline = time.monotonic() + WAIT
    # The CSMS has no event for it: poll, bounded by WAIT.
    while True:
        if csms.registry.get("CP_1") is None:
            return time.monotonic()
        assert time.monotonic() < deadline, "the CSMS did not notice the close"
        await asyncio.sleep(0.005)


async def test_late_disconnect_refuses_a_quick_reconnect(
    start_csms: StartCsms, connect: ConnectChargePoint
) -> None:
    csms = await start_csms(variations=[LATE_DISCONNECT])
    first = await connect(csms.ocpp_url)
    await first.boot()
    closed = await _close_and_wait_until_gone(csms, first)
    second = await connect(csms.ocpp_url)
    assert time.monotonic() - closed < LATE_DISCONNECT_S
    await asyncio.wait_for(second.websocket.wait_closed(), WAIT)
    assert second.websocket.close_code == 1008
    assert csms.registry.get("CP_1") is None
    # Another charge point is not affected.
    other = await connect(csms.ocpp_url, "CP_2")
    assert (await other.boot())["status"] == "Accepted"


async def test_late_disconnect_serves_a_later_reconnect(
    start_csms: StartCsms, connect: ConnectChargePoint
) -> None:
    csms = await start_csms(variations=[LATE_DISCONNECT])
    first = await connect(csms.ocpp_url)
    closed = await _close_and_wait_until_gone(csms, first)
    await asyncio.sleep(LATE_DISCONNECT_S + 0.1 - (time.monotonic() - closed))
    second = await connect(csms.ocpp_url)
    assert time.monotonic() - closed > LATE_DISCONNECT_S
    assert (await second.boot())["status"] == "Accepted"
    assert "currentTime" in await second.request("Heartbeat", {})
    assert second.websocket.close_code is None
    assert csms.registry.connected_ids() == {"CP_1"}


async def test_quick_reconnect_is_served_without_the_variation(
    csms: ReferenceCsms, connect: ConnectChargePoint
) -> None:
    first = await connect(csms.ocpp_url)
    await _close_and_wait_until_gone(csms, first)
    second = await connect(csms.ocpp_url)
    assert (await second.boot())["status"] == "Accepted"


# -- serialisation ----------------------------------------------------------------------


async def _raw_frames(csms: ReferenceCsms, connect: ConnectChargePoint) -> list[str]:
    """The text of an Authorize CALLRESULT and of two CALLs of the CSMS, as received."""
    cp = await connect(csms.ocpp_url)

    async def receive() -> tuple[str, Any]:
        text = await asyncio.wait_for(cp.websocket.recv(), WAIT)
        assert isinstance(text, str)
        return text, cp.session.receive(text)  # OCPP-J as the charge point parses it

    await cp.send_text(cp.session.send_call("Authorize", {"idTag": TAGS.valid}).text)
    answer, event = await receive()
    assert isinstance(event, IncomingCallResult) and event.violations == [], event
    texts = [answer]
    for _ in range(2):
        body = {"key": "HeartbeatInterval", "value": "30"}
        sent = asyncio.create_task(csms.send_request("CP_1", "ChangeConfiguration", body))
        call, event = await receive()
        assert isinstance(event, IncomingCall) and event.violations == [], event
        await cp.reply(event, {"status": "Accepted"})
        assert (await asyncio.wait_for(sent, WAIT)).status == 200
        texts.append(call)
    return texts


async def test_serialisation(start_csms: StartCsms, connect: ConnectChargePoint) -> None:
    plain_csms = await start_csms()
    plain = await _raw_frames(plain_csms, connect)
    db_path = plain_csms.db_path.with_name("varied.db")
    varied = await _raw_frames(
        await start_csms(variations=[SERIALISATION], db_path=db_path), connect
    )
    for text in plain:
        assert ", " not in text and ": " not in text, text
    for text in varied:
        frame = json.loads(text)
        assert text == json.dumps(frame, separators=(", ", ": "), ensure_ascii=False)
    (plain_answer, *plain_calls), (answer, *calls) = (
        list(map(json.loads, t)) for t in (plain, varied)
    )
    # The same data (uniqueIds aside), payload keys in reverse order.
    assert [answer[0], answer[2]] == [plain_answer[0], plain_answer[2]]
    plain_info, info = plain_answer[2]["idTagInfo"], answer[2]["idTagInfo"]
    assert list(plain_info) == ["status", "parentIdTag"]
    assert list(info) == ["parentIdTag", "status"]
    for plain_call, call in zip(plain_calls, calls, strict=True):
        assert [call[0], call[2], call[3]] == [plain_call[0], plain_call[2], plain_call[3]]
        assert list(call[3]) == list(reversed(plain_call[3])) == ["value", "key"]
    # The CSMS's own uniqueIds: distinct strings of digits.
    ids = [call[1] for call in calls]
    assert all(isinstance(i, str) and i.isdigit() for i in ids) and len(set(ids)) == 2, ids
    assert not any(call[1].isdigit() for call in plain_calls)


# -- slow-answers -----------------------------------------------------------------------


async def _fastest_answer(cp: FakeChargePoint, action: str, payload: dict[str, Any]) -> float:
    """The shortest of three round trips of ``action``, in seconds."""
    times = []
    for _ in range(3):
        start = time.monotonic()
        await cp.call(action, payload)
        times.append(time.monotonic() - start)
    return min(times)


@pytest.mark.parametrize(
    ("action", "payload"),
    [("Heartbeat", {}), ("BootNotification", {"chargePointVendor": "V"})],
    ids=["callresult", "callerror"],
)
async def test_slow_answers(
    start_csms: StartCsms, connect: ConnectChargePoint, action: str, payload: dict[str, Any]
) -> None:
    fast_csms = await start_csms()
    slow_csms = await start_csms(
        variations=[SLOW_ANSWERS], db_path=fast_csms.db_path.with_name("slow.db")
    )
    fast = await _fastest_answer(await connect(fast_csms.ocpp_url), action, payload)
    slow = await _fastest_answer(await connect(slow_csms.ocpp_url), action, payload)
    assert slow >= SLOW_ANSWER_S
    assert fast < SLOW_ANSWER_S < slow


# -- names --------------------------------------------------------------------------------


def test_unknown_variation_is_named_with_the_known_ones(db_path: Path) -> None:
    known = ", ".join(sorted(VARIATIONS))
    with pytest.raises(ValueError, match=rf"unknown variation 'nope'; known variations: {known}$"):
        Variations([SLOW_ANSWERS, "nope"])
    with pytest.raises(ValueError, match="nope"):
        ReferenceCsms(CsmsSettings(db_path=db_path, variations=("nope",)))
    with pytest.raises(ValueError, match="nope"):
        BackgroundCsms(CsmsSettings(db_path=db_path, variations=("nope",)))
    background = BackgroundCsms(CsmsSettings(db_path=db_path, variations=(SERIALISATION,)))
    assert list(background.csms.variations) == [SERIALISATION]


def test_cli_unknown_variation_exits_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--variation", "nope"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith("csms-under-test: error: ")
    assert "unknown variation 'nope'" in error and POST_BOOT_BURST in error


def test_cli_list_variations(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--list-variations"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(VARIATIONS)
    for line, description in zip(lines, VARIATIONS.values(), strict=True):
        assert line.endswith(description)


def test_cli_variations_reach_the_csms(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    served: list[ReferenceCsms] = []

    async def serve(csms: ReferenceCsms) -> int:
        served.append(csms)
        return 0

    monkeypatch.setattr(cli, "_serve", serve)
    args = ["--db", str(tmp_path / "x.db"), "--variation", SLOW_ANSWERS]
    assert cli.main([*args, "--variation", LATE_DISCONNECT]) == 0
    assert list(served[0].variations) == sorted([SLOW_ANSWERS, LATE_DISCONNECT])
