"""Firmware downloads and diagnostics uploads (OCPP 1.6 §3.7, §5.9 GetDiagnostics, §5.19
UpdateFirmware): the files a charge point fetches and sends back, over HTTP and FTP.

One folder (by default the database file's) holds ``firmware/``, served read-only, and
``diagnostics/``, where uploads are stored. At start the firmware folder gets a small demo
image, :data:`DEMO_FIRMWARE_NAME`, if it has none.

HTTP, on the operator API's server (``FILES_PATH`` = ``/files``):

* ``GET``/``HEAD /files/firmware/<name>``: the file's bytes (``application/octet-stream``).
* ``PUT``/``POST /files/diagnostics/<name>``: the raw body is stored as ``<name>`` (201 and
  the stored file as JSON); at most :data:`MAX_UPLOAD_BYTES` (413 beyond, 411 without a
  Content-Length).
* ``GET /api/diagnostics``: ``{"diagnostics": [{"name", "size", "sha256", "received"}]}``,
  by name; ``received`` is the file's modification time as OCPP writes times.

Names are ``[A-Za-z0-9._-]{1,255}`` and do not start with ``.`` (400 otherwise). Errors are
JSON ``{"error": ...}`` like the rest of the operator API.

FTP (pyftpdlib, on its own port, in a daemon thread): the root folder shows ``/firmware``
and ``/diagnostics`` only. User ``csms``/``csms`` may read firmware and list, read and store
(STOR; no APPE, DELE, RNFR or MKD) diagnostics; anonymous may read firmware only. An FTP
upload beyond MAX_UPLOAD_BYTES is aborted with 552 and, like any incomplete upload, deleted.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
import uuid
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from csms_under_test.network import Waker, bound_port, listen_socket
from csms_under_test.operator_service import ApiReply, error_reply
from csms_under_test.timestamps import ocpp_timestamp

with warnings.catch_warnings():
    # pyftpdlib imports the stdlib's asyncore and asynchat, deprecated in Python 3.11.
    warnings.simplefilter("ignore", DeprecationWarning)
    from pyftpdlib.authorizers import DummyAuthorizer  # type: ignore[import-untyped]
    from pyftpdlib.filesystems import AbstractedFS  # type: ignore[import-untyped]
    from pyftpdlib.handlers import DTPHandler, FTPHandler  # type: ignore[import-untyped]
    from pyftpdlib.ioloop import IOLoop  # type: ignore[import-untyped]
    from pyftpdlib.servers import FTPServer  # type: ignore[import-untyped]

logger = logging.getLogger(__name__)

# pyftpdlib configures logging itself on first use unless its logger has a handler; leave
# that to the application (records still propagate to the root logger).
_ftp_logger = logging.getLogger("pyftpdlib")
if not _ftp_logger.handlers:
    _ftp_logger.addHandler(logging.NullHandler())

FILES_PATH = "/files"
FIRMWARE = "firmware"
DIAGNOSTICS = "diagnostics"
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
FTP_USER = "csms"
FTP_PASSWORD = "csms"
DEMO_FIRMWARE_NAME = "vcp-1.1.0.bin"
DEMO_FIRMWARE_SIZE = 4096

_NAME = re.compile(r"[A-Za-z0-9._-]{1,255}")
_NAME_RULE = "names are 1-255 of A-Z a-z 0-9 . _ - and do not start with '.'"
# Seconds the FTP thread sleeps at most between runs of pyftpdlib's scheduler (idle
# timeouts); a stop wakes it at once (network.Waker).
FTP_SCHEDULER_TICK = 1.0
FTP_STOP_TIMEOUT = 5.0
# Idle seconds before pyftpdlib drops a control or a stalled data connection.
FTP_IDLE_TIMEOUT = 60
# Seconds before a failed login is answered (pyftpdlib's default, 3 s, outlasts clients'
# timeouts in tests; this is a test CSMS on loopback, not a guard against brute force).
FTP_AUTH_FAILED_DELAY = 0.2


def valid_name(name: str) -> bool:
    """Whether ``name`` may be a firmware or diagnostics file name (no path, not hidden)."""
    return _NAME.fullmatch(name) is not None and not name.startswith(".")


def demo_firmware() -> bytes:
    """The demo firmware image: a text header, then a SHA-256 chain (same bytes every time)."""
    header = b"VCP demo firmware 1.1.0 (ocpp16-pretest); not a real image\n"
    blocks = [header]
    digest = hashlib.sha256(header).digest()
    size = len(header)
    while size < DEMO_FIRMWARE_SIZE:
        blocks.append(digest)
        size += len(digest)
        digest = hashlib.sha256(digest).digest()
    return b"".join(blocks)[:DEMO_FIRMWARE_SIZE]


@dataclass(frozen=True)
class StoredFile:
    name: str
    size: int
    sha256: str
    received: datetime

    def json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "size": self.size,
            "sha256": self.sha256,
            "received": ocpp_timestamp(self.received),
        }


@dataclass(frozen=True)
class FileReply:
    """A non-JSON reply of the HTTP server: raw bytes."""

    status: int
    content: bytes
    content_type: str = "application/octet-stream"
    headers: dict[str, str] = field(default_factory=dict)


class _Body(Protocol):
    """Where an upload's body is read from (the request handler's ``rfile``)."""

    def read(self, size: int, /) -> bytes: ...


def is_files_target(target: str) -> bool:
    """Whether an HTTP request target is one of the file endpoints (under ``/files``)."""
    path = urlsplit(target).path
    return path == FILES_PATH or path.startswith(FILES_PATH + "/")


class FileArea:
    """The firmware and diagnostics folders. Thread-safe: plain file operations only."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self.firmware_dir = self.root / FIRMWARE
        self.diagnostics_dir = self.root / DIAGNOSTICS

    def prepare(self) -> None:
        """Create both folders, and the demo firmware if the firmware folder has no file."""
        self.firmware_dir.mkdir(parents=True, exist_ok=True)
        self.diagnostics_dir.mkdir(parents=True, exist_ok=True)
        if not any(not entry.name.startswith(".") for entry in self.firmware_dir.iterdir()):
            self._write_atomically(self.firmware_dir, DEMO_FIRMWARE_NAME, demo_firmware())
            logger.info("demo firmware written: %s", self.firmware_dir / DEMO_FIRMWARE_NAME)

    def firmware(self, name: str) -> bytes | None:
        """The firmware file ``name``; None if there is none (or the name is not valid)."""
        if not valid_name(name):
            return None
        try:
            return (self.firmware_dir / name).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None

    def store_diagnostics(self, name: str, data: bytes) -> StoredFile:
        if not valid_name(name):
            raise ValueError(f"invalid file name {name!r}: {_NAME_RULE}")
        path = self._write_atomically(self.diagnostics_dir, name, data)
        return StoredFile(
            name,
            len(data),
            hashlib.sha256(data).hexdigest(),
            datetime.fromtimestamp(path.stat().st_mtime, UTC),
        )

    def diagnostics(self) -> list[StoredFile]:
        """The uploads received so far, by name."""
        stored: list[StoredFile] = []
        for path in sorted(self.diagnostics_dir.iterdir()):
            if not valid_name(path.name):
                continue  # a temporary file of an upload in progress, or not ours
            try:
                if not path.is_file():
                    continue
                data = path.read_bytes()
                mtime = path.stat().st_mtime
            except FileNotFoundError:
                continue  # removed meanwhile
            digest = hashlib.sha256(data).hexdigest()
            stored.append(
                StoredFile(path.name, len(data), digest, datetime.fromtimestamp(mtime, UTC))
            )
        return stored

    @staticmethod
    def _write_atomically(folder: Path, name: str, data: bytes) -> Path:
        temporary = folder / f".upload-{uuid.uuid4().hex}"
        try:
            temporary.write_bytes(data)
            return temporary.replace(folder / name)
        finally:
            temporary.unlink(missing_ok=True)

    # -- HTTP (called on the operator API's request threads) ------------------------
    def diagnostics_reply(self) -> ApiReply:
        return ApiReply(HTTPStatus.OK, {"diagnostics": [s.json() for s in self.diagnostics()]})

    def http_request(
        self, method: str, target: str, content_length: str | None, body: _Body
    ) -> ApiReply | FileReply:
        """Answer a request under ``/files``; ``body`` is read only for an upload."""
        path = urlsplit(target).path
        segments = [unquote(part) for part in path.split("/")[1:]]
        match segments:
            case ["files", "firmware", name]:
                allowed = ("GET", "HEAD")
            case ["files", "diagnostics", name]:
                allowed = ("PUT", "POST")
            case _:
                return error_reply(HTTPStatus.NOT_FOUND, f"no such endpoint: {path}")
        if method not in allowed:
            return ApiReply(
                HTTPStatus.METHOD_NOT_ALLOWED,
                {"error": f"{method} is not allowed on {path}; use {' or '.join(allowed)}"},
                {"Allow": ", ".join(allowed)},
            )
        if not valid_name(name):
            return error_reply(HTTPStatus.BAD_REQUEST, f"invalid file name {name!r}: {_NAME_RULE}")
        if segments[1] == FIRMWARE:
            content = self.firmware(name)
            if content is None:
                return error_reply(HTTPStatus.NOT_FOUND, f"no firmware file {name!r}")
            return FileReply(HTTPStatus.OK, content)
        return self._upload(name, content_length, body)

    def _upload(self, name: str, content_length: str | None, body: _Body) -> ApiReply:
        if content_length is None:
            return error_reply(HTTPStatus.LENGTH_REQUIRED, "an upload needs a Content-Length")
        try:
            length = int(content_length)
        except ValueError:
            length = -1
        if length < 0:
            return error_reply(HTTPStatus.BAD_REQUEST, "invalid Content-Length")
        if length > MAX_UPLOAD_BYTES:
            return error_reply(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"the upload ({length} bytes) exceeds {MAX_UPLOAD_BYTES} bytes",
            )
        try:
            data = body.read(length)
        except OSError as error:  # timeouts included
            return error_reply(HTTPStatus.BAD_REQUEST, f"the body did not arrive: {error}")
        if len(data) != length:
            return error_reply(
                HTTPStatus.BAD_REQUEST,
                f"the body ended after {len(data)} of {length} bytes",
            )
        stored = self.store_diagnostics(name, data)
        logger.info("diagnostics received over HTTP: %s (%d bytes)", name, stored.size)
        return ApiReply(HTTPStatus.CREATED, stored.json())


