"""simulator.transfers against small local servers: http, https (test CA) and ftp."""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
import time
import warnings
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from simulator.demo_pki import DemoPki as Pki
from simulator.transfers import TransferError, download, upload

with warnings.catch_warnings():
    # pyftpdlib imports the stdlib's asyncore and asynchat, deprecated in Python 3.11.
    warnings.simplefilter("ignore", DeprecationWarning)
    from pyftpdlib.authorizers import DummyAuthorizer  # type: ignore[import-untyped]
    from pyftpdlib.handlers import FTPHandler  # type: ignore[import-untyped]
    from pyftpdlib.ioloop import IOLoop  # type: ignore[import-untyped]
    from pyftpdlib.servers import FTPServer  # type: ignore[import-untyped]

FIRMWARE = bytes(range(256)) * 40  # 10 KiB, every byte value
WAIT = 3.0  # the transfers' timeout where nothing should be slow
JOIN = 5.0


# -- an HTTP(S) file server -----------------------------------------------------------
class _Handler(BaseHTTPRequestHandler):
    server: _FileServer
    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:
        if self.path == "/moved":
            self._reply(302, b"", {"Location": "/files/a.bin"})
        elif self.path == "/loop":
            self._reply(302, b"", {"Location": "/loop"})
        elif self.path in self.server.files:
            self._reply(200, self.server.files[self.path])
        else:
            self._reply(404, b"not here")

    def do_PUT(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path.startswith("/reject"):
            self._reply(403, b'{"error": "read-only"}')
            return
        self.server.uploads[self.path] = body
        self._reply(204 if self.path.endswith(".204") else 201, b"")

    def _reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _FileServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, context: ssl.SSLContext | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.context = context
        self.files: dict[str, bytes] = {"/files/a.bin": FIRMWARE}
        self.uploads: dict[str, bytes] = {}

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = super().get_request()
        if self.context is not None:  # the handshake happens on the request thread
            sock = self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # e.g. a client refusing our certificate

    @property
    def url(self) -> str:
        scheme = "https" if self.context is not None else "http"
        return f"{scheme}://127.0.0.1:{self.server_address[1]}"


def _serve(server: _FileServer) -> Iterator[_FileServer]:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(JOIN)


@pytest.fixture
def web() -> Iterator[_FileServer]:
    yield from _serve(_FileServer())


@pytest.fixture
def tls_web(server_tls: ssl.SSLContext) -> Iterator[_FileServer]:
    yield from _serve(_FileServer(server_tls))


# -- an FTP server --------------------------------------------------------------------
class _Ftp:
    def __init__(self, home: Path) -> None:
        authorizer = DummyAuthorizer()
        authorizer.add_user("user", "p@ss:word", str(home), perm="elrw")
        authorizer.add_anonymous(str(home), perm="elr")
        options = {"authorizer": authorizer, "auth_failed_timeout": 0.1}
        handler = type("Handler", (FTPHandler,), options)
        self.home = home
        self.server = FTPServer(("127.0.0.1", 0), handler, ioloop=IOLoop())
        self.port: int = self.server.address[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)
        self._thread.start()

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                self.server.ioloop.loop(0.05, blocking=False)
        finally:
            self.server.close_all()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(JOIN)


@pytest.fixture
def ftp(tmp_path: Path) -> Iterator[_Ftp]:
    home = tmp_path / "ftp"
    (home / "firmware").mkdir(parents=True)
    (home / "uploads").mkdir()
    (home / "firmware" / "a.bin").write_bytes(FIRMWARE)
    server = _Ftp(home)
    try:
        yield server
    finally:
        server.close()


def _ftp_url(server: _Ftp, path: str, user: str = "user:p%40ss%3Aword@") -> str:
    return f"ftp://{user}127.0.0.1:{server.port}{path}"


# -- a server that accepts and never says anything ------------------------------------
class _Silent:
    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.port: int = self.listener.getsockname()[1]
        self.peer_closed = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)
        self._thread.start()

    def _run(self) -> None:
        connection = None
        while not self._stop.is_set():
            try:
                if connection is None:
                    connection, _ = self.listener.accept()
                    connection.settimeout(0.05)
                elif not connection.recv(4096):
                    self.peer_closed.set()
                    connection.close()
                    connection = None
            except TimeoutError:
                continue
        if connection is not None:
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(JOIN)
        self.listener.close()


