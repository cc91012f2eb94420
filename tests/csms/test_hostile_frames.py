"""Hostile frames against the bundled CSMS, over a real WebSocket (issue 16, item 6).

Each class of malformed frame gets the fitting OCPP-J 1.6 CALLERROR (§4.2.3, table 7), or
no answer where there is nothing to answer; no answer is larger than MAX_REPLY bytes,
whatever the frame held; and the connection stays usable: a Heartbeat is answered after
each. The charge point ids a handshake must refuse are at the end.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import pytest
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Subprotocol

from csms_under_test import ReferenceCsms
from csms_under_test.server import MAX_CHARGE_POINT_ID_LENGTH

from .helpers import WAIT, ConnectChargePoint, FakeChargePoint, operator_request

MAX_REPLY = 4096  # bytes: "a few KB", whatever the frame that is answered held
SILENCE = 0.3  # seconds without an answer that count as "not answered"
NO_REPLY = "no reply"
START = {"connectorId": 1, "idTag": "X", "meterStart": 0, "timestamp": "2026-01-01T10:00:00Z"}


def call(action: str, payload: Any, unique_id: str = "h1") -> str:
    return json.dumps([2, unique_id, action, payload])


def nested(levels: int) -> str:
    """A Heartbeat CALL ``h1`` whose frame nests ``levels`` deep in all."""
    return '[2,"h1","Heartbeat",{"a":' + "[" * (levels - 2) + "]" * (levels - 2) + "}]"


@dataclass(frozen=True)
class Hostile:
    id: str
    frame: str | bytes
    # The errorCode of the CALLERROR that must answer it (with uniqueId ``reply_id``), or
    # NO_REPLY when nothing may answer it.
    expected: str
    reply_id: str = "h1"


HOSTILE = [
    # -- characters (OCPP-J 1.6 §4.1.2: valid JSON in UTF-8)
    Hostile("lone-surrogate-in-the-id", r'[2,"\ud800","Heartbeat",{}]', NO_REPLY),
    Hostile(
        "lone-surrogate-in-a-value",
        r'[2,"h1","Authorize",{"idTag":"\ud800"}]',
        "FormationViolation",
    ),
    Hostile("not-json-but-a-call", '[2,"h1","Heartbeat",', "FormationViolation"),
    Hostile("not-json-at-all", "this is not json", NO_REPLY),
    Hostile("nan", '[2,"h1","Heartbeat",{"a":NaN}]', "FormationViolation"),
    Hostile("5000-digits", '[2,"h1","Heartbeat",{"a":' + "9" * 5000 + "}]", "FormationViolation"),
    # -- nesting (RFC 8259 §9: ocppj's limit is 64 levels)
    Hostile("nested-65-deep", nested(65), "FormationViolation"),
    Hostile("nested-990-deep", nested(990), "FormationViolation"),
    Hostile("nested-100000-deep", nested(100_000), "FormationViolation"),
    Hostile("nested-990-without-an-id", "[" * 990 + "]" * 990, NO_REPLY),
    # -- integers beyond 64 bits (TypeConstraintViolation, not InternalError)
    Hostile(
        "integer-2**63",
        call("StartTransaction", {**START, "meterStart": 2**63}),
        "TypeConstraintViolation",
    ),
    Hostile(
        "integer--2**63-1",
        call("StartTransaction", {**START, "meterStart": -(2**63) - 1}),
        "TypeConstraintViolation",
    ),
    Hostile(
        "integer-10**30-connector",
        call(
            "StatusNotification",
            {"connectorId": 10**30, "status": "Available", "errorCode": "NoError"},
        ),
        "TypeConstraintViolation",
    ),
    # -- values the answer must not echo in full
    Hostile(
        "idtag-of-689-kb",
        call("Authorize", {"idTag": "x" * 689_000}),
        "PropertyConstraintViolation",
    ),
    Hostile(
        "unknown-key-of-600-kb",
        call("Heartbeat", {"k" * 600_000: 1}),
        "FormationViolation",
    ),
    Hostile(
        "thousands-of-violations",
        call(
            "MeterValues",
            {
                "connectorId": 1,
                "meterValue": [{"timestamp": "x", "sampledValue": [{"value": 1}] * 5000}],
            },
        ),
        "TypeConstraintViolation",
    ),
    Hostile(
        "message-type-of-600-kb",
        json.dumps(["y" * 600_000, "h1", "Heartbeat", {}]),
        "ProtocolError",
    ),
    # -- the RPC frame (OCPP-J 1.6 §4.1.3, §4.1.4, §4.2.1)
    Hostile("message-type-2.0", '[2.0,"h1","Heartbeat",{}]', "ProtocolError"),
    Hostile("message-type-7", '[7,"h1","Heartbeat",{}]', "ProtocolError"),
    Hostile("empty-unique-id", '[2,"","Heartbeat",{}]', "FormationViolation", reply_id=""),
    Hostile("unique-id-of-37", call("Heartbeat", {}, "u" * 37), NO_REPLY),
    Hostile("unique-id-a-number", '[2,5,"Heartbeat",{}]', NO_REPLY),
    Hostile("call-of-3-elements", '[2,"h1","Heartbeat"]', "FormationViolation"),
    Hostile("payload-an-array", '[2,"h1","Heartbeat",[]]', "FormationViolation"),
    Hostile("unknown-action", call("NoSuchAction", {}), "NotImplemented"),
    Hostile("result-for-no-request", '[3,"h1",{}]', NO_REPLY),
    Hostile("error-for-no-request", '[4,"h1","GenericError","",{}]', NO_REPLY),
    # -- a binary WebSocket frame: OCPP-J messages are text; not read, not answered
    Hostile("binary-frame", call("Heartbeat", {}).encode(), NO_REPLY),
    Hostile("binary-frame-not-utf-8", b"\xff\xfe", NO_REPLY),
    # -- connector ids the OCA schemas let through (OCPP 1.6 §6.31, §6.45, §6.47)
    Hostile(
        "status-connector--5",
        call(
            "StatusNotification", {"connectorId": -5, "status": "Available", "errorCode": "NoError"}
        ),
        "PropertyConstraintViolation",
    ),
    Hostile(
        "start-connector-0",
        call("StartTransaction", {**START, "connectorId": 0}),
        "PropertyConstraintViolation",
    ),
    Hostile(
        "meter-values-connector--1",
        call(
            "MeterValues",
            {
                "connectorId": -1,
                "meterValue": [
                    {"timestamp": "2026-01-01T10:00:00Z", "sampledValue": [{"value": "1"}]}
                ],
            },
        ),
        "PropertyConstraintViolation",
    ),
]


async def answer_to(cp: FakeChargePoint, frame: str | bytes) -> str | None:
    """What the CSMS sends back to ``frame`` (None: nothing within SILENCE seconds)."""
    await cp.websocket.send(frame)
    try:
        reply = await asyncio.wait_for(cp.websocket.recv(), SILENCE)
    except TimeoutError:
        return None
    assert isinstance(reply, str), "the CSMS answers in text frames"
    return reply


async def still_usable(cp: FakeChargePoint) -> None:
    assert "currentTime" in await cp.request("Heartbeat", {})


@pytest.mark.parametrize("hostile", HOSTILE, ids=[h.id for h in HOSTILE])
async def test_a_hostile_frame_gets_its_callerror_and_the_connection_stays(
    csms: ReferenceCsms, cp: FakeChargePoint, hostile: Hostile
) -> None:
    reply = await answer_to(cp, hostile.frame)
    if hostile.expected == NO_REPLY:
        assert reply is None, reply[:300] if reply else reply
    else:
        assert reply is not None, f"{hostile.id} was not answered"
        assert len(reply.encode("utf-8")) <= MAX_REPLY, len(reply)
        error = json.loads(reply)
        assert error[:3] == [4, hostile.reply_id, hostile.expected], error[:4]
        assert isinstance(error[3], str) and isinstance(error[4], dict)
    await still_usable(cp)
    assert cp.websocket.close_code is None
    assert csms.store.transactions() == []  # nothing hostile started a transaction


async def test_every_hostile_frame_in_turn_on_one_connection(cp: FakeChargePoint) -> None:
    """The whole corpus on one connection, each frame with a uniqueId of its own (OCPP-J 1.6
    §4.1.4): each is answered (or not) as it is alone."""
    for number, hostile in enumerate(HOSTILE):
        frame, reply_id = hostile.frame, hostile.reply_id
        if isinstance(frame, str) and reply_id == "h1":
            frame, reply_id = frame.replace('"h1"', f'"h1-{number}"', 1), f"h1-{number}"
        reply = await answer_to(cp, frame)
        if hostile.expected == NO_REPLY:
            assert reply is None, hostile.id
        else:
            assert reply is not None, hostile.id
            assert json.loads(reply)[1:3] == [reply_id, hostile.expected], hostile.id
    await still_usable(cp)


async def test_violation_details_are_few_and_short(cp: FakeChargePoint) -> None:
    frame = next(h.frame for h in HOSTILE if h.id == "thousands-of-violations")
    reply = await answer_to(cp, frame)
    assert reply is not None
    details = json.loads(reply)[4]
    assert len(details["violations"]) == 3
    assert details["moreViolations"] > 1000
    echo = json.loads(
        await answer_to(cp, call("Authorize", {"idTag": "x" * 689_000}, "h2")) or "[]"
    )
    assert len(echo[3]) <= 255 and "x..." in echo[3]
    assert all(len(v["message"]) <= 200 for v in echo[4]["violations"])


async def test_an_integer_beyond_64_bits_stores_nothing(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    stop = {"transactionId": 2**63, "meterStop": 1, "timestamp": "2026-01-01T11:00:00Z"}
    reply = await answer_to(cp, call("StopTransaction", stop))
    assert reply is not None and json.loads(reply)[2] == "TypeConstraintViolation"
    assert csms.store.transactions() == [] and csms.store.meter_values() == []


async def test_a_connector_above_the_reported_number_of_connectors_is_refused(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    status = {"connectorId": 3, "status": "Available", "errorCode": "NoError"}
    assert await cp.request("StatusNotification", status) == {}  # NumberOfConnectors unknown
    await operator_request(
        csms,
        cp,
        "GetConfiguration",
        {"key": ["NumberOfConnectors"]},
        {"configurationKey": [{"key": "NumberOfConnectors", "readonly": True, "value": "2"}]},
    )
    reply = await answer_to(cp, call("StatusNotification", status, "h2"))
    assert reply is not None
    error = json.loads(reply)
    assert error[2] == "PropertyConstraintViolation"
    assert "NumberOfConnectors (2)" in error[3]
    assert error[4]["violations"][0]["keyword"] == "maximum"
    assert await cp.request("StatusNotification", {**status, "connectorId": 2}) == {}
    assert await cp.request("StatusNotification", {**status, "connectorId": 0}) == {}
    reply = await answer_to(cp, call("StartTransaction", {**START, "connectorId": 3}, "h3"))
    assert reply is not None and json.loads(reply)[2] == "PropertyConstraintViolation"
    assert csms.store.transactions() == []


async def test_a_connector_out_of_range_stores_nothing(
    csms: ReferenceCsms, cp: FakeChargePoint
) -> None:
    """The range check answers before the handler runs: nothing of the request is stored."""
    reply = await answer_to(
        cp,
        call(
            "StatusNotification", {"connectorId": -5, "status": "Faulted", "errorCode": "NoError"}
        ),
    )
    assert reply is not None and json.loads(reply)[2] == "PropertyConstraintViolation"
    assert csms.store.status_history("CP_1") == []


# -- the charge point id of the handshake (OCPP-J 1.6 §3.1.1, §3.2) ---------------------------
async def _handshake_status(url: str) -> int:
    with pytest.raises(InvalidStatus) as refused:
        async with ws_connect(url, subprotocols=[Subprotocol("ocpp1.6")], open_timeout=WAIT):
            pass
    return refused.value.response.status_code


@pytest.mark.parametrize(
    "identity",
    [
        "CP%00One",  # NUL
        "CP%0AOne",  # a control character
        "CP%7F",  # DEL
        "x" * 4000,
        "x" * (MAX_CHARGE_POINT_ID_LENGTH + 1),
        "CP%2FOne",  # "/" once decoded
        "%2E%2E",  # ".."
        "..",
        ".",
        "%2E",
        "CP%FF",  # not UTF-8 once decoded
        "%",  # a percent sign that encodes nothing
    ],
)
async def test_a_charge_point_id_that_is_no_identity_is_refused(
    csms: ReferenceCsms, identity: str
) -> None:
    known = csms.store.charge_points()  # the seed's
    assert await _handshake_status(f"{csms.ocpp_url}/{identity}") == 404
    assert csms.store.charge_points() == known


@pytest.mark.parametrize(
    ("identity", "stored"),
    [
        ("x" * MAX_CHARGE_POINT_ID_LENGTH, "x" * MAX_CHARGE_POINT_ID_LENGTH),
        ("RDAM%20123", "RDAM 123"),  # OCPP-J 1.6 §3.1.1, example 2
        ("CP%C3%A9", "CPé"),
        ("CP.1", "CP.1"),
        ("...", "..."),
    ],
)
async def test_a_charge_point_id_that_is_an_identity_connects(
    csms: ReferenceCsms, connect: ConnectChargePoint, identity: str, stored: str
) -> None:
    cp = await connect(csms.ocpp_url, identity)
    await still_usable(cp)
    assert csms.store.charge_point(stored) is not None