# -- FTP ------------------------------------------------------------------------------
class _AreaFilesystem(AbstractedFS):  # type: ignore[misc]
    """The FTP view of a FileArea root: ``/`` holds only ``firmware`` and ``diagnostics``;
    nothing else in the root folder (the database, say) can be reached or seen."""

    def validpath(self, path: str) -> bool:
        real = os.path.realpath(path)
        root = os.path.realpath(self.root)
        if real == root:
            return True
        for folder in (FIRMWARE, DIAGNOSTICS):
            base = os.path.realpath(os.path.join(root, folder))
            if real == base or real.startswith(base + os.sep):
                return True
        return False

    def listdir(self, path: str) -> list[str]:
        return self._visible(path, super().listdir(path))

    def listdirinfo(self, path: str) -> list[str]:
        return self._visible(path, super().listdirinfo(path))

    def _visible(self, path: str, names: list[str]) -> list[str]:
        if os.path.realpath(path) == os.path.realpath(self.root):
            return sorted(name for name in names if name in (FIRMWARE, DIAGNOSTICS))
        return [name for name in names if not name.startswith(".")]


class _AreaAuthorizer(DummyAuthorizer):  # type: ignore[misc]
    """Permissions by top folder: ``firmware`` readable, ``diagnostics`` writable by csms."""

    def __init__(self, root: str) -> None:
        super().__init__()
        self._root = root
        self._perms: dict[str, dict[str, str]] = {
            FTP_USER: {"": "el", FIRMWARE: "elr", DIAGNOSTICS: "elrw"},
            "anonymous": {"": "el", FIRMWARE: "elr", DIAGNOSTICS: ""},
        }
        self.add_user(FTP_USER, FTP_PASSWORD, root, perm="el")
        self.add_anonymous(root, perm="el")

    def has_perm(self, username: str, perm: str, path: str | None = None) -> bool:
        perms = self._perms.get(username)
        if perms is None:
            return False
        if path is None:
            return perm in perms[""]
        relative = os.path.relpath(os.path.normpath(path), self._root)
        top = "" if relative == os.curdir else relative.split(os.sep)[0]
        return perm in perms.get(top, "")