@pytest.fixture
def silent() -> Iterator[_Silent]:
    server = _Silent()
    try:
        yield server
    finally:
        server.close()


def _closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        port: int = sock.getsockname()[1]
    return port


# -- http -----------------------------------------------------------------------------
async def test_http_download(web: _FileServer) -> None:
    assert await download(f"{web.url}/files/a.bin", timeout=WAIT) == FIRMWARE


async def test_http_download_follows_redirects(web: _FileServer) -> None:
    assert await download(f"{web.url}/moved", timeout=WAIT) == FIRMWARE
    with pytest.raises(TransferError, match="more than 5 redirects"):
        await download(f"{web.url}/loop", timeout=WAIT)


async def test_http_404_names_the_url_and_the_status(web: _FileServer) -> None:
    url = f"{web.url}/files/missing.bin"
    with pytest.raises(TransferError) as raised:
        await download(url, timeout=WAIT)
    assert str(raised.value) == f"download {url} failed: HTTP 404 Not Found"


async def test_http_upload_to_a_folder_appends_the_file_name(web: _FileServer) -> None:
    await upload(f"{web.url}/diagnostics/", b"log line\n", "diag 1.log", timeout=WAIT)
    assert web.uploads == {"/diagnostics/diag%201.log": b"log line\n"}


async def test_http_upload_to_an_exact_url(web: _FileServer) -> None:
    await upload(f"{web.url}/put/here.204?sig=abc", b"\x00\x01", "ignored.log", timeout=WAIT)
    assert web.uploads == {"/put/here.204?sig=abc": b"\x00\x01"}


async def test_http_upload_refused_by_the_server(web: _FileServer) -> None:
    with pytest.raises(TransferError) as raised:
        await upload(f"{web.url}/reject/", b"x", "a.log", timeout=WAIT)
    message = str(raised.value)
    assert message.startswith(f"upload {web.url}/reject/ failed: HTTP 403 Forbidden")
    assert f"(at {web.url}/reject/a.log)" in message and "read-only" in message


# -- https ----------------------------------------------------------------------------
async def test_https_with_the_ca(tls_web: _FileServer, pki: Pki) -> None:
    url = f"{tls_web.url}/files/a.bin"
    assert await download(url, timeout=WAIT, ca_file=str(pki.ca)) == FIRMWARE
    await upload(f"{tls_web.url}/up/", b"secure", "d.log", timeout=WAIT, ca_file=str(pki.ca))
    assert tls_web.uploads == {"/up/d.log": b"secure"}


async def test_https_without_the_ca_fails_naming_tls(tls_web: _FileServer) -> None:
    url = f"{tls_web.url}/files/a.bin"
    with pytest.raises(TransferError, match=r"failed: TLS certificate verification failed"):
        await download(url, timeout=WAIT)
    with pytest.raises(TransferError, match=r"^upload https://.* failed: TLS"):
        await upload(f"{tls_web.url}/up/", b"x", "d.log", timeout=WAIT)
    assert tls_web.uploads == {}


async def test_https_with_an_unreadable_ca_file(tls_web: _FileServer, tmp_path: Path) -> None:
    missing = tmp_path / "none.pem"
    with pytest.raises(TransferError, match=f"cannot load the CA file {missing}"):
        await download(f"{tls_web.url}/files/a.bin", timeout=WAIT, ca_file=str(missing))


# -- ftp ------------------------------------------------------------------------------
@pytest.mark.parametrize("user", ["user:p%40ss%3Aword@", ""], ids=["user", "anonymous"])
async def test_ftp_download(ftp: _Ftp, user: str) -> None:
    url = _ftp_url(ftp, "/firmware/a.bin", user)
    assert await download(url, timeout=WAIT) == FIRMWARE


@pytest.mark.parametrize(
    ("path", "folder"), [("/uploads/", "uploads"), ("/uploads", "uploads"), ("", "")]
)
async def test_ftp_upload_into_the_url_folder(ftp: _Ftp, path: str, folder: str) -> None:
    await upload(_ftp_url(ftp, path), FIRMWARE, "diag.tar", timeout=WAIT)
    assert (ftp.home / folder / "diag.tar").read_bytes() == FIRMWARE


