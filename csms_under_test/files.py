"""Firmware downloads and diagnostics uploads (OCPP 1.6 §3.7, §5.9 GetDiagnostics, §5.19
UpdateFirmware): the files a charge point fetches and sends back, over HTTP and FTP.

One folder (by default the database file's) holds ``firmware/``, served read-only, and
``diagnostics/``, where uploads are stored. At start the firmware folder gets a small demo
image, :data:`DEMO_FIRMWARE_NAME`, and the image signed firmware updates fetch,
:data:`SIGNED_FIRMWARE_NAME`, if it has none.

HTTP, on the operator API's server (``FILES_PATH`` = ``/files``):

* ``GET``/``HEAD /files/firmware/<name>``: the file's bytes (``application/octet-stream``).
* ``PUT``/``POST /files/diagnostics/<name>``: the raw body is stored as ``<name>`` (201 and
  the stored file as JSON); 411 without a Content-Length, 413 beyond a limit (below), 409
  when ``<name>`` exists and is not a regular file.
* ``GET /api/diagnostics``: ``{"diagnostics": [{"name", "size", "sha256", "received"}]}``,
  by name; ``received`` is the file's modification time as OCPP writes times.

Names are ``[A-Za-z0-9._-]{1,255}`` and do not start with ``.`` (400 otherwise). Errors are
JSON ``{"error": ...}`` like the rest of the operator API.

FTP (pyftpdlib, on its own port, in a daemon thread): the root folder shows ``/firmware``
and ``/diagnostics`` only. User ``csms``/``csms`` may read firmware and list, read and store
(STOR; no APPE, STOU, REST before STOR, DELE, RNFR or MKD) diagnostics; anonymous may read
firmware only. An upload beyond a limit is aborted with 552 and, like any incomplete
upload, deleted; a STOR over a name that is not a regular file is 550.

Only regular files are served, listed or replaced: a name that is a symlink (wherever it
points), a FIFO, a device, a socket or a directory is missing for a download (404, 550)
and refused for an upload. A file is opened with ``O_NOFOLLOW`` relative to its folder
(itself opened with ``O_NOFOLLOW``) and checked with ``fstat``, so a symlink put in place
between a check and the open is not followed either. An upload is written to a temporary file in the
diagnostics folder (``.upload-<hex>``) and renamed over ``<name>`` when complete: nothing is
ever written through an existing file.

Limits (:class:`FileArea` arguments): one upload may hold ``max_upload_bytes`` (default
:data:`MAX_UPLOAD_BYTES`, 10 MiB), and the diagnostics folder's regular files, uploads in
progress included, ``max_diagnostics_bytes`` (default :data:`MAX_DIAGNOSTICS_BYTES`,
200 MiB); a file being replaced counts until its replacement is complete. An HTTP upload
reserves its Content-Length before its body is read, so one that cannot fit is refused
unread; an FTP upload counts its bytes as they arrive and is stopped at the first chunk that
would pass a limit. POSIX only (``O_NOFOLLOW``, ``dir_fd``).
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
import logging
import os
import re
import stat
import threading
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any, BinaryIO, Protocol
from urllib.parse import unquote, urlsplit

from csms_under_test.network import Waker, bound_port, listen_socket
from csms_under_test.replies import ApiReply, FileReply, error_reply, page_reply
from csms_under_test.store import ALL, Page
from csms_under_test.timestamps import ocpp_timestamp

with warnings.catch_warnings():
    # pyftpdlib imports the stdlib's asyncore and asynchat, deprecated in Python 3.11.
    warnings.simplefilter("ignore", DeprecationWarning)
    from pyftpdlib.authorizers import DummyAuthorizer  # type: ignore[import-untyped]
    from pyftpdlib.exceptions import FilesystemError  # type: ignore[import-untyped]
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
MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # default: one upload
MAX_DIAGNOSTICS_BYTES = 200 * 1024 * 1024  # default: the diagnostics folder in all
FTP_USER = "csms"
FTP_PASSWORD = "csms"
DEMO_FIRMWARE_NAME = "vcp-1.1.0.bin"
DEMO_FIRMWARE_SIZE = 4096
# The image a SignedUpdateFirmware fetches (whitepaper L01; TC_080, TC_081): its signature
# and signing certificate are made by whoever runs the CSMS (simulator.firmware_signing).
SIGNED_FIRMWARE_NAME = "vcp-1.2.0-signed.bin"

_NAME = re.compile(r"[A-Za-z0-9._-]{1,255}")
_NAME_RULE = "names are 1-255 of A-Z a-z 0-9 . _ - and do not start with '.'"
_TEMPORARY_PREFIX = ".upload-"
_CHUNK = 64 * 1024
# A folder is opened as a directory and never through a symlink; a file is opened without
# following a symlink, without blocking (a FIFO) and without becoming a controlling tty.
_FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
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


def demo_firmware(version: str = "1.1.0") -> bytes:
    """The demo firmware image: a text header, then a SHA-256 chain (same bytes every time)."""
    header = f"VCP demo firmware {version} (ocpp16-pretest); not a real image\n".encode()
    blocks = [header]
    digest = hashlib.sha256(header).digest()
    size = len(header)
    while size < DEMO_FIRMWARE_SIZE:
        blocks.append(digest)
        size += len(digest)
        digest = hashlib.sha256(digest).digest()
    return b"".join(blocks)[:DEMO_FIRMWARE_SIZE]


def signed_demo_firmware() -> bytes:
    """The image at :data:`SIGNED_FIRMWARE_NAME` (same bytes every time)."""
    return demo_firmware("1.2.0")


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


class UploadRefused(Exception):
    """An upload the file area does not store: ``status`` answers it over HTTP, ``ftp_code``
    over FTP (413/552 beyond a limit, 409/550 over a name that is not a regular file)."""

    def __init__(self, status: HTTPStatus, ftp_code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.ftp_code = ftp_code
        self.message = message


def _too_large(message: str) -> UploadRefused:
    return UploadRefused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, 552, message)


def _not_regular(name: str) -> UploadRefused:
    return UploadRefused(
        HTTPStatus.CONFLICT,
        550,
        f"{DIAGNOSTICS}/{name} exists and is not a regular file; it is not replaced",
    )


class _Body(Protocol):
    """An HTTP request's body (csms_under_test.http_server.Body): it raises its own errors
    (408, 400) when it stops arriving or is cut short."""

    async def chunk(self, size: int, /) -> bytes: ...


def is_files_target(target: str) -> bool:
    """Whether an HTTP request target is one of the file endpoints (under ``/files``)."""
    path = urlsplit(target).path
    return path == FILES_PATH or path.startswith(FILES_PATH + "/")


# -- safe file operations ------------------------------------------------------------
@contextmanager
def _folder(path: Path | str) -> Iterator[int]:
    """A descriptor of the directory ``path``, never opened through a symlink."""
    folder_fd = os.open(path, _FOLDER_FLAGS)
    try:
        yield folder_fd
    finally:
        os.close(folder_fd)


def _entry(folder_fd: int, name: str) -> os.stat_result | None:
    """The folder's entry ``name`` itself (a symlink is not followed); None if there is none."""
    try:
        return os.stat(name, dir_fd=folder_fd, follow_symlinks=False)
    except FileNotFoundError:
        return None


