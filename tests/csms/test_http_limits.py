"""The operator API's HTTP server runs on the CSMS's event loop and bounds what one client
may take of it: connections, time to send a request head and a body, body size (issue 16,
item 3; csms_under_test.http_server)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from csms_under_test import ReferenceCsms
from csms_under_test.cli import UsageError, _build, _parser
from csms_under_test.http_server import HttpLimits

from .conftest import StartCsms

WAIT = 5.0
Stream = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def _open(csms: ReferenceCsms) -> Stream:
    address = urlsplit(csms.api_url)
    return await asyncio.open_connection(address.hostname, address.port)


async def _answer(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], dict[str, Any]]:
    """One response: status, headers, JSON body."""
    async with asyncio.timeout(WAIT):
        head = await reader.readuntil(b"\r\n\r\n")
        status_line, *lines = head.decode().split("\r\n")
        headers = dict(line.split(": ", 1) for line in lines if line)
        body = await reader.readexactly(int(headers["Content-Length"]))
    return int(status_line.split()[1]), headers, json.loads(body)


async def _closed(reader: asyncio.StreamReader) -> bool:
    async with asyncio.timeout(WAIT):
        return await reader.read() == b""


@contextlib.asynccontextmanager
async def _connections(csms: ReferenceCsms, count: int) -> AsyncIterator[list[Stream]]:
    streams = [await _open(csms) for _ in range(count)]
    try:
        yield streams
    finally:
        for _, writer in streams:
            writer.close()


async def _get_health(csms: ReferenceCsms) -> int:
    reader, writer = await _open(csms)
    try:
        writer.write(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        return (await _answer(reader))[0]
    finally:
        writer.close()


async def test_the_api_runs_on_the_csms_loop_without_a_thread_per_connection(
    start_csms: StartCsms,
) -> None:
    """The probe: 1217 drip-fed connections held 1220 threads. Now each is a socket."""
    csms = await start_csms()
    threads = threading.active_count()
    assert not any(t.name.startswith("csms-operator-api") for t in threading.enumerate())
    async with _connections(csms, 300) as streams:
        for _, writer in streams:
            writer.write(b"GET /api/hea")  # a head that never ends
        await asyncio.sleep(0.2)
        assert threading.active_count() == threads
        assert await _get_health(csms) == 200  # the server still answers others at once


async def test_one_connection_more_than_the_limit_is_503_and_closed(
    start_csms: StartCsms,
) -> None:
    csms = await start_csms(http_limits=HttpLimits(max_connections=5))
    async with _connections(csms, 5):
        await asyncio.sleep(0.1)
        reader, writer = await _open(csms)
        try:
            status, headers, body = await _answer(reader)
            assert status == 503 and headers["Retry-After"] == "1"
            assert "too many connections" in body["error"]
            assert await _closed(reader)
        finally:
            writer.close()
    # The limit counts open connections: once they are gone, a new one is served.
    for _ in range(50):
        if csms._api is not None and csms._api.open_connections == 0:
            break
        await asyncio.sleep(0.02)
    assert await _get_health(csms) == 200


async def test_a_head_not_sent_in_time_ends_the_connection(start_csms: StartCsms) -> None:
    csms = await start_csms(http_limits=HttpLimits(header_timeout=0.3))
    reader, writer = await _open(csms)
    try:
        started = time.monotonic()
        for piece in (b"GET /api/health HTTP/1.1\r\n", b"Host: 127", b".0.0.1\r\n"):
            writer.write(piece)  # a byte now and then does not keep it open
            await asyncio.sleep(0.1)
        assert await _closed(reader)
        assert 0.25 < time.monotonic() - started < WAIT
    finally:
        writer.close()
    # Idle after an answer: the same limit (keep-alive).
    reader, writer = await _open(csms)
    try:
        writer.write(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert (await _answer(reader))[0] == 200
        assert await _closed(reader)
    finally:
        writer.close()


async def test_a_body_not_sent_in_time_is_408(start_csms: StartCsms) -> None:
    csms = await start_csms(http_limits=HttpLimits(body_timeout=0.3))
    reader, writer = await _open(csms)
    try:
        writer.write(
            b"PUT /api/idtags/TAG-SLOW HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b'Content-Type: application/json\r\nContent-Length: 40\r\n\r\n{"status":'
        )
        status, _, body = await _answer(reader)
        assert status == 408 and "did not arrive in time" in body["error"]
        assert await _closed(reader)
    finally:
        writer.close()
    status, answer = await _put_id_tag(csms, "TAG-SLOW", b'{"status": "Accepted"}')
    assert status == 201, answer


async def test_an_upload_that_stops_sending_is_408(start_csms: StartCsms) -> None:
    csms = await start_csms(http_limits=HttpLimits(body_timeout=0.3))
    reader, writer = await _open(csms)
    try:
        writer.write(
            b"PUT /files/diagnostics/slow.log HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Length: 100\r\n\r\n"
        )
        for _ in range(3):  # an upload may take as long as it keeps sending
            writer.write(b"x" * 10)
            await asyncio.sleep(0.2)
        status, _, body = await _answer(reader)
        assert status == 408 and "stopped arriving" in body["error"]
    finally:
        writer.close()
    assert csms.files.diagnostics() == []


async def _put_id_tag(csms: ReferenceCsms, id_tag: str, body: bytes) -> tuple[int, dict[str, Any]]:
    reader, writer = await _open(csms)
    try:
        writer.write(
            f"PUT /api/idtags/{id_tag} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        status, _, answer = await _answer(reader)
        return status, answer
    finally:
        writer.close()


async def test_a_body_over_the_limit_is_413_before_it_is_read(start_csms: StartCsms) -> None:
    csms = await start_csms(http_limits=HttpLimits(max_body_bytes=64))
    reader, writer = await _open(csms)
    try:
        writer.write(  # announces 65 bytes and sends none: the answer does not wait for them
            b"PUT /api/idtags/TAG-BIG HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: 65\r\n\r\n"
        )
        status, _, body = await _answer(reader)
        assert status == 413 and "exceeds 64 bytes" in body["error"]
    finally:
        writer.close()
    status, _ = await _put_id_tag(csms, "TAG-BIG", b'{"status": "Accepted"}')
    assert status == 201
    # Chunked (no Content-Length): counted as it comes.
    reader, writer = await _open(csms)
    try:
        chunk = b'{"status": "' + b"A" * 80 + b'"}'
        writer.write(
            b"PUT /api/idtags/TAG-BIG HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            + f"{len(chunk):x}\r\n".encode()
            + chunk
            + b"\r\n0\r\n\r\n"
        )
        assert (await _answer(reader))[0] == 413
    finally:
        writer.close()


@pytest.mark.parametrize(
    ("request_head", "status"),
    [
        (b"GET /api/health HTTP/1.1\r\nHost: " + b"h" * 9000 + b"\r\n\r\n", 400),
        (b"GET /api/health HTTP/1.1\r\n" + b"X-A: b\r\n" * 200 + b"\r\n", 400),
        (b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\r\n\r\n", 501),  # TLS on plain HTTP
        (b"GET /api/health HTTP/9.9\r\n\r\n", 400),
    ],
)
async def test_a_malformed_head_gets_a_json_error(
    csms: ReferenceCsms, request_head: bytes, status: int
) -> None:
    reader, writer = await _open(csms)
    try:
        writer.write(request_head)
        got, headers, body = await _answer(reader)
        assert got == status and headers["Content-Type"].startswith("application/json")
        assert isinstance(body["error"], str)
    finally:
        writer.close()
    assert await _get_health(csms) == 200


async def test_keep_alive_serves_several_requests_on_one_connection(csms: ReferenceCsms) -> None:
    reader, writer = await _open(csms)
    try:
        for _ in range(3):
            writer.write(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert (await _answer(reader))[0] == 200
    finally:
        writer.close()


async def test_head_answers_without_a_body(csms: ReferenceCsms) -> None:
    reader, writer = await _open(csms)
    try:
        writer.write(b"HEAD /files/firmware/nope.bin HTTP/1.0\r\n\r\n")
        async with asyncio.timeout(WAIT):
            answer = await reader.read()
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.0 404") and body == b""
    finally:
        writer.close()


def test_the_limits_are_flags() -> None:
    args = _parser().parse_args(
        [
            "--api-max-connections",
            "7",
            "--api-header-timeout",
            "2.5",
            "--api-body-timeout",
            "3",
            "--api-max-body-bytes",
            "4096",
        ]
    )
    limits = _build(args).settings.http_limits
    assert limits == HttpLimits(
        max_connections=7, header_timeout=2.5, body_timeout=3.0, max_body_bytes=4096
    )
    assert _build(_parser().parse_args([])).settings.http_limits == HttpLimits()
    for flag, value in (
        ("--api-max-connections", "0"),
        ("--api-header-timeout", "0"),
        ("--api-body-timeout", "-1"),
        ("--api-max-body-bytes", "0"),
    ):
        with pytest.raises(UsageError, match=flag.removeprefix("--api-").replace("-", "_")):
            _build(_parser().parse_args([flag, value]))
