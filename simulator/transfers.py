"""The charge point's file transfers: firmware downloads and diagnostics uploads.

Used for UpdateFirmware (OCPP 1.6 §5.19) and GetDiagnostics (§5.9); there is no OCPP in this
module, and no retries either (the caller retries, as ``retries``/``retryInterval`` say).

Schemes:

* ``http`` and ``https`` (stdlib ``http.client``). A download is a ``GET`` that must answer
  200 (up to :data:`MAX_REDIRECTS` redirects are followed). An upload is a ``PUT`` of the raw
  bytes, to ``<url><filename>`` when the URL's path ends with ``/`` (a folder, such as
  ``http://csms:9001/files/diagnostics/``), else to the URL itself (a complete target, such as
  a pre-signed URL); 200, 201 and 204 count as success. ``https`` verifies the server's
  certificate against ``ca_file`` when given, else against the system's CAs.
* ``ftp`` (stdlib ``ftplib``, passive mode, binary): ``ftp://user:password@host:port/path``,
  anonymous when the URL has no user. As in RFC 1738 the path is taken relative to the login
  folder (``ftp://h/firmware/a.bin`` is ``RETR firmware/a.bin``). A download RETRs the path;
  an upload changes to the folder the URL's path names (if any) and STORs ``filename`` there.

``timeout`` bounds the transfer as a whole: every network wait is given what is left of it
and the deadline is checked between blocks. The blocking work runs in a worker thread
(:func:`asyncio.to_thread`); cancelling the awaiting task shuts the transfer's sockets down,
so the worker ends promptly (a connection attempt in progress runs to its own timeout). Every failure raises :class:`TransferError`, whose message names the URL (with
any password hidden) and what failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import ftplib
import http.client
import io
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar
from urllib.parse import SplitResult, quote, unquote, urljoin, urlsplit

from simulator.errors import HarnessError

T = TypeVar("T")

SCHEMES = ("http", "https", "ftp")
MAX_DOWNLOAD_BYTES = 256 * 1024 * 1024
MAX_REDIRECTS = 5
UPLOAD_ACCEPTED = frozenset({200, 201, 204})
BLOCK_SIZE = 64 * 1024
USER_AGENT = "ocpp16-pretest-charge-point"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_ERROR_BODY_CHARS = 200


class TransferError(HarnessError):
    """A download or upload failed; the message names the URL and the cause."""


async def download(url: str, *, timeout: float, ca_file: str | None = None) -> bytes:
    """The content at ``url`` (``http``, ``https`` or ``ftp``). Raises TransferError."""
    job = _Job.begin("download", url, timeout)
    parts = _parse(url, job)
    if parts.scheme == "ftp":
        return await _in_thread(lambda: _ftp_download(parts, job), job)
    return await _in_thread(lambda: _http_download(url, job, ca_file), job)


async def upload(
    url: str, data: bytes, filename: str, *, timeout: float, ca_file: str | None = None
) -> None:
    """Store ``data`` as ``filename`` at ``url`` (see the module doc). Raises TransferError."""
    job = _Job.begin("upload", url, timeout)
    parts = _parse(url, job)
    _check_filename(filename, job)
    if parts.scheme == "ftp":
        await _in_thread(lambda: _ftp_upload(parts, data, filename, job), job)
        return
    if parts.path.endswith("/"):
        target = parts._replace(path=parts.path + quote(filename, safe=""), fragment="")
        url = target.geturl()
    await _in_thread(lambda: _http_upload(url, data, job, ca_file), job)


# -- common ---------------------------------------------------------------------------
@dataclass
class _Job:
    action: str
    shown_url: str  # the URL as messages show it: no password
    timeout: float
    deadline: float
    cancelled: threading.Event = field(default_factory=threading.Event)
    _sockets: list[socket.socket] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def begin(cls, action: str, url: str, timeout: float) -> _Job:
        if not timeout > 0:
            raise ValueError(f"timeout must be a positive number of seconds, not {timeout}")
        return cls(action, _hide_password(url), timeout, time.monotonic() + timeout)

    def fail(self, what: str) -> TransferError:
        return TransferError(f"{self.action} {self.shown_url} failed: {what}")

    def remaining(self) -> float:
        """Seconds left; raises TransferError when none are, or the transfer was cancelled."""
        if self.cancelled.is_set():
            raise self.fail("cancelled")
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise self.timed_out()
        return left

    def timed_out(self) -> TransferError:
        return self.fail(f"timed out after {self.timeout:g} s")

    def track(self, sock: socket.socket | None) -> None:
        """Shut ``sock`` down when the transfer is cancelled (worker thread)."""
        if sock is None:
            return
        with self._lock:
            self._sockets.append(sock)
            cancelled = self.cancelled.is_set()
        if cancelled:
            _shut_down(sock)

    def cancel(self) -> None:
        """Make the worker give up: wake it from any network wait (event loop thread)."""
        with self._lock:
            self.cancelled.set()
            sockets = list(self._sockets)
        for sock in sockets:
            _shut_down(sock)


def _shut_down(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def _hide_password(url: str) -> str:
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return url
    if password is None:
        return url
    userinfo, _, host = parts.netloc.rpartition("@")
    user = userinfo.partition(":")[0]
    return parts._replace(netloc=f"{user}:***@{host}").geturl()


def _parse(url: str, job: _Job) -> SplitResult:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- validates the port
    except ValueError as error:
        raise job.fail(f"invalid URL: {error}") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise job.fail(f"unsupported scheme {parts.scheme!r}; use http, https or ftp")
    if not parts.hostname:
        raise job.fail("the URL names no host")
    return parts._replace(scheme=scheme)


def _check_filename(filename: str, job: _Job) -> None:
    bad = not filename or filename in (".", "..") or any(c in filename for c in "/\\\r\n\0")
    if bad:
        raise job.fail(f"invalid file name {filename!r}")


async def _in_thread(work: Callable[[], T], job: _Job) -> T:
    try:
        return await asyncio.to_thread(_translate_errors, work, job)
    except asyncio.CancelledError:
        job.cancel()
        raise


def _translate_errors(work: Callable[[], T], job: _Job) -> T:
    """Run ``work``; whatever it raises comes out as one TransferError."""
    try:
        return work()
    except TransferError:
        raise
    except ssl.SSLCertVerificationError as error:
        reason = error.verify_message or error.reason or str(error)
        raise job.fail(f"TLS certificate verification failed: {reason}") from error
    except ssl.SSLError as error:
        raise job.fail(f"TLS error: {error.reason or error}") from error
    except ConnectionRefusedError as error:
        raise job.fail("connection refused") from error
    except TimeoutError as error:
        raise job.timed_out() from error
    except socket.gaierror as error:
        raise job.fail(f"cannot resolve the host: {error.strerror or error}") from error
    except ftplib.Error as error:
        raise job.fail(f"FTP server replied: {str(error).strip()}") from error
    except EOFError as error:
        raise job.fail("the FTP server closed the connection") from error
    except http.client.HTTPException as error:
        raise job.fail(f"bad HTTP response: {error!r}") from error
    except OSError as error:
        raise job.fail(f"network error: {error.strerror or error}") from error


# -- http and https -------------------------------------------------------------------
def _tls_context(ca_file: str | None, job: _Job) -> ssl.SSLContext:
    try:
        return ssl.create_default_context(cafile=ca_file)
    except OSError as error:  # ssl.SSLError is an OSError too
        raise job.fail(f"cannot load the CA file {ca_file}: {error}") from error


class _HttpExchange:
    """One HTTP request on its own connection, each wait bounded by the job's deadline."""

    def __init__(self, parts: SplitResult, job: _Job, ca_file: str | None) -> None:
        self.job = job
        host, port = parts.hostname or "", parts.port
        self.connection: http.client.HTTPConnection
        if parts.scheme == "https":
            context = _tls_context(ca_file, job)
            self.connection = http.client.HTTPSConnection(
                host, port, timeout=job.remaining(), context=context
            )
        else:
            self.connection = http.client.HTTPConnection(host, port, timeout=job.remaining())
        self.target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.sock: socket.socket | None = None

    def __enter__(self) -> _HttpExchange:
        return self

    def __exit__(self, *_: object) -> None:
        self.connection.close()

    def bound_wait(self) -> None:
        """The next network wait gets what is left of the deadline."""
        left = self.job.remaining()
        if self.sock is not None:
            with contextlib.suppress(OSError):
                self.sock.settimeout(left)

    def send(self, method: str, body: bytes | None = None) -> http.client.HTTPResponse:
        self.connection.connect()
        # getresponse() may hand the socket over to the response; keep it for the timeouts.
        self.sock = self.connection.sock
        self.job.track(self.sock)
        self.bound_wait()
        headers = {"User-Agent": USER_AGENT}
        if body is not None:
            headers["Content-Type"] = "application/octet-stream"
        self.connection.request(method, self.target, body=body, headers=headers)
        self.bound_wait()
        return self.connection.getresponse()

    def read(self, response: http.client.HTTPResponse, limit: int) -> bytes:
        length = response.getheader("Content-Length")
        if length is not None and length.isdigit() and int(length) > limit:
            raise self.job.fail(f"the content ({length} bytes) exceeds {limit} bytes")
        chunks: list[bytes] = []
        total = 0
        while True:
            self.bound_wait()
            chunk = response.read(BLOCK_SIZE)
            if not chunk:
                return b"".join(chunks)
            total += len(chunk)
            if total > limit:
                raise self.job.fail(f"the content exceeds {limit} bytes")
            chunks.append(chunk)


