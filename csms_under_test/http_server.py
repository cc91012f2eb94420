"""The CSMS's HTTP server (the operator API and ``/files``) on the CSMS's own event loop.

aiohttp's low-level server (``aiohttp.web.Server``) parses HTTP/1.1 (llhttp, the parser of
Node.js) and runs each request as a task on the loop; this module adds what a server on a
network needs and aiohttp leaves to its user (issue 16, item 3):

- **connections**: at most ``max_connections`` at once; one more is answered 503 and
  closed before anything of it is read, so a flood of idle connections costs a socket each,
  never a thread;
- **header time**: a connection that has not sent a whole request head within
  ``header_timeout`` seconds of connecting (or of its last answer) is closed (aiohttp's
  keep-alive timer runs from both moments and is not reset by a byte that dribbles in);
- **body time and size**: :class:`Body` reads a body within ``body_timeout`` (a JSON body
  in all, an upload per chunk) and at most its ``limit`` (413, from the Content-Length
  before a byte of it is read);
- **answers are JSON**, aiohttp's own error answers included (a malformed request line or
  header 400, an unknown method 501, RFC 9110 §15.6.2), and a body shorter than its
  Content-Length that the client ends with a half-close still gets its 400.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from aiohttp import web
from aiohttp.abc import AbstractStreamWriter
from aiohttp.http_exceptions import BadHttpMethod
from aiohttp.http_parser import RawRequestMessage
from aiohttp.streams import StreamReader
from aiohttp.web_protocol import RequestHandler

from csms_under_test.replies import ApiReply, FileReply, error_reply

logger = logging.getLogger(__name__)

# aiohttp's parser limits (its defaults): a longer request line or header, or more headers, 400.
MAX_LINE_BYTES = 8190
MAX_HEADERS = 100
# After answering a request whose body it did not read, the server reads and drops that
# body this long before it closes, so that the client sees the answer, not a reset.
LINGER_SECONDS = 1.0


@dataclass(frozen=True)
class HttpLimits:
    """What one HTTP client may take of the server (``csms-under-test --api-*`` flags)."""

    max_connections: int = 512
    header_timeout: float = 10.0  # s to send a whole request head
    body_timeout: float = 10.0  # s to send a JSON body; an upload: s between two chunks
    max_body_bytes: int = 1 << 20  # a JSON body (uploads have FileArea's own quotas)

    def __post_init__(self) -> None:
        if self.max_connections < 1:
            raise ValueError(f"max_connections must be at least 1, not {self.max_connections}")
        for name in ("header_timeout", "body_timeout"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, not {getattr(self, name)}")
        if self.max_body_bytes < 1:
            raise ValueError(f"max_body_bytes must be at least 1, not {self.max_body_bytes}")


class HttpError(Exception):
    """Ends a request with ``status`` and the JSON error ``message`` (and the connection,
    when the body is not read to its end)."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status


Reply = ApiReply | FileReply
Serve = Callable[["Request"], Awaitable[Reply]]


@dataclass(frozen=True)
class Request:
    """What a route sees of an HTTP request: method, raw target, headers and the body."""

    method: str
    target: str  # path and query as sent (percent-encoded)
    headers: dict[str, str]  # names in Title-Case
    body: Body


class Body:
    """The request body, read at most once, within the limits."""

    def __init__(self, request: web.BaseRequest, limits: HttpLimits) -> None:
        self._request = request
        self._limits = limits
        self.complete = request.content.is_eof() or not request.body_exists

    def length(self) -> int | None:
        """The Content-Length (the parser has checked it is a number); None when absent."""
        header = self._request.headers.get("Content-Length")
        return None if header is None else int(header)

    async def read(self, limit: int | None = None) -> bytes:
        """The whole body (``limit`` or ``max_body_bytes`` at most), within ``body_timeout``."""
        limit = self._limits.max_body_bytes if limit is None else limit
        length = self.length()
        if length == 0 or (length is None and not self._request.body_exists):
            return b""
        if length is None:
            length = -1  # chunked: read to its end, at most limit + 1 bytes
        if length > limit:
            raise HttpError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"the body exceeds {limit} bytes")
        try:
            async with asyncio.timeout(self._limits.body_timeout):
                data = await self._read(length, limit)
        except TimeoutError:
            raise HttpError(HTTPStatus.REQUEST_TIMEOUT, "the body did not arrive in time") from None
        if len(data) > limit:
            raise HttpError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"the body exceeds {limit} bytes")
        return data

    async def chunk(self, size: int) -> bytes:
        """The next at most ``size`` bytes; b"" at the end. No chunk may take longer than
        ``body_timeout`` (a large upload may take as long as it keeps sending)."""
        try:
            async with asyncio.timeout(self._limits.body_timeout):
                data = await self._content.read(size)
        except TimeoutError:
            raise HttpError(HTTPStatus.REQUEST_TIMEOUT, "the body stopped arriving") from None
        except Exception as error:  # the client went away, aiohttp's payload errors
            raise HttpError(HTTPStatus.BAD_REQUEST, f"the body did not arrive: {error}") from None
        self.complete = self._content.is_eof()
        return data

    @property
    def _content(self) -> StreamReader:
        return self._request.content

    async def _read(self, length: int, limit: int) -> bytes:
        if length < 0:
            blocks = []
            size = 0
            while size <= limit and (block := await self.chunk(limit + 1 - size)):
                blocks.append(block)
                size += len(block)
            return b"".join(blocks)
        try:
            data = await self._content.readexactly(length)
        except asyncio.IncompleteReadError as short:
            raise HttpError(
                HTTPStatus.BAD_REQUEST,
                f"the body has {len(short.partial)} bytes, fewer than its Content-Length {length}",
            ) from None
        except Exception as error:  # the client went away, aiohttp's payload errors
            raise HttpError(HTTPStatus.BAD_REQUEST, f"the body did not arrive: {error}") from None
        self.complete = True
        return data