def _open_regular(folder_fd: int, name: str) -> int | None:
    """A read descriptor of the regular file ``name`` in the folder; None when there is no
    such entry or it is anything else: a symlink (wherever it points), a FIFO, a device, a
    socket or a directory."""
    try:
        entry = _entry(folder_fd, name)
    except OSError:
        return None
    if entry is None or not stat.S_ISREG(entry.st_mode):
        return None  # not even opened: opening a device or a FIFO can have effects
    try:
        fd = os.open(name, _READ_FLAGS, dir_fd=folder_fd)
    except OSError:
        return None  # ELOOP: a symlink now; ENXIO: a socket; gone; not readable
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)  # replaced by a FIFO or a device since the check
        return None
    return fd


def _write_new(folder: Path, name: str, data: bytes) -> None:
    """Write ``name`` in ``folder``: a new temporary file, renamed over ``name``."""
    temporary = f"{_TEMPORARY_PREFIX}{uuid.uuid4().hex}"
    with _folder(folder) as folder_fd:
        fd = os.open(temporary, _CREATE_FLAGS, 0o644, dir_fd=folder_fd)
        try:
            with open(fd, "wb") as file:
                file.write(data)
            os.replace(temporary, name, src_dir_fd=folder_fd, dst_dir_fd=folder_fd)
        finally:
            with suppress(FileNotFoundError):
                os.unlink(temporary, dir_fd=folder_fd)