def _http_download(url: str, job: _Job, ca_file: str | None) -> bytes:
    for _ in range(MAX_REDIRECTS + 1):
        parts = _parse(url, job)
        if parts.scheme == "ftp":
            raise job.fail(f"redirected to {_hide_password(url)}, which is not http(s)")
        with _HttpExchange(parts, job, ca_file) as exchange:
            response = exchange.send("GET")
            location = response.getheader("Location")
            if response.status in _REDIRECTS and location:
                url = urljoin(url, location)
                continue
            if response.status != 200:
                where = "" if url == job.shown_url else f" (at {_hide_password(url)})"
                raise job.fail(f"HTTP {response.status} {response.reason}{where}")
            return exchange.read(response, MAX_DOWNLOAD_BYTES)
    raise job.fail(f"more than {MAX_REDIRECTS} redirects")


def _http_upload(url: str, data: bytes, job: _Job, ca_file: str | None) -> None:
    with _HttpExchange(urlsplit(url), job, ca_file) as exchange:
        response = exchange.send("PUT", data)
        try:
            answer = exchange.read(response, 64 * 1024)
        except TransferError:
            answer = b""
        if response.status not in UPLOAD_ACCEPTED:
            text = " ".join(answer[:_ERROR_BODY_CHARS].decode("utf-8", "replace").split())
            detail = f": {text}" if text else ""
            shown = "" if _hide_password(url) == job.shown_url else f" (at {_hide_password(url)})"
            raise job.fail(f"HTTP {response.status} {response.reason}{shown}{detail}")