def response(reply: Reply, *, close: bool = False) -> web.Response:
    """The HTTP response of ``reply``; ``close``: the connection ends after it."""
    if isinstance(reply, ApiReply):
        content = json.dumps(reply.body, ensure_ascii=False).encode("utf-8")
        content_type = "application/json"
    else:
        content, content_type = reply.content, reply.content_type
    answer = web.Response(
        status=reply.status, body=content, content_type=content_type, headers=reply.headers
    )
    if close:
        answer.force_close()
    return answer


# One more connection than the server takes: answered at once, without reading it.
_BUSY = json.dumps({"error": "the CSMS's HTTP server has too many connections; retry later"})
BUSY_RESPONSE = (
    "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
    f"Content-Length: {len(_BUSY)}\r\nRetry-After: 1\r\nConnection: close\r\n\r\n{_BUSY}"
).encode()


class _Busy(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        transport.write(BUSY_RESPONSE)
        transport.close()


class _Connection(RequestHandler):
    """One HTTP connection: aiohttp's, with JSON error answers and an answer for a body cut
    short by a half-close."""

    reading: StreamReader | None = None  # the body of the request being answered
    half_closed = False  # the client sent EOF: it sends nothing more

    def eof_received(self) -> bool | None:  # type: ignore[override]
        self.half_closed = True
        reading = self.reading
        if reading is None:
            return None  # no request is being answered: close, as aiohttp does
        if not reading.is_eof():
            reading.feed_eof()  # the body ends here: its reader says it is short
        return True  # the answer can still be written, then the connection ends

    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if isinstance(exc, BadHttpMethod):
            logger.debug("operator API: %s", exc)
            text = f"{exc}: this server implements GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
            return response(error_reply(HTTPStatus.NOT_IMPLEMENTED, text), close=True)
        if status >= 500:
            logger.error("operator API: request failed", exc_info=exc)
            return response(
                error_reply(HTTPStatus.INTERNAL_SERVER_ERROR, "internal error in the CSMS"),
                close=True,
            )
        logger.debug("operator API: bad request: %s", message or exc)
        text = message or (str(exc) if exc else HTTPStatus(status).phrase)
        return response(error_reply(HTTPStatus(status), text), close=True)


class _Server(web.Server):
    """aiohttp's server with a bound on its connections."""

    def __init__(self, handler: Any, *, limits: HttpLimits, **kwargs: Any) -> None:
        super().__init__(handler, request_factory=self._request, **kwargs)
        self._max_connections = limits.max_connections
        self._open = 0
        self.refused = 0  # connections answered BUSY_RESPONSE

    def __call__(self) -> RequestHandler:
        if self._open >= self._max_connections:
            self.refused += 1
            return _Busy()  # type: ignore[return-value]
        self._open += 1
        return _Connection(self, loop=self._loop, **self._kwargs)

    def connection_lost(self, handler: RequestHandler, exc: BaseException | None = None) -> None:
        self._open -= 1
        super().connection_lost(handler, exc)

    @property
    def open_connections(self) -> int:
        return self._open

    def _request(
        self,
        message: RawRequestMessage,
        payload: StreamReader,
        protocol: RequestHandler,
        writer: AbstractStreamWriter,
        task: asyncio.Task[None],
    ) -> web.BaseRequest:
        if isinstance(protocol, _Connection):
            protocol.reading = payload  # a half-close ends it (eof_received)
        return web.BaseRequest(message, payload, protocol, writer, task, self._loop)


class HttpServer:
    """Serves ``serve`` on a listening socket, on the running loop."""

    def __init__(self, serve: Serve, limits: HttpLimits) -> None:
        self._serve = serve
        self.limits = limits
        self._web: _Server | None = None
        self._server: asyncio.Server | None = None

    @property
    def open_connections(self) -> int:
        return self._web.open_connections if self._web is not None else 0

    async def start(self, sock: Any) -> None:
        self._web = _Server(
            self._handle,
            limits=self.limits,
            keepalive_timeout=self.limits.header_timeout,
            max_line_size=MAX_LINE_BYTES,
            max_field_size=MAX_LINE_BYTES,
            max_headers=MAX_HEADERS,
            lingering_time=LINGER_SECONDS,
            access_log=None,
        )
        self._server = await asyncio.get_running_loop().create_server(self._web, sock=sock)

    async def close(self, timeout: float = 2.0) -> None:
        """Stop listening, let requests in progress end (at most ``timeout`` s), close all."""
        if self._server is None or self._web is None:
            return
        server, web_server = self._server, self._web
        self._server = self._web = None
        server.close()
        await web_server.shutdown(timeout)
        await server.wait_closed()

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        headers = {name.title(): value for name, value in request.headers.items()}
        body = Body(request, self.limits)
        wrapped = Request(request.method, request.raw_path, headers, body)
        try:
            reply: Reply = await self._serve(wrapped)
        except HttpError as error:
            reply = error_reply(error.status, str(error))
        except Exception:
            logger.exception("operator API: %s %s failed", request.method, request.raw_path)
            reply = error_reply(HTTPStatus.INTERNAL_SERVER_ERROR, "internal error in the CSMS")
        # A body left unread is not read to find the next request: the connection ends;
        # so it does after a client's EOF.
        close = not body.complete
        protocol = request.protocol
        if isinstance(protocol, _Connection):
            protocol.reading = None
            close = close or protocol.half_closed
        return response(reply, close=close)
