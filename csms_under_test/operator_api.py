"""The operator HTTP API (contract: docs/operator-api.md).

Served on the CSMS's event loop by :mod:`csms_under_test.http_server` (aiohttp, with its
limits on connections, header and body time and body size); each request is routed here
and awaited on :class:`~csms_under_test.operator_service.OperatorService`. JSON in, JSON
out; no traceback ever leaves the server. The same server serves firmware and takes
diagnostics uploads under ``/files`` (raw bytes, :class:`~csms_under_test.files.FileArea`,
whose file I/O runs in worker threads).

In ``raw`` mode (``csms-under-test --operator-api raw``) the API offers only what a minimal
CSMS admin API does: health, its OpenAPI document, the raw send route and ``/files``; every
other ``/api`` route answers 404.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections.abc import Awaitable, Callable, Coroutine
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from csms_under_test import api_guard
from csms_under_test.files import FileArea, is_files_target
from csms_under_test.http_server import Body, HttpError, HttpLimits, HttpServer, Reply, Request
from csms_under_test.network import bound_port, listen_socket
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

# Extra seconds a request waits beyond the OCPP call timeout before giving up itself.
CALL_GRACE = 5.0
QUERY_TIMEOUT = 10.0
# A list answer holds at most this many rows (?limit=, ?offset= page through the rest).
MAX_PAGE = 1000
# ?timeout= at most this (an hour): no request waits longer for a charge point.
MAX_TIMEOUT = 3600.0
# What the server implements; any other method is 501 (RFC 9110 §15.6.2).
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

ReplyCoroutine = Coroutine[Any, Any, ApiReply]
Action = Callable[[], Awaitable[ApiReply]]
Route = tuple[str, Action]  # the one method allowed, its action
Routes = dict[str, Action]  # several methods on one path
# OperatorService.send_request, RawRequests.send: (chargePointId, action, payload, timeout)
SendRequest = Callable[[str, str, dict[str, Any], float], ReplyCoroutine]


class OperatorApi:
    def __init__(
        self,
        service: OperatorService,
        *,
        host: str,
        port: int,
        provisioning: Provisioning,
        raw: RawRequests,
        files: FileArea | None = None,
        mode: OperatorApiMode = "full",
        token: str | None = None,
        limits: HttpLimits | None = None,
    ) -> None:
        self._service = service
        self.token = token  # --api-token: every /api route but health wants it (api_guard)
        self._provisioning = provisioning
        self._raw = raw
        self._mode = mode
        self.files = files  # firmware and diagnostics under /files (csms_under_test.files)
        self.host = host
        self._requested_port = port
        self._http = HttpServer(self._serve, limits or HttpLimits())
        self._port = 0
        self._accepting = False
        self._in_flight: set[asyncio.Future[ApiReply]] = set()

    @property
    def port(self) -> int:
        return self._port

    @property
    def open_connections(self) -> int:
        return self._http.open_connections

    async def start(self) -> None:
        sock = listen_socket(self.host, self._requested_port)
        try:
            await self._http.start(sock)
        except BaseException:
            sock.close()
            raise
        self._port = bound_port(sock)
        self._accepting = True

    def refuse_new_requests(self) -> None:
        """Answer 503 from now on and to what is waiting on the CSMS."""
        self._accepting = False
        for future in list(self._in_flight):
            future.cancel()

    async def close(self) -> None:
        """Stop serving and close every connection of the API."""
        self.refuse_new_requests()
        await self._http.close()
        self._port = 0

    # -- requests ---------------------------------------------------------------------
    async def _serve(self, request: Request) -> Reply:
        method, target = request.method, request.target
        if method not in METHODS:
            return error_reply(HTTPStatus.NOT_IMPLEMENTED, f"{method} is not implemented")
        refused = api_guard.refusal(
            method, urlsplit(target).path, request.headers, bind_host=self.host, token=self.token
        )
        if refused is not None:
            return refused  # its body, if any, is not read (the connection then ends)
        if self.files is not None and is_files_target(target):
            return await self.files.http_request(
                method, target, request.body.length(), request.body
            )
        return await self.handle(method, target, request.body)

    async def handle(self, method: str, target: str, body: Body) -> ApiReply:
        url = urlsplit(target)
        segments = [unquote(part) for part in url.path.split("/")[1:]]
        if len(segments) > 1 and segments[-1] == "":
            segments.pop()  # tolerate one trailing slash
        query = parse_qs(url.query)
        route = self._route(segments, query, body)
        if route is None:
            return error_reply(HTTPStatus.NOT_FOUND, f"no such endpoint: {url.path}")
        if self._mode == "raw" and self._common_route(segments, query, body) is None:
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
        return await action()

    def _common_route(
        self, segments: list[str], query: dict[str, list[str]], body: Body
    ) -> Route | None:
        """The routes every mode offers (``/files`` is served before any route is looked at)."""
        match segments:
            case ["api", "health"]:
                return "GET", lambda: self._run(self._service.health(), QUERY_TIMEOUT)
            case ["api", "openapi.json"]:
                return "GET", _openapi_document
            case ["api", "chargepoints", cp_id, "ocpp", action] if cp_id and action:
                raw = self._raw
                return "POST", lambda: self._ask_to_send(
                    raw.send, raw.call_timeout, cp_id, action, query, body
                )
        return None

    def _route(
        self, segments: list[str], query: dict[str, list[str]], body: Body
    ) -> Route | Routes | None:
        """Every route: ``Route`` (one method) or ``Routes`` (method → action)."""
        found = self._common_route(segments, query, body)
        if found is not None:
            return found
        service, files, provisioning = self._service, self.files, self._provisioning
        run = self._run
        match segments:
            case ["api", "idtags"]:
                return "GET", lambda: run(provisioning.id_tags(_page(query)), QUERY_TIMEOUT)
            case ["api", "idtags", id_tag] if id_tag:
                return {
                    "GET": lambda: run(provisioning.id_tag(id_tag), QUERY_TIMEOUT),
                    "PUT": lambda: self._with_body(
                        body, lambda value: provisioning.put_id_tag(id_tag, value)
                    ),
                    "DELETE": lambda: run(provisioning.delete_id_tag(id_tag), QUERY_TIMEOUT),
                }
            case ["api", "chargepoints", cp_id] if cp_id:
                return {
                    "PUT": lambda: self._with_body(
                        body, lambda value: provisioning.put_charge_point(cp_id, value)
                    ),
                    "DELETE": lambda: run(provisioning.delete_charge_point(cp_id), QUERY_TIMEOUT),
                }
            case ["api", "chargepoints"]:
                return "GET", lambda: run(service.charge_points(_page(query)), QUERY_TIMEOUT)
            case ["api", "connections"]:
                return "GET", lambda: run(
                    provisioning.connections(_single(query, "chargePointId"), _page(query)),
                    QUERY_TIMEOUT,
                )
            case ["api", "transactions"]:
                return "GET", lambda: run(
                    service.transactions(_single(query, "chargePointId"), _page(query)),
                    QUERY_TIMEOUT,
                )
            case ["api", "reservations"]:
                return "GET", lambda: run(
                    service.reservations(_single(query, "chargePointId"), _page(query)),
                    QUERY_TIMEOUT,
                )
            case ["api", "locallists"]:
                return "GET", lambda: run(
                    service.local_lists(_single(query, "chargePointId"), _page(query)),
                    QUERY_TIMEOUT,
                )
            case ["api", "chargingprofiles"]:
                return "GET", lambda: run(
                    service.charging_profiles(_single(query, "chargePointId"), _page(query)),
                    QUERY_TIMEOUT,
                )
            case ["api", "diagnostics"] if files is not None:
                return "GET", lambda: asyncio.to_thread(files.diagnostics_reply, _page(query))
            case ["api", "chargepoints", cp_id, "requests", "SetSecurityProfile"] if cp_id:
                return "POST", lambda: self._set_security_profile(cp_id, body)
            case ["api", "chargepoints", cp_id, "requests", action] if cp_id and action:
                return "POST", lambda: self._ask_to_send(
                    service.send_request,
                    service.call_timeout,
                    cp_id,
                    action,
                    query,
                    body,
                    envelope=True,
                )
        return None

    async def _with_body(
        self, body: Body, change: Callable[[dict[str, Any]], ReplyCoroutine]
    ) -> ApiReply:
        return await self._run(change(_json_object(await body.read())), QUERY_TIMEOUT)

    async def _set_security_profile(self, charge_point_id: str, body: Body) -> ApiReply:
        """The operator request SetSecurityProfile: not an OCPP request, nothing is sent;
        the charge point's next connection is admitted in the profile (whitepaper §2)."""
        try:
            fields = operator_payload(
                _json_object(await body.read()),
                action="SetSecurityProfile",
                charge_point_id=charge_point_id,
                now=utc_now(),
            )
        except BadOperatorRequest as error:
            raise HttpError(HTTPStatus.BAD_REQUEST, str(error)) from None
        if set(fields) != {"securityProfile"}:
            raise HttpError(
                HTTPStatus.BAD_REQUEST, "SetSecurityProfile takes fields {securityProfile} only"
            )
        reply = await self._run(
            self._provisioning.put_charge_point(charge_point_id, fields), QUERY_TIMEOUT
        )
        if reply.status not in (HTTPStatus.OK, HTTPStatus.CREATED):
            return reply
        return ApiReply(HTTPStatus.OK, {"action": "SetSecurityProfile", "request": fields})

    async def _ask_to_send(
        self,
        send: SendRequest,
        default_timeout: float,
        charge_point_id: str,
        action: str,
        query: dict[str, list[str]],
        body: Body,
        *,
        envelope: bool = False,
    ) -> ApiReply:
        """A POST that makes the CSMS send ``action``: ``?timeout``, the body, the wait. The
        operator route's body is an operator request (``envelope``); the raw route's is the
        payload itself."""
        timeout = _timeout_parameter(query, default_timeout)
        payload = _json_object(await body.read())
        if envelope:
            try:
                payload = operator_payload(
                    payload, action=action, charge_point_id=charge_point_id, now=utc_now()
                )
            except BadOperatorRequest as error:
                raise HttpError(HTTPStatus.BAD_REQUEST, str(error)) from None
        return await self._run(
            send(charge_point_id, action, payload, timeout), timeout + CALL_GRACE
        )

    async def _run(self, coroutine: ReplyCoroutine, wait: float) -> ApiReply:
        """Await ``coroutine`` at most ``wait`` seconds; 503 once the CSMS stops."""
        if not self._accepting:
            coroutine.close()
            return error_reply(HTTPStatus.SERVICE_UNAVAILABLE, "the CSMS is shutting down")
        task = asyncio.ensure_future(coroutine)
        self._in_flight.add(task)
        try:
            done, _ = await asyncio.wait({task}, timeout=wait)
        except asyncio.CancelledError:
            task.cancel()
            raise
        finally:
            self._in_flight.discard(task)
        if not done:
            task.cancel()
            return error_reply(HTTPStatus.GATEWAY_TIMEOUT, "the CSMS did not answer in time")
        if task.cancelled():
            return error_reply(HTTPStatus.SERVICE_UNAVAILABLE, "the CSMS is shutting down")
        return task.result()


async def _openapi_document() -> ApiReply:
    """The operator contract (docs/operator-contract.openapi.json), shipped with the CSMS."""
    return ApiReply(HTTPStatus.OK, openapi_document())


def _single(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise HttpError(HTTPStatus.BAD_REQUEST, f"query parameter {name} given more than once")
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
                raise HttpError(
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
        raise HttpError(
            HTTPStatus.BAD_REQUEST,
            f"timeout must be a number of seconds above 0 and at most {MAX_TIMEOUT:g}, not {text!r}",
        )
    return value


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise HttpError(HTTPStatus.BAD_REQUEST, f"the body is not valid JSON: {error}") from None
    if not isinstance(value, dict):
        raise HttpError(
            HTTPStatus.BAD_REQUEST, "the body must be a JSON object (the request payload)"
        )
    return value