class _LimitedDtp(DTPHandler):  # type: ignore[misc]
    """A data channel that aborts an upload beyond MAX_UPLOAD_BYTES (552, RFC 959)."""

    timeout = FTP_IDLE_TIMEOUT

    def handle_read(self) -> None:
        super().handle_read()
        if self.receive and not self._closed and self.tot_bytes_received > MAX_UPLOAD_BYTES:
            self.transfer_finished = False
            self._resp = (
                f"552 Upload exceeds {MAX_UPLOAD_BYTES} bytes; transfer aborted.",
                logger.warning,
            )
            self.close()

    handle_read_event = handle_read


class _AreaFtpHandler(FTPHandler):  # type: ignore[misc]
    abstracted_fs = _AreaFilesystem
    dtp_handler = _LimitedDtp
    banner = "reference CSMS FTP server ready."
    timeout = FTP_IDLE_TIMEOUT
    auth_failed_timeout = FTP_AUTH_FAILED_DELAY

    def ftp_STOR(self, file: str, mode: str = "w") -> str | None:
        if not valid_name(os.path.basename(file)):
            self.respond(f"553 File name not allowed: {_NAME_RULE}.")
            return None
        stored: str | None = super().ftp_STOR(file, mode)
        return stored

    def on_file_received(self, file: str) -> None:
        logger.info(
            "diagnostics received over FTP: %s (%d bytes)",
            os.path.basename(file),
            os.path.getsize(file),
        )

    def on_incomplete_file_received(self, file: str) -> None:
        # An aborted or oversize upload is not a diagnostics file.
        try:
            os.remove(file)
        except OSError as error:
            logger.warning("cannot remove the incomplete upload %s: %s", file, error)


