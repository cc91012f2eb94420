"""Firmware and diagnostics files of the reference CSMS, over HTTP and FTP."""

from __future__ import annotations

import asyncio
import ftplib
import hashlib
import http.client
import io
import queue
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import pytest

from csms_under_test import BackgroundCsms, ReferenceCsms
from csms_under_test.cli import main
from csms_under_test.files import (
    DEMO_FIRMWARE_NAME,
    MAX_UPLOAD_BYTES,
    SIGNED_FIRMWARE_NAME,
    demo_firmware,
)
from csms_under_test.settings import CsmsSettings
from simulator.transfers import download, upload

from .helpers import OCPP_TIME, WAIT, StartCsms, api_get

T = TypeVar("T")
FIRMWARE_PATH = f"/firmware/{DEMO_FIRMWARE_NAME}"


# -- clients --------------------------------------------------------------------------
def _request(
    method: str,
    url: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """One raw HTTP request (the path is sent exactly as given); status, headers, body."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=WAIT)
    try:
        connection.request(method, parts.path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


async def _in_thread(function: Callable[[], T]) -> T:
    """Blocking client work off the loop that serves the CSMS."""
    return await asyncio.to_thread(function)


def _ftp_port(csms: ReferenceCsms) -> int:
    port = urlsplit(csms.ftp_url).port
    assert port
    return port


def _ftp(csms: ReferenceCsms, user: str = "csms", password: str = "csms") -> ftplib.FTP:
    client = ftplib.FTP()
    client.connect("127.0.0.1", _ftp_port(csms), timeout=WAIT)
    client.login(user, password)
    return client


def _ftp_reply(action: Callable[[], object]) -> str:
    """The FTP error reply ``action`` fails with."""
    with pytest.raises(ftplib.Error) as raised:
        action()
    return str(raised.value)


async def _until(condition: Callable[[], bool]) -> bool:
    """Whether ``condition`` holds within WAIT seconds (polled: files change in another thread)."""
    for _ in range(int(WAIT / 0.02)):
        if condition():
            return True
        await asyncio.sleep(0.02)
    return condition()


# -- firmware -------------------------------------------------------------------------
async def test_urls_and_demo_firmware_over_http(csms: ReferenceCsms, db_path: Path) -> None:
    assert csms.files_http_url == csms.api_url.removesuffix("/api") + "/files"
    assert csms.ftp_url.startswith("ftp://csms:csms@127.0.0.1:") and _ftp_port(csms) > 0
    demo = demo_firmware()
    assert 1024 < len(demo) <= 8192
    assert (db_path.parent / "firmware" / DEMO_FIRMWARE_NAME).read_bytes() == demo
    assert (db_path.parent / "diagnostics").is_dir()
    url = csms.files_http_url + FIRMWARE_PATH
    status, headers, body = await _in_thread(lambda: _request("GET", url))
    assert (status, body) == (200, demo)
    assert headers["Content-Type"] == "application/octet-stream"
    status, headers, body = await _in_thread(lambda: _request("HEAD", url))
    assert (status, headers["Content-Length"], body) == (200, str(len(demo)), b"")
    assert await download(url, timeout=WAIT) == demo


async def test_demo_firmware_is_deterministic_and_only_for_an_empty_folder(
    start_csms: StartCsms, tmp_path: Path
) -> None:
    own = tmp_path / "own"
    (own / "firmware").mkdir(parents=True)
    (own / "firmware" / "real-2.0.bin").write_bytes(b"real image")
    first = await start_csms(files_dir=tmp_path / "one")
    second = await start_csms(db_path=tmp_path / "two.sqlite3", files_dir=tmp_path / "two")
    third = await start_csms(db_path=tmp_path / "three.sqlite3", files_dir=own)
    one, two = (
        (tmp_path / name / "firmware" / DEMO_FIRMWARE_NAME).read_bytes() for name in ("one", "two")
    )
    assert one == two == demo_firmware()
    assert first.files.root == (tmp_path / "one").resolve()
    assert sorted(p.name for p in (own / "firmware").iterdir()) == ["real-2.0.bin"]
    real = await download(f"{third.files_http_url}/firmware/real-2.0.bin", timeout=WAIT)
    assert real == b"real image"
    assert second.files.firmware(DEMO_FIRMWARE_NAME) == demo_firmware()


@pytest.mark.parametrize("user", ["csms:csms@", ""], ids=["csms", "anonymous"])
async def test_demo_firmware_over_ftp(csms: ReferenceCsms, user: str) -> None:
    url = f"ftp://{user}127.0.0.1:{_ftp_port(csms)}{FIRMWARE_PATH}"
    assert await download(url, timeout=WAIT) == demo_firmware()
    assert await download(csms.ftp_url + FIRMWARE_PATH, timeout=WAIT) == demo_firmware()


# -- diagnostics ----------------------------------------------------------------------
async def test_diagnostics_over_http_put_and_post_are_stored_and_listed(
    csms: ReferenceCsms, db_path: Path
) -> None:
    assert await api_get(csms, "diagnostics") == {"diagnostics": [], "total": 0, "next": None}
    base = f"{csms.files_http_url}/diagnostics"
    put = await _in_thread(lambda: _request("PUT", f"{base}/cp1-diag.log", b"put body"))
    post = await _in_thread(lambda: _request("POST", f"{base}/cp1_diag.tar.gz", b"\x1f\x8b\x00"))
    assert put[0] == post[0] == 201
    assert put[1]["Content-Type"] == "application/json"
    await upload(f"{base}/", b"from the charge point", "cp2.log", timeout=WAIT)
    folder = db_path.parent / "diagnostics"
    assert (folder / "cp1-diag.log").read_bytes() == b"put body"
    assert (folder / "cp1_diag.tar.gz").read_bytes() == b"\x1f\x8b\x00"
    listed = (await api_get(csms, "diagnostics"))["diagnostics"]
    assert [entry["name"] for entry in listed] == ["cp1-diag.log", "cp1_diag.tar.gz", "cp2.log"]
    entry = listed[0]
    assert entry["size"] == 8 and entry["sha256"] == hashlib.sha256(b"put body").hexdigest()
    assert OCPP_TIME.match(entry["received"])
    assert listed[2]["sha256"] == hashlib.sha256(b"from the charge point").hexdigest()
    # An upload of the same name replaces the file.
    await _in_thread(lambda: _request("PUT", f"{base}/cp1-diag.log", b"second"))
    assert (folder / "cp1-diag.log").read_bytes() == b"second"


async def test_diagnostics_over_ftp_stor(csms: ReferenceCsms, db_path: Path) -> None:
    await upload(csms.ftp_url + "/diagnostics/", b"ftp diagnostics", "cp1.log", timeout=WAIT)
    assert (db_path.parent / "diagnostics" / "cp1.log").read_bytes() == b"ftp diagnostics"
    (listed,) = (await api_get(csms, "diagnostics"))["diagnostics"]
    assert (listed["name"], listed["size"]) == ("cp1.log", 15)


async def test_ftp_shows_and_allows_only_what_it_should(csms: ReferenceCsms) -> None:
    def scenario() -> None:
        client = _ftp(csms)
        try:
            assert client.nlst() == ["diagnostics", "firmware"]  # not the database
            assert client.nlst("firmware") == [DEMO_FIRMWARE_NAME, SIGNED_FIRMWARE_NAME]
            assert _ftp_reply(lambda: client.size("csms.sqlite3")).startswith("550")
            assert _ftp_reply(lambda: client.retrbinary("RETR ../x", print)).startswith("550")
            store = io.BytesIO(b"x")
            reply = _ftp_reply(lambda: client.storbinary("STOR firmware/evil.bin", store))
            assert reply.startswith("550")
            reply = _ftp_reply(lambda: client.storbinary("STOR diagnostics/bad name", store))
            assert reply.startswith("553")
            client.storbinary("STOR diagnostics/ok.log", io.BytesIO(b"ok"))
            assert _ftp_reply(lambda: client.delete("diagnostics/ok.log")).startswith("550")
            assert _ftp_reply(lambda: client.mkd("diagnostics/sub")).startswith("550")
            client.quit()
        finally:
            client.close()
        anonymous = _ftp(csms, "anonymous", "guest@")
        try:
            assert anonymous.nlst("firmware") == [DEMO_FIRMWARE_NAME, SIGNED_FIRMWARE_NAME]
            reply = _ftp_reply(lambda: anonymous.retrbinary("RETR diagnostics/ok.log", print))
            assert reply.startswith("550")
            store = io.BytesIO(b"x")
            reply = _ftp_reply(lambda: anonymous.storbinary("STOR diagnostics/a.log", store))
            assert reply.startswith("550")
            anonymous.quit()
        finally:
            anonymous.close()
        assert _ftp_reply(lambda: _ftp(csms, "csms", "wrong")).startswith("530")

    await _in_thread(scenario)
    listed = (await api_get(csms, "diagnostics"))["diagnostics"]
    assert [entry["name"] for entry in listed] == ["ok.log"]


# -- what is refused ------------------------------------------------------------------
@pytest.mark.parametrize(
    "name", ["..", ".hidden", "a%2Fb.log", "bad%20name", "%C3%A9t%C3%A9.log", "x" * 256]
)
async def test_bad_names_are_400(csms: ReferenceCsms, name: str) -> None:
    for method, folder in (("PUT", "diagnostics"), ("POST", "diagnostics"), ("GET", "firmware")):
        url = f"{csms.files_http_url}/{folder}/{name}"
        status, _, body = await _in_thread(lambda: _request(method, url, b"data"))  # noqa: B023
        assert status == 400, (method, url)
        assert b"invalid file name" in body
    assert await api_get(csms, "diagnostics") == {"diagnostics": [], "total": 0, "next": None}


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/firmware/missing.bin", 404),
        ("GET", "/other/x", 404),
        ("GET", "", 404),
        ("GET", "/diagnostics/x.log", 405),
        ("PUT", "/firmware/x.bin", 405),
        ("DELETE", FIRMWARE_PATH, 405),
    ],
)
async def test_unknown_files_and_wrong_methods(
    csms: ReferenceCsms, method: str, path: str, status: int
) -> None:
    url = csms.files_http_url + path
    got, headers, _ = await _in_thread(lambda: _request(method, url, b""))
    assert got == status
    assert headers["Content-Type"] == "application/json"
    if status == 405:
        assert headers["Allow"] in ("GET, HEAD", "PUT, POST")


async def test_upload_size_limit_and_bad_bodies(csms: ReferenceCsms, db_path: Path) -> None:
    url = f"{csms.files_http_url}/diagnostics/big.log"
    too_big = {"Content-Length": str(MAX_UPLOAD_BYTES + 1)}

    def announce(headers: dict[str, str], sent: bytes = b"") -> tuple[int, bytes]:
        """Headers (and maybe part of a body), then the reply: no 10 MiB sent for a 413."""
        with socket.create_connection(("127.0.0.1", urlsplit(url).port or 0), WAIT) as sock:
            lines = [f"PUT {urlsplit(url).path} HTTP/1.0"]
            lines += [f"{name}: {value}" for name, value in headers.items()]
            sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + sent)
            sock.shutdown(socket.SHUT_WR)
            reply = b""
            while chunk := sock.recv(65536):
                reply += chunk
        status_line, _, rest = reply.partition(b"\r\n")
        return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]

    assert csms.files.max_upload_bytes == MAX_UPLOAD_BYTES == 10 * 1024 * 1024
    status, body = await _in_thread(lambda: announce(too_big))
    assert status == 413 and b"exceeds 10485760 bytes" in body
    status, body = await _in_thread(lambda: announce({}))
    assert status == 411
    status, body = await _in_thread(lambda: announce({"Content-Length": "10"}, b"abc"))
    assert status == 400 and b"ended after 3 of 10 bytes" in body
    status, body = await _in_thread(lambda: announce({"Content-Length": "-1"}))
    assert status == 400
    assert await api_get(csms, "diagnostics") == {"diagnostics": [], "total": 0, "next": None}
    assert list((db_path.parent / "diagnostics").iterdir()) == []  # no partial file left
    # Smaller limits, over HTTP and FTP: tests/csms/test_file_safety.py.


# -- lifecycle ------------------------------------------------------------------------
async def test_stops_cleanly(db_path: Path) -> None:
    threads_before = set(threading.enumerate())
    csms = ReferenceCsms(CsmsSettings(db_path=db_path))
    await csms.start()
    ftp_port = _ftp_port(csms)
    files_url = csms.files_http_url
    session = await _in_thread(lambda: _ftp(csms))  # a session left open is closed too
    try:
        await asyncio.wait_for(csms.stop(), WAIT)
        await csms.stop()
        with pytest.raises(OSError):
            await _in_thread(lambda: socket.create_connection(("127.0.0.1", ftp_port), WAIT))
        with pytest.raises(OSError):
            await _in_thread(lambda: _request("GET", files_url + FIRMWARE_PATH))
        with pytest.raises((EOFError, OSError)):
            await _in_thread(session.pwd)
    finally:
        session.close()
    leftover = set(threading.enumerate()) - threads_before
    assert [t.name for t in leftover if not t.name.startswith("asyncio_")] == []


def test_background_csms_serves_files(db_path: Path) -> None:
    with BackgroundCsms(CsmsSettings(db_path=db_path)) as background:
        url = background.csms.ftp_url + FIRMWARE_PATH
        assert asyncio.run(download(url, timeout=WAIT)) == demo_firmware()


def test_cli_prints_the_files_and_ftp_urls(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "csms_under_test", "--port", "0", "--db", str(tmp_path / "c.db")],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    stdout = process.stdout
    lines: queue.Queue[str] = queue.Queue()

    def read_lines() -> None:
        for line in stdout:
            lines.put(line)

    reader = threading.Thread(target=read_lines, daemon=True)
    reader.start()
    urls: dict[str, str] = {}
    try:
        while "ftp" not in urls:
            name, _, url = lines.get(timeout=WAIT + 2).strip().partition(": ")
            urls[name] = url
        assert list(urls) == ["ocpp", "operator", "files", "ftp"]
        assert urls["files"] == urls["operator"].removesuffix("/api") + "/files"
        assert urls["ftp"].startswith("ftp://csms:csms@127.0.0.1:")
        firmware = asyncio.run(download(urls["ftp"] + FIRMWARE_PATH, timeout=WAIT))
        assert firmware == demo_firmware()
        assert (tmp_path / "firmware" / DEMO_FIRMWARE_NAME).is_file()
    finally:
        process.terminate()
        try:
            assert process.wait(timeout=5) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            reader.join(timeout=2)
            stdout.close()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--ftp-port", "70000"], "--ftp-port must be between 0 and 65535"),
        (["--port", "65534", "--api-port", "1"], "--ftp-port must be between 0 and 65535"),
    ],
)
def test_cli_bad_ftp_port(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(args) == 2
    assert message in capsys.readouterr().err
