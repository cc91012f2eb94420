"""What the reference CSMS's file area refuses (issue 16, item 4): symlinks, FIFOs, devices,
directories and traversal are neither served nor overwritten, over HTTP or FTP; uploads
are held to a per-file and a folder limit while they stream, and leave no partial file."""

from __future__ import annotations

import asyncio
import ftplib
import http.client
import io
import os
import re
import socket
import stat
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import pytest

from csms_under_test import ReferenceCsms
from csms_under_test.files import (
    DEMO_FIRMWARE_NAME,
    MAX_DIAGNOSTICS_BYTES,
    MAX_UPLOAD_BYTES,
    SIGNED_FIRMWARE_NAME,
    FileArea,
    UploadRefused,
)
from csms_under_test.settings import CsmsSettings

from .helpers import WAIT, api_get

T = TypeVar("T")
SECRET = b"secret outside the files folders\n"
REAL = b"a real diagnostics file\n"
FILE_LIMIT = 1000  # bytes one upload may hold in these tests
FOLDER_LIMIT = 2500  # bytes the diagnostics folder may hold


# -- clients --------------------------------------------------------------------------
def _request(method: str, url: str, body: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
    """One raw HTTP request (the path is sent exactly as given); status, headers, body."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=WAIT)
    try:
        connection.request(method, parts.path, body=body)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


async def _in_thread(function: Callable[[], T]) -> T:
    return await asyncio.to_thread(function)


@contextmanager
def _ftp(csms: ReferenceCsms) -> Iterator[ftplib.FTP]:
    client = ftplib.FTP()
    client.connect("127.0.0.1", urlsplit(csms.ftp_url).port or 0, timeout=WAIT)
    try:
        client.login("csms", "csms")
        client.voidcmd("TYPE I")
        yield client
        client.quit()
    finally:
        client.close()


def _ftp_reply(action: Callable[[], object]) -> str:
    """The FTP error reply ``action`` fails with."""
    with pytest.raises(ftplib.Error) as raised:
        action()
    return str(raised.value)


def _stor(client: ftplib.FTP, path: str, data: bytes) -> str:
    """STOR ``data`` (sent whole, the data connection then closed); the final reply."""
    try:
        return client.storbinary(f"STOR {path}", io.BytesIO(data))
    except ftplib.Error as error:
        return str(error)


def _uploads_in_progress(folder: Path) -> list[Path]:
    return sorted(folder.glob(".upload-*"))


def _upload_sizes(folder: Path) -> list[int]:
    sizes = []
    for path in _uploads_in_progress(folder):
        with suppress(FileNotFoundError):
            sizes.append(path.stat().st_size)
    return sizes


def _wait_for(condition: Callable[[], bool]) -> None:
    """Poll ``condition`` (another thread changes the files) for at most WAIT seconds."""
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


# -- what is planted in the folders ---------------------------------------------------
@dataclass
class Planted:
    root: Path
    secret: Path  # a file outside the files folders
    firmware: list[str]  # names in firmware/ that are no regular file
    diagnostics: list[str]  # names in diagnostics/ that are no regular file

    @property
    def diagnostics_dir(self) -> Path:
        return self.root / "diagnostics"

    def snapshot(self) -> dict[str, object]:
        """What must not change: the secret, the database, and what each planted name is."""
        kinds: dict[str, object] = {"secret": self.secret.read_bytes()}
        kinds["database"] = (self.root / "csms.sqlite3").read_bytes()[:100]
        for folder, names in (("firmware", self.firmware), ("diagnostics", self.diagnostics)):
            for name in names:
                path = self.root / folder / name
                mode = path.lstat().st_mode
                link = os.readlink(path) if stat.S_ISLNK(mode) else None
                kinds[f"{folder}/{name}"] = (stat.S_IFMT(mode), link)
        kinds["diagnostics/real.log"] = (self.diagnostics_dir / "real.log").read_bytes()
        return kinds


def _plant(folder: Path, suffix: str, secret: Path, inside: str) -> list[str]:
    """Symlinks (outside, to /etc/passwd, to the database, inside the folder), a FIFO, a
    directory named like a file and, where allowed, a device; their names."""
    (folder / f"outside{suffix}").symlink_to(secret)
    (folder / f"passwd{suffix}").symlink_to("/etc/passwd")
    (folder / f"db{suffix}").symlink_to(Path("..") / "csms.sqlite3")
    (folder / f"alias{suffix}").symlink_to(inside)
    (folder / f"dangling{suffix}").symlink_to(secret.parent / "missing")
    os.mkfifo(folder / f"pipe{suffix}")
    (folder / f"dir{suffix}").mkdir()
    (folder / f"dir{suffix}" / f"inner{suffix}").write_bytes(SECRET)
    names = ["outside", "passwd", "db", "alias", "dangling", "pipe", "dir"]
    try:
        os.mknod(folder / f"null{suffix}", stat.S_IFCHR | 0o666, os.makedev(1, 3))
        names.append("null")
    except (PermissionError, OSError):
        pass  # no device nodes without CAP_MKNOD: test_device_nodes_are_refused skips
    return [name + suffix for name in names]


@pytest.fixture
async def small(db_path: Path) -> AsyncIterator[ReferenceCsms]:
    """A CSMS whose file area has small limits (FILE_LIMIT, FOLDER_LIMIT)."""
    csms = ReferenceCsms(CsmsSettings(db_path=db_path))
    csms.files = FileArea(
        db_path.parent, max_upload_bytes=FILE_LIMIT, max_diagnostics_bytes=FOLDER_LIMIT
    )
    await csms.start()
    try:
        yield csms
    finally:
        await csms.stop()


@pytest.fixture
def planted(
    small: ReferenceCsms, db_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Planted:
    secret = tmp_path_factory.mktemp("elsewhere") / "secret.txt"
    secret.write_bytes(SECRET)
    root = db_path.parent
    (root / "diagnostics" / "real.log").write_bytes(REAL)
    firmware = _plant(root / "firmware", ".bin", secret, DEMO_FIRMWARE_NAME)
    diagnostics = _plant(root / "diagnostics", ".log", secret, "real.log")
    return Planted(root, secret, firmware, diagnostics)


# -- nothing but regular files is served ----------------------------------------------
async def test_http_serves_no_symlink_fifo_device_or_directory(
    small: ReferenceCsms, planted: Planted
) -> None:
    base = f"{small.files_http_url}/firmware"
    for name in planted.firmware:
        for method in ("GET", "HEAD"):
            status, headers, body = await _in_thread(
                lambda: _request(method, f"{base}/{name}")  # noqa: B023
            )
            assert (name, method, status) == (name, method, 404)
            assert headers["Content-Type"] == "application/json"
            assert SECRET not in body and b"root:" not in body and b"SQLite" not in body
    status, _, body = await _in_thread(lambda: _request("GET", f"{base}/{DEMO_FIRMWARE_NAME}"))
    assert status == 200 and len(body) == 4096
    # Nor listed: /api/diagnostics names the regular file only.
    listed = (await api_get(small, "diagnostics"))["diagnostics"]
    assert [(entry["name"], entry["size"]) for entry in listed] == [("real.log", len(REAL))]


async def test_http_upload_over_a_symlink_fifo_device_or_directory_is_409(
    small: ReferenceCsms, planted: Planted
) -> None:
    before = planted.snapshot()
    base = f"{small.files_http_url}/diagnostics"
    for name in planted.diagnostics:
        for method in ("PUT", "POST"):
            status, _, body = await _in_thread(
                lambda: _request(method, f"{base}/{name}", b"overwritten")  # noqa: B023
            )
            assert (name, method, status) == (name, method, 409)
            assert b"not a regular file" in body
    assert planted.snapshot() == before  # the targets, the links and the FIFO untouched
    assert _uploads_in_progress(planted.diagnostics_dir) == []
    # A regular file is still replaced.
    status, _, _ = await _in_thread(lambda: _request("PUT", f"{base}/real.log", b"new"))
    assert status == 201 and (planted.diagnostics_dir / "real.log").read_bytes() == b"new"


async def test_ftp_serves_and_lists_no_symlink_fifo_device_or_directory(
    small: ReferenceCsms, planted: Planted
) -> None:
    def scenario() -> None:
        with _ftp(small) as client:
            assert client.nlst("firmware") == [DEMO_FIRMWARE_NAME, SIGNED_FIRMWARE_NAME]
            assert client.nlst("diagnostics") == ["real.log"]
            lines: list[str] = []
            client.retrlines("LIST firmware", lines.append)
            assert len(lines) == 2 and lines[0].endswith(DEMO_FIRMWARE_NAME)
            assert lines[1].endswith(SIGNED_FIRMWARE_NAME)
            mlsd = [name for name, _ in client.mlsd("diagnostics")]
            assert mlsd == ["real.log"]
            for folder, names in (
                ("firmware", planted.firmware),
                ("diagnostics", planted.diagnostics),
            ):
                for name in names:
                    path = f"{folder}/{name}"
                    got = bytearray()
                    reply = _ftp_reply(lambda: client.retrbinary(f"RETR {path}", got.extend))  # noqa: B023
                    assert reply.startswith("550"), (path, reply)
                    assert got == b""
                    assert _ftp_reply(lambda: client.size(path)).startswith("550")  # noqa: B023
                    reply = _ftp_reply(lambda: client.sendcmd(f"MDTM {path}"))  # noqa: B023
                    assert reply.startswith("550")
                    reply = _ftp_reply(lambda: client.sendcmd(f"MLST {path}"))  # noqa: B023
                    assert reply.startswith("550")
                    assert _ftp_reply(lambda: client.nlst(path)).startswith("550")  # noqa: B023
            assert _ftp_reply(lambda: client.cwd("firmware/dir.bin")).startswith("550")
            data = bytearray()
            client.retrbinary(f"RETR firmware/{DEMO_FIRMWARE_NAME}", data.extend)
            assert len(data) == 4096

    await _in_thread(scenario)


async def test_ftp_stor_over_a_symlink_fifo_device_or_directory_is_550(
    small: ReferenceCsms, planted: Planted
) -> None:
    before = planted.snapshot()

    def scenario() -> None:
        with _ftp(small) as client:
            for name in planted.diagnostics:
                reply = _stor(client, f"diagnostics/{name}", b"overwritten")
                assert reply.startswith("550"), (name, reply)
            assert _stor(client, "diagnostics/real.log", b"new").startswith("226")

    await _in_thread(scenario)
    assert {**planted.snapshot(), "diagnostics/real.log": REAL} == before
    assert (planted.diagnostics_dir / "real.log").read_bytes() == b"new"
    assert _uploads_in_progress(planted.diagnostics_dir) == []


def test_device_nodes_are_refused(tmp_path: Path) -> None:
    area = FileArea(tmp_path)
    area.prepare()
    try:
        os.mknod(area.firmware_dir / "null.bin", stat.S_IFCHR | 0o666, os.makedev(1, 3))
        os.mknod(area.diagnostics_dir / "null.log", stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, OSError) as error:
        pytest.skip(f"no device nodes here: {error}")
    assert area.firmware("null.bin") is None
    with pytest.raises(UploadRefused) as refused:
        area.store_diagnostics("null.log", b"x")
    assert refused.value.status == 409
    assert stat.S_ISCHR((area.diagnostics_dir / "null.log").lstat().st_mode)
    assert area.diagnostics() == []


def test_a_name_that_becomes_a_symlink_during_an_upload_is_not_replaced(tmp_path: Path) -> None:
    area = FileArea(tmp_path / "files")
    area.prepare()
    secret = tmp_path / "secret.txt"
    secret.write_bytes(SECRET)
    upload = area.begin_upload("cp1.log")
    upload.write(b"diagnostics")
    (area.diagnostics_dir / "cp1.log").symlink_to(secret)  # swapped in meanwhile
    with pytest.raises(UploadRefused) as refused:
        upload.commit()
    assert (refused.value.status, refused.value.ftp_code) == (409, 550)
    assert secret.read_bytes() == SECRET
    assert (area.diagnostics_dir / "cp1.log").is_symlink()
    assert _uploads_in_progress(area.diagnostics_dir) == []
    # The reservation is released: the whole folder's quota is free again.
    assert area.store_diagnostics("cp2.log", b"x" * 1000).size == 1000


def test_a_symlinked_folder_is_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "firmware").symlink_to(elsewhere)
    area = FileArea(tmp_path / "files")
    with pytest.raises(NotADirectoryError):
        area.prepare()
    (elsewhere / "x.bin").write_bytes(SECRET)
    assert area.firmware("x.bin") is None  # not followed either once serving


# -- traversal --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "path",
    [
        "/files/firmware/../csms.sqlite3",
        "/files/firmware/..%2Fcsms.sqlite3",
        "/files/firmware/%2e%2e%2fcsms.sqlite3",
        "/files/firmware/%2E%2E/csms.sqlite3",
        "/files/firmware/..%5Ccsms.sqlite3",
        "/files/firmware/%252e%252e%252fcsms.sqlite3",
        "/files/firmware/%2fetc%2fpasswd",
        "/files/firmware//etc/passwd",
        "/files/diagnostics/../csms.sqlite3",
        "/files/../csms.sqlite3",
        "/files/%2e%2e/csms.sqlite3",
    ],
)
async def test_http_traversal_is_refused(small: ReferenceCsms, db_path: Path, path: str) -> None:
    base = small.files_http_url.removesuffix("/files")
    before = sorted(p.name for p in db_path.parent.iterdir())
    for method in ("GET", "PUT"):
        status, _, body = await _in_thread(
            lambda: _request(method, base + path, b"evil")  # noqa: B023
        )
        assert status in (400, 404, 405), (method, path, status)
        assert b"SQLite" not in body and b"root:" not in body
    assert sorted(p.name for p in db_path.parent.iterdir()) == before
    assert list((db_path.parent / "diagnostics").iterdir()) == []


async def test_ftp_traversal_is_refused(small: ReferenceCsms, db_path: Path) -> None:
    root = db_path.parent
    before = sorted(p.name for p in root.iterdir())

    def scenario() -> None:
        with _ftp(small) as client:
            for path in (
                "../csms.sqlite3",
                "/../csms.sqlite3",
                "firmware/../csms.sqlite3",
                "firmware/../../etc/passwd",
                "/etc/passwd",
                "diagnostics/../../csms.sqlite3",
                "firmware/%2e%2e/csms.sqlite3",
            ):
                got = bytearray()
                reply = _ftp_reply(lambda: client.retrbinary(f"RETR {path}", got.extend))  # noqa: B023
                assert reply.startswith("550") and got == b"", (path, reply)
            for path in ("diagnostics/../evil.log", "../evil.log", "../../tmp/evil.log"):
                assert _stor(client, path, b"evil").startswith("550"), path
            assert _stor(client, "diagnostics/..", b"evil")[:3] in ("550", "553")
            client.cwd("firmware")
            client.cwd("../..")  # pyftpdlib stops at its root
            assert client.pwd() == "/"
            assert client.nlst() == ["diagnostics", "firmware"]

    await _in_thread(scenario)
    assert sorted(p.name for p in root.iterdir()) == before
    assert not (root.parent / "evil.log").exists()


# -- quotas -----------------------------------------------------------------------------
def test_the_limits_are_constructor_arguments(tmp_path: Path) -> None:
    default = FileArea(tmp_path)
    assert (default.max_upload_bytes, default.max_diagnostics_bytes) == (
        MAX_UPLOAD_BYTES,
        MAX_DIAGNOSTICS_BYTES,
    )
    assert (MAX_UPLOAD_BYTES, MAX_DIAGNOSTICS_BYTES) == (10 * 1024 * 1024, 200 * 1024 * 1024)
    small = FileArea(tmp_path, max_upload_bytes=5, max_diagnostics_bytes=8)
    assert (small.max_upload_bytes, small.max_diagnostics_bytes) == (5, 8)
    for bad in (0, -1, 1.5, True, "10"):
        with pytest.raises(ValueError, match="positive number of bytes"):
            FileArea(tmp_path, max_upload_bytes=bad)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="positive number of bytes"):
            FileArea(tmp_path, max_diagnostics_bytes=bad)  # type: ignore[arg-type]


def _announce(
    url: str, length: int, sent: bytes = b"", *, finish: bool = True
) -> tuple[int, bytes]:
    """PUT headers announcing ``length`` bytes and ``sent`` of them; the reply. Unless
    ``finish``, the connection stays open: a reply within WAIT (the server waits 10 s for
    a body) shows the body was not waited for."""
    parts = urlsplit(url)
    with socket.create_connection(("127.0.0.1", parts.port or 0), WAIT) as sock:
        head = f"PUT {parts.path} HTTP/1.0\r\nContent-Length: {length}\r\n\r\n"
        sock.sendall(head.encode() + sent)
        if finish:
            sock.shutdown(socket.SHUT_WR)
        reply = _read_response(sock)
    status_line, _, rest = reply.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]


def _read_response(sock: socket.socket) -> bytes:
    """One whole response: its head and Content-Length bytes (the server may keep the
    connection a moment to read and drop a body it refused)."""
    reply = b""
    while b"\r\n\r\n" not in reply and (chunk := sock.recv(65536)):
        reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    length = int(re.search(rb"(?i)content-length: *(\d+)", head)[1])  # type: ignore[index]
    while len(body) < length and (chunk := sock.recv(65536)):
        body += chunk
    return head + b"\r\n\r\n" + body


async def test_http_per_file_and_folder_limits(small: ReferenceCsms, db_path: Path) -> None:
    folder = db_path.parent / "diagnostics"
    base = f"{small.files_http_url}/diagnostics"
    # Over the per-file limit: refused from the Content-Length, the body unread.
    status, body = await _in_thread(
        lambda: _announce(f"{base}/big.log", FILE_LIMIT + 1, finish=False)
    )
    assert status == 413 and f"exceeds {FILE_LIMIT} bytes".encode() in body
    status, _, _ = await _in_thread(
        lambda: _request("PUT", f"{base}/big.log", b"x" * (FILE_LIMIT + 1))
    )
    assert status == 413
    for name in ("a.log", "b.log"):
        status, _, _ = await _in_thread(
            lambda: _request("PUT", f"{base}/{name}", b"x" * FILE_LIMIT)  # noqa: B023
        )
        assert status == 201
    # 2000 of 2500 bytes used: 501 more do not fit (refused unread), 500 do.
    status, body = await _in_thread(lambda: _announce(f"{base}/c.log", 501, finish=False))
    assert status == 413 and b"holds 2000 of its 2500 bytes" in body
    status, _, _ = await _in_thread(lambda: _request("PUT", f"{base}/c.log", b"x" * 500))
    assert status == 201
    # A file being replaced counts until its replacement is complete.
    status, _, _ = await _in_thread(lambda: _request("PUT", f"{base}/c.log", b"y"))
    assert status == 413
    listed = (await api_get(small, "diagnostics"))["diagnostics"]
    assert [(e["name"], e["size"]) for e in listed] == [
        ("a.log", 1000),
        ("b.log", 1000),
        ("c.log", 500),
    ]
    assert _uploads_in_progress(folder) == []
    # Files removed by hand free their room for the next upload.
    (folder / "a.log").unlink()
    status, _, _ = await _in_thread(lambda: _request("PUT", f"{base}/d.log", b"z" * 1000))
    assert status == 201


async def test_http_partial_uploads_leave_nothing(small: ReferenceCsms, db_path: Path) -> None:
    folder = db_path.parent / "diagnostics"
    (folder / "keep.log").write_bytes(REAL)
    url = f"{small.files_http_url}/diagnostics/keep.log"
    status, body = await _in_thread(lambda: _announce(url, 100, b"x" * 30))
    assert status == 400 and b"ended after 30 of 100 bytes" in body
    assert (folder / "keep.log").read_bytes() == REAL  # the earlier file of that name stays
    assert _uploads_in_progress(folder) == []

    # The client goes away mid-body: the temporary file is removed too.
    def vanish() -> None:
        with socket.create_connection(("127.0.0.1", urlsplit(url).port or 0), WAIT) as sock:
            sock.sendall(b"PUT /files/diagnostics/gone.log HTTP/1.0\r\nContent-Length: 900\r\n\r\n")
            sock.sendall(b"x" * 100)
            _wait_for(lambda: len(_uploads_in_progress(folder)) == 1)

    await _in_thread(vanish)
    await _in_thread(lambda: _wait_for(lambda: _uploads_in_progress(folder) == []))
    assert sorted(p.name for p in folder.iterdir()) == ["keep.log"]
    # Its reservation is released: the whole quota is free but keep.log.
    status, _, _ = await _in_thread(
        lambda: _request("PUT", f"{small.files_http_url}/diagnostics/a.log", b"x" * 1000)
    )
    assert status == 201


async def test_ftp_per_file_limit(small: ReferenceCsms, db_path: Path) -> None:
    folder = db_path.parent / "diagnostics"

    def scenario() -> None:
        with _ftp(small) as client:
            reply = _stor(client, "diagnostics/big.log", b"x" * (FILE_LIMIT + 1))
            assert reply.startswith("552") and f"exceeds {FILE_LIMIT} bytes" in reply
            assert _stor(client, "diagnostics/ok.log", b"x" * FILE_LIMIT).startswith("226")
            # The session goes on after a refusal.
            assert client.nlst("diagnostics") == ["ok.log"]

    await _in_thread(scenario)
    assert sorted(p.name for p in folder.iterdir()) == ["ok.log"]


def _stream(client: ftplib.FTP, path: str, first: bytes, then: bytes, folder: Path) -> str:
    """STOR ``first``; once the server has written it to its temporary file, ``then``; the
    final reply. The limit is met mid-stream, with a partial file on disk."""
    connection = client.transfercmd(f"STOR {path}")
    try:
        connection.sendall(first)
        _wait_for(lambda: len(first) in _upload_sizes(folder))
        with suppress(OSError):  # the server may close the data connection first
            connection.sendall(then)
    finally:
        connection.close()
    try:
        return client.voidresp()
    except ftplib.Error as error:
        return str(error)


async def test_ftp_limits_stop_a_stream_and_remove_the_partial_file(
    small: ReferenceCsms, db_path: Path
) -> None:
    folder = db_path.parent / "diagnostics"

    def scenario() -> None:
        with _ftp(small) as client:
            reply = _stream(client, "diagnostics/big.log", b"x" * 600, b"x" * 600, folder)
            assert reply.startswith("552") and f"exceeds {FILE_LIMIT} bytes" in reply
            assert _uploads_in_progress(folder) == []
            assert _stor(client, "diagnostics/a.log", b"a" * 1000).startswith("226")
            assert _stor(client, "diagnostics/b.log", b"b" * 1000).startswith("226")
            # 2000 of 2500 bytes: 300 fit, 300 more do not.
            reply = _stream(client, "diagnostics/c.log", b"c" * 300, b"c" * 300, folder)
            assert reply.startswith("552") and "holds 2300 of its 2500 bytes" in reply
            assert _uploads_in_progress(folder) == []
            # A failed replacement leaves the earlier file.
            reply = _stream(client, "diagnostics/a.log", b"n" * 400, b"n" * 400, folder)
            assert reply.startswith("552")
            assert _stor(client, "diagnostics/c.log", b"c" * 500).startswith("226")
            assert _stor(client, "diagnostics/d.log", b"d").startswith("552")

    await _in_thread(scenario)
    assert sorted(p.name for p in folder.iterdir()) == ["a.log", "b.log", "c.log"]
    assert (folder / "a.log").read_bytes() == b"a" * 1000
    listed = (await api_get(small, "diagnostics"))["diagnostics"]
    assert sum(entry["size"] for entry in listed) == FOLDER_LIMIT


async def test_an_announced_http_upload_reserves_room_against_ftp(
    small: ReferenceCsms, db_path: Path
) -> None:
    folder = db_path.parent / "diagnostics"
    url = f"{small.files_http_url}/diagnostics/http.log"

    def scenario() -> None:
        parts = urlsplit(url)
        with socket.create_connection(("127.0.0.1", parts.port or 0), WAIT) as sock:
            head = f"PUT {parts.path} HTTP/1.0\r\nContent-Length: 1000\r\n\r\n"
            sock.sendall(head.encode() + b"h" * 10)
            _wait_for(lambda: len(_uploads_in_progress(folder)) == 1)
            with _ftp(small) as client:  # 1000 reserved: 1000 fit, 501 more do not
                assert _stor(client, "diagnostics/one.log", b"1" * 1000).startswith("226")
                assert _stor(client, "diagnostics/two.log", b"2" * 501).startswith("552")
            sock.sendall(b"h" * 990)
            sock.shutdown(socket.SHUT_WR)
            reply = b""
            while chunk := sock.recv(65536):
                reply += chunk
        assert reply.startswith(b"HTTP/1.0 201")

    await _in_thread(scenario)
    assert sorted(p.name for p in folder.iterdir()) == ["http.log", "one.log"]


async def test_an_ftp_upload_that_never_gets_its_data_connection_leaves_nothing(
    small: ReferenceCsms, db_path: Path
) -> None:
    folder = db_path.parent / "diagnostics"

    def scenario() -> None:
        with _ftp(small) as client:
            client.sendcmd("PASV")
            assert client.sendcmd("STOR diagnostics/a.log").startswith("150")
            assert len(_uploads_in_progress(folder)) == 1
            assert client.sendcmd("STOR diagnostics/b.log").startswith("150")  # replaces it
            assert len(_uploads_in_progress(folder)) == 1
            client.sendcmd("USER csms")  # a new login forgets it
            client.sendcmd("PASS csms")
            assert _uploads_in_progress(folder) == []
            client.sendcmd("PASV")
            assert client.sendcmd("STOR diagnostics/c.log").startswith("150")
        # The session closed: its queued upload with it.
        _wait_for(lambda: _uploads_in_progress(folder) == [])

    await _in_thread(scenario)
    assert list(folder.iterdir()) == []


async def test_ftp_stores_whole_files_by_name_only(small: ReferenceCsms, db_path: Path) -> None:
    def scenario() -> None:
        with _ftp(small) as client:
            assert _ftp_reply(lambda: client.sendcmd("STOU diagnostics/x")).startswith("502")
            client.sendcmd("REST 10")
            assert _stor(client, "diagnostics/r.log", b"x").startswith("550")
            assert _ftp_reply(lambda: client.sendcmd("APPE diagnostics/r.log")).startswith("550")

    await _in_thread(scenario)
    assert list((db_path.parent / "diagnostics").iterdir()) == []