async def test_ftp_replies_name_the_url_and_hide_the_password(ftp: _Ftp) -> None:
    url = _ftp_url(ftp, "/firmware/missing.bin")
    shown = f"ftp://user:***@127.0.0.1:{ftp.port}/firmware/missing.bin"
    with pytest.raises(TransferError) as raised:
        await download(url, timeout=WAIT)
    assert str(raised.value).startswith(f"download {shown} failed: FTP server replied: 550 ")
    assert "p@ss" not in str(raised.value) and "p%40ss" not in str(raised.value)


async def test_ftp_failures(ftp: _Ftp) -> None:
    with pytest.raises(TransferError, match="FTP server replied: 530 "):
        await download(_ftp_url(ftp, "/firmware/a.bin", "user:wrong@"), timeout=WAIT)
    with pytest.raises(TransferError, match="FTP server replied: 550 "):  # anonymous: read-only
        await upload(_ftp_url(ftp, "/uploads/", ""), b"x", "a.log", timeout=WAIT)
    with pytest.raises(TransferError, match="FTP server replied: 550 "):
        await upload(_ftp_url(ftp, "/no/such/folder/"), b"x", "a.log", timeout=WAIT)
    with pytest.raises(TransferError, match="the URL names no file"):
        await download(_ftp_url(ftp, "/firmware/"), timeout=WAIT)


# -- what goes wrong anywhere ---------------------------------------------------------
@pytest.mark.parametrize("scheme", ["http", "https", "ftp"])
async def test_connection_refused(scheme: str) -> None:
    url = f"{scheme}://127.0.0.1:{_closed_port()}/a.bin"
    with pytest.raises(TransferError) as raised:
        await download(url, timeout=WAIT)
    assert str(raised.value) == f"download {url} failed: connection refused"


@pytest.mark.parametrize("scheme", ["http", "ftp"])
async def test_timeout_is_a_transfer_error_in_time(silent: _Silent, scheme: str) -> None:
    url = f"{scheme}://127.0.0.1:{silent.port}/a.bin"
    started = time.monotonic()
    with pytest.raises(TransferError) as raised:
        await download(url, timeout=0.3)
    assert time.monotonic() - started < 2.0
    assert str(raised.value) == f"download {url} failed: timed out after 0.3 s"
    with pytest.raises(TransferError, match=r"failed: timed out after 0\.3 s$"):
        await upload(url + "/", b"x", "a.log", timeout=0.3)


async def test_cancelling_wakes_the_worker(silent: _Silent) -> None:
    task = asyncio.create_task(download(f"http://127.0.0.1:{silent.port}/a.bin", timeout=30))
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # The worker's socket is shut down: the server sees it close well before the timeout.
    assert await asyncio.to_thread(silent.peer_closed.wait, WAIT)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("gopher://127.0.0.1/a", "unsupported scheme 'gopher'; use http, https or ftp"),
        ("file:///etc/hosts", "unsupported scheme 'file'"),
        ("127.0.0.1/a.bin", "unsupported scheme ''"),
        ("http:///a.bin", "the URL names no host"),
        ("http://127.0.0.1:99999/a", "invalid URL"),
    ],
)
async def test_bad_urls(url: str, message: str) -> None:
    with pytest.raises(TransferError, match=f"^download {url} failed: .*{message}"):
        await download(url, timeout=WAIT)
    with pytest.raises(TransferError, match=f"^upload {url} failed: .*{message}"):
        await upload(url, b"x", "a.log", timeout=WAIT)


@pytest.mark.parametrize("name", ["", "..", "a/b.log", "a\r\nDELE x"])
async def test_bad_file_names(web: _FileServer, name: str) -> None:
    with pytest.raises(TransferError, match="invalid file name"):
        await upload(f"{web.url}/up/", b"x", name, timeout=WAIT)
    assert web.uploads == {}


async def test_timeout_must_be_positive() -> None:
    with pytest.raises(ValueError, match="timeout must be a positive"):
        await download("http://127.0.0.1/a", timeout=0)
