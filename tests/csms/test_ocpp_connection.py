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


def _masked_text(text: str, *, first: int = 0x81, mask: bytes = b"\x00\x00\x00\x00") -> bytes:
    """A client's frame (RFC 6455 §5.2): by default a text frame with FIN, masked with
    ``mask`` (the key 0 leaves the payload as it is)."""
    data = bytes(b ^ mask[n % 4] for n, b in enumerate(text.encode()))
    if len(data) < 126:
        header = bytes([first, 0x80 | len(data)])
    elif len(data) < 1 << 16:
        header = bytes([first, 0x80 | 126]) + len(data).to_bytes(2, "big")
    else:
        header = bytes([first, 0x80 | 127]) + len(data).to_bytes(8, "big")
    return header + mask + data


def _call(unique_id: str, action: str = "Heartbeat", payload: str = "{}") -> str:
    return f'[2,"{unique_id}","{action}",{payload}]'


async def _answers(cp: FakeChargePoint, count: int) -> list[str]:
    return [json.loads(await asyncio.wait_for(cp.websocket.recv(), WAIT))[1] for _ in range(count)]


async def test_frames_split_across_reads_and_of_every_length_are_read(
    cp: FakeChargePoint,
) -> None:
    """RFC 6455 §5.2: 7-bit, 16-bit and 64-bit payload lengths, masked with a real key, in
    one write and split anywhere across writes."""
    data = "y" * 70_000
    frames = [
        _masked_text(_call("a"), mask=b"\x12\x34\x56\x78"),
        _masked_text(_call("b", "DataTransfer", f'{{"vendorId":"V","data":"{data[:300]}"}}')),
        _masked_text(_call("c", "DataTransfer", f'{{"vendorId":"V","data":"{data}"}}')),
        _masked_text(_call("d"), mask=b"\xff\x00\xff\x00"),
    ]
    stream = b"".join(frames)
    transport = cp.websocket.transport
    for cut in (1, 3, 7, len(frames[0]) + 5, len(stream) - 2):
        transport.write(stream[:cut])
        await asyncio.sleep(0.01)
        transport.write(stream[cut:])
        assert await _answers(cp, 4) == ["a", "b", "c", "d"]


async def test_a_ping_between_requests_is_answered_in_turn(cp: FakeChargePoint) -> None:
    ping = bytes([0x89, 0x80 | 4]) + b"\0\0\0\0" + b"ping"
    transport = cp.websocket.transport
    transport.write(_masked_text(_call("1")) + ping + _masked_text(_call("2")))
    assert await _answers(cp, 2) == ["1", "2"]  # the client answered its pong meanwhile
    await asyncio.wait_for(cp.websocket.ping(), WAIT)  # and the connection is healthy


async def _closed_with(cp: FakeChargePoint, raw: bytes) -> int | None:
    cp.websocket.transport.write(raw)
    try:
        while True:
            await asyncio.wait_for(cp.websocket.recv(), WAIT)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd is not None else None


async def test_a_frame_with_an_rsv_bit_is_a_protocol_error(cp: FakeChargePoint) -> None:
    raw = _masked_text(_call("1"), first=0xC1)  # RSV1: no extension was negotiated
    assert await _closed_with(cp, raw) == CloseCode.PROTOCOL_ERROR


async def test_an_unmasked_client_frame_is_a_protocol_error(cp: FakeChargePoint) -> None:
    text = _call("1").encode()
    raw = bytes([0x81, len(text)]) + text  # RFC 6455 §5.1: a client masks every frame
    assert await _closed_with(cp, raw) == CloseCode.PROTOCOL_ERROR


async def test_a_frame_beyond_max_size_closes_with_1009(cp: FakeChargePoint) -> None:
    payload = '{"vendorId":"V","data":"' + "z" * (1 << 20) + '"}'
    raw = _masked_text(_call("1", "DataTransfer", payload))
    assert await _closed_with(cp, raw) == CloseCode.MESSAGE_TOO_BIG