# -- ftp ------------------------------------------------------------------------------
def _ftp_path(parts: SplitResult, job: _Job) -> str:
    path = unquote(parts.path).lstrip("/")
    path = path.split(";type=")[0]  # RFC 1738 typecode: always binary here
    if any(c in path for c in "\r\n\0"):
        raise job.fail("the path holds a line break or NUL")
    return path


def _bound_ftp_wait(ftp: ftplib.FTP, job: _Job) -> None:
    """The next control wait and any new data connection get what is left of the deadline."""
    left = job.remaining()
    ftp.timeout = left
    if ftp.sock is not None:
        ftp.sock.settimeout(left)


class _TrackedFtp(ftplib.FTP):
    """ftplib's client with its data connections known to the job (to cancel them)."""

    def __init__(self, job: _Job) -> None:
        super().__init__()
        self._job = job

    def ntransfercmd(
        self, cmd: str, rest: int | str | None = None
    ) -> tuple[socket.socket, int | None]:
        connection, size = super().ntransfercmd(cmd, rest)
        self._job.track(connection)
        return connection, size


def _ftp_login(parts: SplitResult, job: _Job) -> ftplib.FTP:
    ftp = _TrackedFtp(job)
    try:
        ftp.connect(parts.hostname or "", parts.port or 21, timeout=job.remaining())
        job.track(ftp.sock)
        if parts.username:
            user, password = unquote(parts.username), unquote(parts.password or "")
        else:
            user, password = "anonymous", "anonymous@"
        _bound_ftp_wait(ftp, job)
        ftp.login(user, password)
    except BaseException:
        ftp.close()
        raise
    return ftp


def _ftp_quit(ftp: ftplib.FTP, job: _Job) -> None:
    try:
        _bound_ftp_wait(ftp, job)
        ftp.quit()
    except (TransferError, ftplib.Error, OSError, EOFError):
        pass  # the transfer itself has succeeded
    finally:
        ftp.close()


def _ftp_download(parts: SplitResult, job: _Job) -> bytes:
    path = _ftp_path(parts, job)
    if not path or path.endswith("/"):
        raise job.fail("the URL names no file")
    chunks: list[bytes] = []
    total = 0

    def receive(block: bytes) -> None:
        nonlocal total
        job.remaining()
        total += len(block)
        if total > MAX_DOWNLOAD_BYTES:
            raise job.fail(f"the content exceeds {MAX_DOWNLOAD_BYTES} bytes")
        chunks.append(block)

    ftp = _ftp_login(parts, job)
    try:
        _bound_ftp_wait(ftp, job)
        ftp.retrbinary(f"RETR {path}", receive, blocksize=BLOCK_SIZE)
    except BaseException:
        ftp.close()
        raise
    _ftp_quit(ftp, job)
    return b"".join(chunks)


def _ftp_upload(parts: SplitResult, data: bytes, filename: str, job: _Job) -> None:
    folder = _ftp_path(parts, job).rstrip("/")
    ftp = _ftp_login(parts, job)
    try:
        if folder:
            _bound_ftp_wait(ftp, job)
            ftp.cwd(folder)
        _bound_ftp_wait(ftp, job)
        ftp.storbinary(
            f"STOR {filename}",
            io.BytesIO(data),
            blocksize=BLOCK_SIZE,
            callback=lambda _: job.remaining(),
        )
    except BaseException:
        ftp.close()
        raise
    _ftp_quit(ftp, job)
