"""The operator HTTP API (contract: docs/operator-api.md).

A stdlib ThreadingHTTPServer in its own thread; each request is parsed here and handed to
:class:`~csms_under_test.operator_service.OperatorService` on the CSMS event loop with
``asyncio.run_coroutine_threadsafe``. JSON in, JSON out; no traceback ever leaves the server.
The same server serves firmware and takes diagnostics uploads under ``/files`` (raw bytes,
handled by :class:`~csms_under_test.files.FileArea` on the request thread).

In ``raw`` mode (``csms-under-test --operator-api raw``) the API offers only what a minimal
CSMS admin API does: health, its OpenAPI document, the raw send route and ``/files``; every
other ``/api`` route answers 404.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import math
import selectors
import socket
import threading
from collections.abc import Callable, Coroutine
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from csms_under_test import api_guard
from csms_under_test.files import FileArea, FileReply, is_files_target
from csms_under_test.network import Waker, bound_port, listen_socket
from csms_under_test.openapi import openapi_document
from csms_under_test.operator_envelope import BadOperatorRequest, operator_payload
from csms_under_test.operator_service import OperatorService
from csms_under_test.provisioning import Provisioning
from csms_under_test.raw_requests import RawRequests
from csms_under_test.replies import ApiReply, error_reply
from csms_under_test.settings import OperatorApiMode
from csms_under_test.store import Page
from csms_under_test.timestamps import utc_now

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1 << 20
# Extra seconds the HTTP thread waits beyond the OCPP call timeout before giving up itself.
BRIDGE_GRACE = 5.0
# Seconds a client may take to send its request (slow or stalled clients).
CLIENT_TIMEOUT = 10.0
QUERY_TIMEOUT = 10.0
# A list answer holds at most this many rows (?limit=, ?offset= page through the rest).
MAX_PAGE = 1000
# ?timeout= at most this (an hour): no request waits longer for a charge point.
MAX_TIMEOUT = 3600.0

ReplyCoroutine = Coroutine[Any, Any, ApiReply]
Route = tuple[str, Callable[[], ApiReply]]  # the one method allowed, its action
Routes = dict[str, Callable[[], ApiReply]]  # several methods on one path
# OperatorService.send_request, RawRequests.send: (chargePointId, action, payload, timeout)
SendRequest = Callable[[str, str, dict[str, Any], float], ReplyCoroutine]


class _BadRequest(Exception):
    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status


class OperatorApi:
    def __init__(
        self,
        service: OperatorService,
        loop: asyncio.AbstractEventLoop,
        *,
        host: str,
        port: int,
        provisioning: Provisioning,
        raw: RawRequests,
        files: FileArea | None = None,
        mode: OperatorApiMode = "full",
        token: str | None = None,
    ) -> None:
        self._service = service
        self.token = token  # --api-token: every /api route but health wants it (api_guard)
        self._provisioning = provisioning
        self._raw = raw
        self._mode = mode
        self.files = files  # firmware and diagnostics under /files (csms_under_test.files)
        self._loop = loop
        self.host = host
        self._requested_port = port
        self._server: _ApiHttpServer | None = None
        self._thread: threading.Thread | None = None
        self._accepting = False
        self._in_flight: set[concurrent.futures.Future[ApiReply]] = set()
        self._in_flight_lock = threading.Lock()

    @property
    def port(self) -> int:
        return self._server.port if self._server is not None else 0

    def start(self) -> None:
        sock = listen_socket(self.host, self._requested_port)
        try:
            self._server = _ApiHttpServer(sock, self)
        except BaseException:
            sock.close()
            raise
        self._accepting = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            name="csms-operator-api",
            daemon=True,
        )
        self._thread.start()

    def refuse_new_requests(self) -> None:
        """Answer 503 from now on and cancel what is waiting on the event loop."""
        self._accepting = False
        with self._in_flight_lock:
            in_flight = list(self._in_flight)
        for future in in_flight:
            future.cancel()

    def close(self) -> None:
        """Stop serving and join every thread of the API. Blocking: call it off the loop."""
        self.refuse_new_requests()
        if self._server is not None:
            if self._thread is not None:
                self._server.shutdown()
                self._thread.join()
            self._server.server_close()  # joins the request threads (block_on_close)
            self._server = None
            self._thread = None

    # -- requests (called on HTTP request threads) ------------------------------------
    def handle(self, method: str, target: str, read_body: Callable[[], bytes]) -> ApiReply:
        url = urlsplit(target)
        segments = [unquote(part) for part in url.path.split("/")[1:]]
        if len(segments) > 1 and segments[-1] == "":
            segments.pop()  # tolerate one trailing slash
        query = parse_qs(url.query)
        route = self._route(segments, query, read_body)
        if route is None:
            return error_reply(HTTPStatus.NOT_FOUND, f"no such endpoint: {url.path}")
        if self._mode == "raw" and self._common_route(segments, query, read_body) is None:
            return error_reply(
                HTTPStatus.NOT_FOUND,
                f"{url.path} is not offered: this CSMS runs --operator-api raw",
            )
        actions = route if isinstance(route, dict) else dict([route])
        action = actions.get(method)
        if action is None:
            allowed = ", ".join(actions)
            return ApiReply(
                HTTPStatus.METHOD_NOT_ALLOWED,
                {"error": f"{method} is not allowed on {url.path}; use {allowed}"},
                {"Allow": allowed},
            )
        try:
            return action()
        except _BadRequest as error:
            return error_reply(error.status, str(error))

    def _common_route(
        self,
        segments: list[str],
        query: dict[str, list[str]],
        read_body: Callable[[], bytes],
    ) -> Route | None:
        """The routes every mode offers (``/files`` is served before any route is looked at)."""
        match segments:
            case ["api", "health"]:
                return "GET", lambda: self._bridge(self._service.health(), QUERY_TIMEOUT)
            case ["api", "openapi.json"]:
                return "GET", _openapi_document
            case ["api", "chargepoints", cp_id, "ocpp", action] if cp_id and action:
                raw = self._raw
                return "POST", lambda: self._ask_to_send(
                    raw.send, raw.call_timeout, cp_id, action, query, read_body
                )
        return None

    def _route(
        self,
        segments: list[str],
        query: dict[str, list[str]],
        read_body: Callable[[], bytes],
    ) -> Route | Routes | None:
        """Every route: ``Route`` (one method) or ``Routes`` (method → action)."""
        found = self._common_route(segments, query, read_body)
        if found is not None:
            return found
        service, files, provisioning = self._service, self.files, self._provisioning
        match segments:
            case ["api", "idtags"]:
                return "GET", lambda: self._bridge(
                    provisioning.id_tags(_page(query)), QUERY_TIMEOUT
                )
            case ["api", "idtags", id_tag] if id_tag:
                return {
                    "GET": lambda: self._bridge(provisioning.id_tag(id_tag), QUERY_TIMEOUT),
                    "PUT": lambda: self._bridge(
                        provisioning.put_id_tag(id_tag, _json_object(read_body())), QUERY_TIMEOUT
                    ),
                    "DELETE": lambda: self._bridge(
                        provisioning.delete_id_tag(id_tag), QUERY_TIMEOUT
                    ),
                }
            case ["api", "chargepoints", cp_id] if cp_id:
                return {
                    "PUT": lambda: self._bridge(
                        provisioning.put_charge_point(cp_id, _json_object(read_body())),
                        QUERY_TIMEOUT,
                    ),
                    "DELETE": lambda: self._bridge(
                        provisioning.delete_charge_point(cp_id), QUERY_TIMEOUT
                    ),
                }
            case ["api", "chargepoints"]:
                return "GET", lambda: self._bridge(
                    service.charge_points(_page(query)), QUERY_TIMEOUT
                )
            case ["api", "connections"]:
                return "GET", lambda: self._bridge(
                    provisioning.connections(_single(query, "chargePointId"), _page(query)),
                    QUERY_TIMEOUT,
                )
            case ["api", "transactions"]:
                return "GET", lambda: self._bridge(
                    service.transactions(_single(query, "chargePointId"), _page(query)),
                    QUERY_TIMEOUT,
                )
            case ["api", "reservations"]:
                return "GET", lambda: self._bridge(
                    service.reservations(_single(query, "chargePointId"), _page(query)),
                    QUERY_TIMEOUT,
                )
            case ["api", "locallists"]:
                return "GET", lambda: self._bridge(
                    service.local_lists(_single(query, "chargePointId"), _page(query)),
                    QUERY_TIMEOUT,
                )
            case ["api", "chargingprofiles"]:
                return "GET", lambda: self._bridge(
                    service.charging_profiles(_single(query, "chargePointId"), _page(query)),
                    QUERY_TIMEOUT,
                )
            case ["api", "diagnostics"] if files is not None:
                return "GET", lambda: files.diagnostics_reply(_page(query))
            case ["api", "chargepoints", cp_id, "requests", action] if cp_id and action:
                return "POST", lambda: self._ask_to_send(
                    service.send_request,
                    service.call_timeout,
                    cp_id,
                    action,
                    query,
                    read_body,
                    envelope=True,
                )
        return None

    def _ask_to_send(
        self,
        send: SendRequest,
        default_timeout: float,
        charge_point_id: str,
        action: str,
        query: dict[str, list[str]],
        read_body: Callable[[], bytes],
        *,
        envelope: bool = False,
    ) -> ApiReply:
        """A POST that makes the CSMS send ``action``: ``?timeout``, the body, the wait. The
        operator route's body is an operator request (``envelope``); the raw route's is the
        payload itself."""
        timeout = _timeout_parameter(query, default_timeout)
        payload = _json_object(read_body())
        if envelope:
            try:
                payload = operator_payload(
                    payload, action=action, charge_point_id=charge_point_id, now=utc_now()
                )
            except BadOperatorRequest as error:
                raise _BadRequest(HTTPStatus.BAD_REQUEST, str(error)) from None
        return self._bridge(send(charge_point_id, action, payload, timeout), timeout + BRIDGE_GRACE)

    def _bridge(self, coroutine: ReplyCoroutine, wait: float) -> ApiReply:
        """Run ``coroutine`` on the CSMS loop and wait at most ``wait`` seconds for it."""
        if not self._accepting:
            coroutine.close()
            return error_reply(HTTPStatus.SERVICE_UNAVAILABLE, "the CSMS is shutting down")
        try:
            future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        except RuntimeError:  # the loop is closed
            coroutine.close()
            return error_reply(HTTPStatus.SERVICE_UNAVAILABLE, "the CSMS is shutting down")
        with self._in_flight_lock:
            self._in_flight.add(future)
        try:
            return future.result(timeout=wait)
        except concurrent.futures.CancelledError:
            return error_reply(HTTPStatus.SERVICE_UNAVAILABLE, "the CSMS is shutting down")
        except TimeoutError:
            future.cancel()
            return error_reply(HTTPStatus.GATEWAY_TIMEOUT, "the CSMS did not answer in time")
        finally:
            with self._in_flight_lock:
                self._in_flight.discard(future)


def _openapi_document() -> ApiReply:
    """The operator contract (docs/operator-contract.openapi.json), shipped with the CSMS."""
    return ApiReply(HTTPStatus.OK, openapi_document())


def _single(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise _BadRequest(HTTPStatus.BAD_REQUEST, f"query parameter {name} given more than once")
    return values[0]


def _page(query: dict[str, list[str]]) -> Page:
    """``?offset=N&limit=M`` of a list: offset 0 or more (default 0), limit 1 to
    ``MAX_PAGE`` (default ``MAX_PAGE``): no list answer holds more than that many rows."""
    values = {}
    for name, default, low, high in (("offset", 0, 0, None), ("limit", MAX_PAGE, 1, MAX_PAGE)):
        text = _single(query, name)
        value = default
        if text is not None:
            value = int(text) if text.isdigit() else -1
            if value < low or (high is not None and value > high):
                limit = f" and at most {high}" if high is not None else ""
                raise _BadRequest(
                    HTTPStatus.BAD_REQUEST,
                    f"{name} must be an integer of {low} or more{limit}, not {text!r}",
                )
        values[name] = value
    return Page(offset=values["offset"], limit=values["limit"])


def _timeout_parameter(query: dict[str, list[str]], default: float) -> float:
    text = _single(query, "timeout")
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not 0 < value <= MAX_TIMEOUT:
        raise _BadRequest(
            HTTPStatus.BAD_REQUEST,
            f"timeout must be a number of seconds above 0 and at most {MAX_TIMEOUT:g}, not {text!r}",
        )
    return value


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise _BadRequest(HTTPStatus.BAD_REQUEST, f"the body is not valid JSON: {error}") from None
    if not isinstance(value, dict):
        raise _BadRequest(
            HTTPStatus.BAD_REQUEST, "the body must be a JSON object (the request payload)"
        )
    return value


class _ApiHttpServer(ThreadingHTTPServer):
    daemon_threads = False
    block_on_close = True  # server_close() joins the request threads
    timeout = 0.0  # handle_request() looks once: serve_forever calls it when one is waiting

    def __init__(self, sock: socket.socket, api: OperatorApi) -> None:
        # Bind nothing here: the socket is already listening (see network.listen_socket).
        super().__init__(sock.getsockname()[:2], _ApiRequestHandler, bind_and_activate=False)
        self.socket.close()
        self.socket = sock
        self.server_address = sock.getsockname()
        self.port = bound_port(sock)
        self.api = api
        self._waker = Waker()
        self._closing = False
        self._stopped = threading.Event()
        self._stopped.set()

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        """socketserver's loop without its poll: it sleeps until a connection or
        :meth:`shutdown`, which wakes it at once (socketserver's returns at the next poll)."""
        self._stopped.clear()
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(self, selectors.EVENT_READ)
                selector.register(self._waker, selectors.EVENT_READ)
                while not self._closing:
                    ready = selector.select()
                    if self._closing:
                        break
                    if any(key.fileobj is self for key, _ in ready):
                        self.handle_request()  # accepts at once (timeout 0: never blocks)
                    self.service_actions()
        finally:
            self._stopped.set()

    def shutdown(self) -> None:
        self._closing = True
        self._waker.wake()
        self._stopped.wait()

    def server_close(self) -> None:
        super().server_close()
        self._waker.close()


class _ApiRequestHandler(BaseHTTPRequestHandler):
    server: _ApiHttpServer
    protocol_version = "HTTP/1.0"
    timeout = CLIENT_TIMEOUT

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_OPTIONS(self) -> None:
        self._dispatch("OPTIONS")

    def _dispatch(self, method: str) -> None:
        api = self.server.api
        reply: ApiReply | FileReply
        headers = {name.title(): value for name, value in self.headers.items()}
        refused = api_guard.refusal(
            method, urlsplit(self.path).path, headers, bind_host=api.host, token=api.token
        )
        try:
            if refused is not None:
                self.close_connection = True  # its body, if any, is not read
                reply = refused
            elif api.files is not None and is_files_target(self.path):
                length = self.headers.get("Content-Length")
                reply = api.files.http_request(method, self.path, length, self.rfile)
            else:
                reply = api.handle(method, self.path, self._read_body)
        except _BadRequest as error:
            reply = error_reply(error.status, str(error))
        except Exception:
            logger.exception("operator API: %s %s failed", method, self.path)
            reply = error_reply(HTTPStatus.INTERNAL_SERVER_ERROR, "internal error in the CSMS")
        self._send(reply, with_body=method != "HEAD")

    def _read_body(self) -> bytes:
        header = self.headers.get("Content-Length")
        if header is None:
            return b""
        try:
            length = int(header)
        except ValueError:
            raise _BadRequest(HTTPStatus.BAD_REQUEST, "invalid Content-Length") from None
        if length < 0:
            raise _BadRequest(HTTPStatus.BAD_REQUEST, "invalid Content-Length")
        if length > MAX_BODY_BYTES:
            raise _BadRequest(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"the body exceeds {MAX_BODY_BYTES} bytes"
            )
        try:
            body = self.rfile.read(length)
        except OSError:  # a client that stops sending (CLIENT_TIMEOUT) or goes away
            raise _BadRequest(HTTPStatus.REQUEST_TIMEOUT, "the body did not arrive") from None
        if len(body) < length:
            raise _BadRequest(
                HTTPStatus.BAD_REQUEST,
                f"the body has {len(body)} bytes, fewer than its Content-Length {length}",
            )
        return body

    def _send(self, reply: ApiReply | FileReply, *, with_body: bool) -> None:
        if isinstance(reply, FileReply):
            data, content_type = reply.content, reply.content_type
        else:
            data = json.dumps(reply.body, ensure_ascii=False).encode("utf-8")
            content_type = "application/json"
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if with_body:
                self.wfile.write(data)
        except OSError as error:
            logger.debug("operator API: client went away: %s", error)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Errors http.server raises itself (bad request line, unsupported method): JSON too."""
        self.close_connection = True
        text = message or HTTPStatus(code).phrase
        self._send(
            error_reply(HTTPStatus(code), text), with_body=getattr(self, "command", None) != "HEAD"
        )

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("operator API %s: " + format, self.client_address[0], *args)