class _IoLoopWaker(Waker):
    """A Waker as pyftpdlib's IO loop sees a socket: it reads the wake-up and does nothing
    else; the loop closes it with the sessions (close_all)."""

    _fileno: int

    def __init__(self) -> None:
        super().__init__()
        self._fileno = self.fileno()

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return False

    def handle_read_event(self) -> None:
        self.drain()

    def handle_close(self) -> None:
        self.close()

    def handle_error(self) -> None:
        logger.exception("the FTP server's waker failed")


class FtpServer:
    """pyftpdlib on its own IO loop in a daemon thread, over a FileArea (see module doc)."""

    def __init__(self, area: FileArea, *, host: str, port: int) -> None:
        self._area = area
        self._host = host
        self._requested_port = port
        self._server: Any = None
        self._port = 0
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._waker: _IoLoopWaker | None = None

    @property
    def port(self) -> int:
        return self._port

    def start(self) -> None:
        """Listen and serve; the area's folders must exist (FileArea.prepare)."""
        root = os.path.realpath(self._area.root)
        handler = type("CsmsFtpHandler", (_AreaFtpHandler,), {"authorizer": _AreaAuthorizer(root)})
        sock = listen_socket(self._host, self._requested_port)
        try:
            self._server = FTPServer(sock, handler, ioloop=IOLoop())
        except BaseException:
            sock.close()
            raise
        self._port = bound_port(sock)
        self._waker = _IoLoopWaker()
        self._server.ioloop.register(self._waker.fileno(), self._waker, self._server.ioloop.READ)
        self._thread = threading.Thread(target=self._serve, name="csms-ftp", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        server = self._server
        try:
            timeout: float | None = FTP_SCHEDULER_TICK
            while not self._stopping.is_set():
                # One poll; it returns the time to pyftpdlib's next scheduled call.
                timeout = server.ioloop.loop(timeout, blocking=False)
                timeout = (
                    FTP_SCHEDULER_TICK if timeout is None else min(timeout, FTP_SCHEDULER_TICK)
                )
        except Exception:
            logger.exception("the FTP server failed")
        finally:
            server.close_all()  # the listening socket and every session

    def close(self) -> None:
        """Stop serving, drop every session and join the thread. Blocking; idempotent."""
        self._stopping.set()
        if self._waker is not None:
            self._waker.wake()
        if self._thread is not None:
            self._thread.join(FTP_STOP_TIMEOUT)
            if self._thread.is_alive():
                logger.warning("the FTP server did not stop within %g s", FTP_STOP_TIMEOUT)
            self._thread = None
        elif self._server is not None:
            self._server.close_all()
        self._server = None
