"""The OCPP endpoint's message path (csms_under_test/ocpp_connection.py): fragmented
messages are put together, invalid UTF-8 fails the connection with 1007, pipelined
requests are answered in order and completely, also to a charge point that reads none of
its answers for a while."""

from __future__ import annotations

import asyncio
import json

from websockets.exceptions import ConnectionClosed
from websockets.frames import CloseCode

from csms_under_test import ReferenceCsms

from .helpers import WAIT, FakeChargePoint


async def test_a_fragmented_message_is_answered_as_one(cp: FakeChargePoint) -> None:
    text = json.dumps([2, "frag-1", "DataTransfer", {"vendorId": "Fragmented", "data": "x" * 300}])
    # websockets sends an iterable of strings as one message in fragments (RFC 6455 §5.4).
    await cp.websocket.send([text[:10], text[10:200], text[200:]])
    frame = json.loads(await asyncio.wait_for(cp.websocket.recv(), WAIT))
    assert frame[:2] == [3, "frag-1"] and frame[2]["status"] == "UnknownVendorId"


async def test_a_text_frame_that_is_no_utf8_closes_with_1007(cp: FakeChargePoint) -> None:
    transport = cp.websocket.transport
    # A masked text frame (RFC 6455 §5.2) with the mask 0: its payload is sent as is.
    payload = b'[2,"1","Heartbeat",{"x":"\xff"}]'
    transport.write(bytes([0x81, 0x80 | len(payload), 0, 0, 0, 0]) + payload)
    try:
        await asyncio.wait_for(cp.websocket.recv(), WAIT)
    except ConnectionClosed as closed:
        assert closed.rcvd is not None and closed.rcvd.code == CloseCode.INVALID_DATA
    else:
        raise AssertionError("the connection stayed open")


async def test_pipelined_requests_are_answered_in_order(cp: FakeChargePoint) -> None:
    count = 200
    for n in range(count):
        await cp.websocket.send(json.dumps([2, f"p{n}", "Heartbeat", {}]))
    ids = []
    for _ in range(count):
        ids.append(json.loads(await asyncio.wait_for(cp.websocket.recv(), WAIT))[1])
    assert ids == [f"p{n}" for n in range(count)]


async def test_a_peer_that_reads_no_answers_loses_none(csms: ReferenceCsms) -> None:
    """12 MB of requests pipelined by a charge point that reads none of its answers: another
    charge point is served meanwhile, and the first gets every answer once it reads."""
    flooder = await FakeChargePoint.connect(csms.ocpp_url, "CP_DEAF")
    other = await FakeChargePoint.connect(csms.ocpp_url, "CP_OTHER")
    try:
        flooder.websocket.transport.pause_reading()  # reads nothing: answers pile up
        request = json.dumps([2, "x", "DataTransfer", {"vendorId": "V", "data": "y" * 4000}])
        sent = 0
        for n in range(3000):
            flooder.websocket.transport.write(_masked_text(request.replace('"x"', f'"d{n}"')))
            sent += 1
        await asyncio.sleep(0.5)
        answer = await asyncio.wait_for(other.request("Heartbeat", {}), WAIT)
        assert "currentTime" in answer
        flooder.websocket.transport.resume_reading()
        answered = 0
        while answered < sent:
            frame = json.loads(await asyncio.wait_for(flooder.websocket.recv(), WAIT))
            answered += frame[0] == 3
    finally:
        await flooder.close()
        await other.close()
    assert answered == sent


def _masked_text(text: str) -> bytes:
    """A client's text frame (RFC 6455 §5.2), masked with the key 0."""
    data = text.encode()
    if len(data) < 126:
        header = bytes([0x81, 0x80 | len(data)])
    elif len(data) < 1 << 16:
        header = bytes([0x81, 0x80 | 126]) + len(data).to_bytes(2, "big")
    else:
        header = bytes([0x81, 0x80 | 127]) + len(data).to_bytes(8, "big")
    return header + b"\0\0\0\0" + data