def _byte_limit(label: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{label} must be a positive number of bytes, not {value!r}")
    return value


class FileArea:
    """The firmware and diagnostics folders and the limits of uploads (see the module doc).
    Thread-safe: the operator API's file I/O (in worker threads) and the FTP thread share one."""

    def __init__(
        self,
        root: Path,
        *,
        max_upload_bytes: int = MAX_UPLOAD_BYTES,
        max_diagnostics_bytes: int = MAX_DIAGNOSTICS_BYTES,
    ) -> None:
        self.root = Path(root).resolve()
        self.firmware_dir = self.root / FIRMWARE
        self.diagnostics_dir = self.root / DIAGNOSTICS
        self._max_upload_bytes = _byte_limit("max_upload_bytes", max_upload_bytes)
        self._max_diagnostics_bytes = _byte_limit("max_diagnostics_bytes", max_diagnostics_bytes)
        self._lock = threading.Lock()
        # The diagnostics folder's regular files but the uploads in progress (counted anew
        # when an upload begins, kept up to date as uploads complete), and the bytes the
        # uploads in progress have reserved; their temporary files' names.
        self._stored_bytes = 0
        self._reserved_bytes = 0
        self._in_progress: set[str] = set()

    @property
    def max_upload_bytes(self) -> int:
        """What one upload may hold."""
        return self._max_upload_bytes

    @property
    def max_diagnostics_bytes(self) -> int:
        """What the diagnostics folder may hold in all, uploads in progress included."""
        return self._max_diagnostics_bytes

    def prepare(self) -> None:
        """Create both folders (a folder must be a directory, not a symlink), remove the
        temporary files an interrupted run left, and write the demo firmware if the firmware
        folder has no file."""
        for folder in (self.firmware_dir, self.diagnostics_dir):
            if folder.is_symlink():
                raise NotADirectoryError(
                    errno.ENOTDIR, "a files folder must be a directory, not a symlink", str(folder)
                )
            folder.mkdir(parents=True, exist_ok=True)
            with _folder(folder) as folder_fd:
                for name in os.listdir(folder_fd):
                    entry = _entry(folder_fd, name)
                    if name.startswith(_TEMPORARY_PREFIX) and entry and stat.S_ISREG(entry.st_mode):
                        os.unlink(name, dir_fd=folder_fd)
        if not any(not name.startswith(".") for name in os.listdir(self.firmware_dir)):
            _write_new(self.firmware_dir, DEMO_FIRMWARE_NAME, demo_firmware())
            _write_new(self.firmware_dir, SIGNED_FIRMWARE_NAME, signed_demo_firmware())
            logger.info("demo firmware written: %s", self.firmware_dir / DEMO_FIRMWARE_NAME)

    def firmware(self, name: str) -> bytes | None:
        """The firmware file ``name``; None if the folder has no regular file of that name
        (a symlink, a FIFO, a directory... is no file here), or the name is not valid."""
        if not valid_name(name):
            return None
        try:
            with _folder(self.firmware_dir) as folder_fd:
                fd = _open_regular(folder_fd, name)
        except OSError:
            return None
        if fd is None:
            return None
        with open(fd, "rb") as file:
            return file.read()

    def diagnostics(self) -> list[StoredFile]:
        """The uploads received so far (regular files of valid names), by name."""
        stored: list[StoredFile] = []
        with _folder(self.diagnostics_dir) as folder_fd:
            for name in sorted(os.listdir(folder_fd)):
                if not valid_name(name):
                    continue  # a temporary file of an upload in progress, or not ours
                fd = _open_regular(folder_fd, name)
                if fd is None:
                    continue  # removed meanwhile, or not a regular file
                digest = hashlib.sha256()
                size = 0
                with open(fd, "rb") as file:
                    while chunk := file.read(_CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                    mtime = os.fstat(file.fileno()).st_mtime
                received = datetime.fromtimestamp(mtime, UTC)
                stored.append(StoredFile(name, size, digest.hexdigest(), received))
        return stored

    # -- uploads (HTTP worker threads and the FTP thread) --------------------------------
    def store_diagnostics(self, name: str, data: bytes) -> StoredFile:
        """Store a whole upload at once (the limits and refusals of begin_upload apply)."""
        upload = self.begin_upload(name, len(data))
        try:
            upload.write(data)
            return upload.commit()
        finally:
            upload.abort()  # nothing once committed

    def begin_upload(self, name: str, expected: int | None = None) -> Upload:
        """Start storing the diagnostics file ``name`` in a new temporary file; ``expected``
        (an announced length) is reserved at once. ValueError for an invalid name;
        UploadRefused when ``expected`` passes a limit or ``name`` exists and is not a
        regular file."""
        if not valid_name(name):
            raise ValueError(f"invalid file name {name!r}: {_NAME_RULE}")
        if expected is not None and expected > self._max_upload_bytes:
            raise _too_large(
                f"the upload ({expected} bytes) exceeds {self._max_upload_bytes} bytes"
            )
        reserve = expected or 0
        temporary = f"{_TEMPORARY_PREFIX}{uuid.uuid4().hex}"
        folder_fd = os.open(self.diagnostics_dir, _FOLDER_FLAGS)
        try:
            entry = _entry(folder_fd, name)
            if entry is not None and not stat.S_ISREG(entry.st_mode):
                raise _not_regular(name)
            with self._lock:
                self._stored_bytes = self._count_stored(folder_fd)
                self._check_room(reserve)
                self._reserved_bytes += reserve
                self._in_progress.add(temporary)
            try:
                fd = os.open(temporary, _CREATE_FLAGS, 0o644, dir_fd=folder_fd)
            except BaseException:
                self._release(temporary, reserve)
                raise
        except BaseException:
            os.close(folder_fd)
            raise
        return Upload(self, name, folder_fd, temporary, fd, reserve)

    def _count_stored(self, folder_fd: int) -> int:
        """The bytes of the folder's regular files, but the uploads in progress (locked)."""
        total = 0
        for name in os.listdir(folder_fd):
            if name in self._in_progress:
                continue
            try:
                entry = _entry(folder_fd, name)
            except OSError:
                continue
            if entry is not None and stat.S_ISREG(entry.st_mode):
                total += entry.st_size
        return total

    def _check_room(self, extra: int) -> None:
        """UploadRefused unless ``extra`` more bytes fit in the diagnostics folder (locked)."""
        used = self._stored_bytes + self._reserved_bytes
        if used + extra > self._max_diagnostics_bytes:
            raise _too_large(
                f"the diagnostics folder holds {used} of its {self._max_diagnostics_bytes} "
                f"bytes; {extra} more do not fit"
            )

    def _grow(self, upload: Upload, total: int) -> None:
        """Let ``upload`` hold ``total`` bytes, or raise UploadRefused."""
        if total > self._max_upload_bytes:
            raise _too_large(f"the upload exceeds {self._max_upload_bytes} bytes")
        extra = total - upload.reserved
        if extra <= 0:
            return
        with self._lock:
            self._check_room(extra)
            self._reserved_bytes += extra
            upload.reserved = total

    def _commit(self, upload: Upload, folder_fd: int, temporary: str) -> None:
        """Rename a complete upload's temporary file over its name, unless the name became
        something other than a regular file meanwhile (UploadRefused)."""
        with self._lock:
            entry = _entry(folder_fd, upload.name)
            if entry is not None and not stat.S_ISREG(entry.st_mode):
                raise _not_regular(upload.name)
            os.replace(temporary, upload.name, src_dir_fd=folder_fd, dst_dir_fd=folder_fd)
            replaced = 0 if entry is None else entry.st_size
            self._stored_bytes += upload.received - replaced
            self._release_locked(temporary, upload.reserved)

    def _release(self, temporary: str, reserved: int) -> None:
        with self._lock:
            self._release_locked(temporary, reserved)

    def _release_locked(self, temporary: str, reserved: int) -> None:
        self._reserved_bytes -= reserved
        self._in_progress.discard(temporary)

    # -- HTTP (the operator API's server, on the CSMS loop; file I/O in a worker thread) --
    def diagnostics_reply(self, page: Page = ALL) -> ApiReply:
        """``GET /api/diagnostics``: one page of the uploads (csms_under_test.replies)."""
        every = self.diagnostics()
        shown = [s.json() for s in page.of(every)]
        return page_reply("diagnostics", shown, offset=page.offset, total=len(every))

    async def http_request(
        self, method: str, target: str, content_length: int | None, body: _Body
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
            content = await asyncio.to_thread(self.firmware, name)
            if content is None:
                return error_reply(HTTPStatus.NOT_FOUND, f"no firmware file {name!r}")
            return FileReply(HTTPStatus.OK, content)
        return await self._upload(name, content_length, body)

    async def _upload(self, name: str, length: int | None, body: _Body) -> ApiReply:
        if length is None:
            return error_reply(HTTPStatus.LENGTH_REQUIRED, "an upload needs a Content-Length")
        try:
            upload = await asyncio.to_thread(self.begin_upload, name, length)  # body unread
        except UploadRefused as refused:
            return error_reply(refused.status, refused.message)
        try:
            remaining = length
            while remaining:
                chunk = await body.chunk(min(_CHUNK, remaining))
                if not chunk:
                    return error_reply(
                        HTTPStatus.BAD_REQUEST,
                        f"the body ended after {length - remaining} of {length} bytes",
                    )
                await asyncio.to_thread(upload.write, chunk)
                remaining -= len(chunk)
            stored = await asyncio.to_thread(upload.commit)
        except UploadRefused as refused:
            return error_reply(refused.status, refused.message)
        finally:
            await asyncio.to_thread(upload.abort)  # the temporary file removed, unless committed
        logger.info("diagnostics received over HTTP: %s (%d bytes)", name, stored.size)
        return ApiReply(HTTPStatus.CREATED, stored.json())


class Upload:
    """A diagnostics upload in progress (FileArea.begin_upload): write its bytes, then commit
    or abort it. One upload is used by one thread at a time."""

    def __init__(
        self, area: FileArea, name: str, folder_fd: int, temporary: str, fd: int, reserved: int
    ) -> None:
        self.name = name
        self.received = 0
        self.reserved = reserved  # bytes counted against the folder's limit
        self._area = area
        self._folder_fd = folder_fd
        self._temporary = temporary
        self._fd = fd
        self._digest = hashlib.sha256()
        self._finished = False

    @property
    def finished(self) -> bool:
        """Whether the upload was committed or aborted."""
        return self._finished

    def write(self, data: bytes) -> None:
        """Append ``data``; UploadRefused (nothing written) when it would pass a limit."""
        if self._finished:
            raise ValueError(f"the upload of {self.name} is finished")
        self._area._grow(self, self.received + len(data))
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view) :]
        self.received += len(data)
        self._digest.update(data)

    def commit(self) -> StoredFile:
        """Store the upload as its name; UploadRefused (and the upload aborted) when the
        name became something other than a regular file meanwhile."""
        if self._finished:
            raise ValueError(f"the upload of {self.name} is finished")
        mtime = os.fstat(self._fd).st_mtime
        os.close(self._fd)
        self._fd = -1
        try:
            self._area._commit(self, self._folder_fd, self._temporary)
        except BaseException:
            self.abort()
            raise
        self._finished = True
        os.close(self._folder_fd)
        received = datetime.fromtimestamp(mtime, UTC)
        return StoredFile(self.name, self.received, self._digest.hexdigest(), received)

    def abort(self) -> None:
        """Discard the upload: its temporary file removed, its bytes no longer counted.
        Nothing once the upload is finished."""
        if self._finished:
            return
        self._finished = True
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
        try:
            os.unlink(self._temporary, dir_fd=self._folder_fd)
        except FileNotFoundError:
            pass
        except OSError as error:
            logger.warning("cannot remove the incomplete upload %s: %s", self._temporary, error)
        finally:
            self._area._release(self._temporary, self.reserved)
            os.close(self._folder_fd)


# -- FTP ------------------------------------------------------------------------------
class _FtpUploadFile:
    """The file object pyftpdlib writes an FTP upload to: an Upload, committed by the data
    channel when the transfer is complete (_AreaDtp.close) and aborted on any close before."""

    def __init__(self, upload: Upload, path: str) -> None:
        self.upload = upload
        self.name = path  # what pyftpdlib logs and hands to on_file_received

    @property
    def closed(self) -> bool:
        return self.upload.finished

    def write(self, data: bytes) -> int:
        self.upload.write(data)  # UploadRefused is not an OSError: _AreaDtp answers it
        return len(data)

    def close(self) -> None:
        self.upload.abort()


class _AreaFilesystem(AbstractedFS):  # type: ignore[misc]
    """The FTP view of a FileArea root: ``/`` holds only ``firmware`` and ``diagnostics``, and
    these only their regular files of valid names; nothing else (the database, a symlink, a
    FIFO, a subfolder) can be reached or seen."""

    def validpath(self, path: str) -> bool:
        relative = os.path.relpath(path, self.root)
        if relative == os.curdir:
            return True
        parts = relative.split(os.sep)
        if parts[0] not in (FIRMWARE, DIAGNOSTICS) or len(parts) > 2:
            return False
        try:
            if not stat.S_ISDIR(os.lstat(os.path.join(self.root, parts[0])).st_mode):
                return False
            if len(parts) == 1:
                return True
            return stat.S_ISREG(os.lstat(path).st_mode)
        except FileNotFoundError:
            return len(parts) == 2  # a file to be stored
        except OSError:
            return False

    def open(self, filename: str, mode: str) -> BinaryIO | _FtpUploadFile:
        area: FileArea = self.cmd_channel.area
        folder, name = os.path.split(filename)
        if mode == "rb" and folder in (str(area.firmware_dir), str(area.diagnostics_dir)):
            fd: int | None = None
            if valid_name(name):
                try:
                    with _folder(folder) as folder_fd:
                        fd = _open_regular(folder_fd, name)
                except OSError:
                    fd = None
            if fd is None:
                raise FilesystemError(f"{self.fs2ftp(filename)} is not a file that can be sent")
            opened = fd
            return open(filename, "rb", opener=lambda _path, _flags: opened)
        if mode == "wb" and folder == str(area.diagnostics_dir):
            try:
                upload = area.begin_upload(name)
            except UploadRefused as refused:
                raise FilesystemError(refused.message) from None
            except (ValueError, OSError) as error:
                raise FilesystemError(str(error)) from None
            return _FtpUploadFile(upload, filename)
        raise FilesystemError("only whole files are sent and stored (no REST before STOR)")

    def listdir(self, path: str) -> list[str]:
        return self._visible(path, super().listdir(path))

    def listdirinfo(self, path: str) -> list[str]:
        return self._visible(path, super().listdirinfo(path))

    def _visible(self, path: str, names: list[str]) -> list[str]:
        if os.path.normpath(path) == os.path.normpath(self.root):
            wanted = [name for name in names if name in (FIRMWARE, DIAGNOSTICS)]
            return sorted(name for name in wanted if self.validpath(os.path.join(path, name)))
        return sorted(
            name for name in names if valid_name(name) and self.validpath(os.path.join(path, name))
        )


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


class _AreaDtp(DTPHandler):  # type: ignore[misc]
    """A data channel that stops an upload at the first chunk that would pass a limit (552,
    RFC 959), and stores a complete one (or answers why it cannot)."""

    timeout = FTP_IDLE_TIMEOUT

    def handle_read(self) -> None:
        try:
            super().handle_read()
        except UploadRefused as refused:
            self.transfer_finished = False
            self._resp = (
                f"{refused.ftp_code} {refused.message}; transfer aborted.",
                logger.warning,
            )
            self.close()

    handle_read_event = handle_read

    def close(self) -> None:
        file = self.file_obj
        if (
            not self._closed
            and self.receive
            and self.transfer_finished
            and isinstance(file, _FtpUploadFile)
            and not file.closed
        ):
            try:
                stored = file.upload.commit()
            except UploadRefused as refused:
                self.transfer_finished = False
                self._resp = (f"{refused.ftp_code} {refused.message}.", logger.warning)
            except OSError as error:
                self.transfer_finished = False
                self._resp = (f"451 The upload was not stored: {error.strerror}.", logger.warning)
            else:
                logger.info(
                    "diagnostics received over FTP: %s (%d bytes)", stored.name, stored.size
                )
        super().close()  # closing an unfinished upload's file aborts it


class _AreaFtpHandler(FTPHandler):  # type: ignore[misc]
    abstracted_fs = _AreaFilesystem
    dtp_handler = _AreaDtp
    banner = "reference CSMS FTP server ready."
    timeout = FTP_IDLE_TIMEOUT
    auth_failed_timeout = FTP_AUTH_FAILED_DELAY
    area: FileArea  # set on the class FtpServer.start makes

    def ftp_STOR(self, file: str, mode: str = "w") -> str | None:
        if not valid_name(os.path.basename(file)):
            self.respond(f"553 File name not allowed: {_NAME_RULE}.")
            return None
        self._drop_queued_upload()
        stored: str | None = super().ftp_STOR(file, mode)
        return stored

    def flush_account(self) -> None:
        self._drop_queued_upload()
        super().flush_account()

    def _drop_queued_upload(self) -> None:
        """Abort an upload still waiting for its data connection: pyftpdlib forgets it
        without closing its file when another STOR or a new login replaces it."""
        queued = getattr(self, "_in_dtp_queue", None)
        if queued is not None and isinstance(queued[0], _FtpUploadFile):
            queued[0].close()
            self._in_dtp_queue = None

    def ftp_STOU(self, line: str) -> None:
        self.respond("502 STOU is not implemented; use STOR with a name.")

    def on_incomplete_file_received(self, file: str) -> None:
        # The upload's temporary file is gone already (_FtpUploadFile.close); an existing
        # file of that name is untouched.
        logger.info("incomplete FTP upload discarded: %s", os.path.basename(file))


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
        handler = type(
            "CsmsFtpHandler",
            (_AreaFtpHandler,),
            {"authorizer": _AreaAuthorizer(root), "area": self._area},
        )
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
