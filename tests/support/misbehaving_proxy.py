"""A WebSocket proxy that plays a misbehaving CSMS in front of the reference CSMS.

The harness (the charge point) connects to the proxy; the proxy opens the same path on the
upstream CSMS with subprotocol ``ocpp1.6`` and relays OCPP-J text frames both ways, except
that the answers to chosen charge-point actions are mangled (see :class:`Misbehaviour`),
or the handshake itself is spoiled (no subprotocol, an HTTP status, TLS the client does not
trust). Loopback only; every wait is bounded; every task is cancelled on exit.

    async with MisbehavingProxy(ocpp_url, answers={"Authorize": CALLERROR}) as proxy:
        ...  # point the harness at proxy.url
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal

from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

SUBPROTOCOL = Subprotocol("ocpp1.6")
PATH_PREFIX = "/ocpp"
UPSTREAM_OPEN_TIMEOUT = 5.0
CLOSE_TIMEOUT = 2.0
# OCPP-J 1.6 §4.1.3: a uniqueId is at most 36 characters.
MAX_UNIQUE_ID_LENGTH = 36

logger = logging.getLogger(__name__)

MisbehaviourKind = Literal[
    "callerror",
    "schema",
    "non-json",
    "unknown-type",
    "wrong-id",
    "silent",
    "late",
    "delay",
    "close",
]


@dataclass(frozen=True)
class Misbehaviour:
    """What the proxy does to the CSMS's answer to a charge point's request.

    - ``callerror``: answer ``[4, id, "InternalError", "proxy: deliberate CALLERROR", {}]``
    - ``schema``: break the OCA schema (``idTagInfo.status = "Bogus"``, else an extra field)
    - ``non-json``: send ``this is not json``
    - ``unknown-type``: send ``[5, id, ...]`` (message type id 5 does not exist)
    - ``wrong-id``: change the uniqueId to ``"not-" + id`` (cut to 36 characters, see
      :func:`wrong_unique_id`)
    - ``silent``: drop the answer
    - ``late`` / ``delay``: hold the answer ``seconds``, then send it unchanged
    - ``close``: close the charge point's connection (code 1011) instead of answering
    """

    kind: MisbehaviourKind
    seconds: float = 0.0

    def __post_init__(self) -> None:
        if self.kind in ("late", "delay") and self.seconds <= 0:
            raise ValueError(f"{self.kind} needs a positive number of seconds")


CALLERROR = Misbehaviour("callerror")
SCHEMA = Misbehaviour("schema")
NON_JSON = Misbehaviour("non-json")
UNKNOWN_TYPE = Misbehaviour("unknown-type")
WRONG_ID = Misbehaviour("wrong-id")
SILENT = Misbehaviour("silent")
CLOSE = Misbehaviour("close")


def late(seconds: float) -> Misbehaviour:
    """The answer arrives ``seconds`` after the CSMS gave it (beyond the response timeout)."""
    return Misbehaviour("late", seconds)


def delay(seconds: float) -> Misbehaviour:
    """The answer arrives ``seconds`` after the CSMS gave it (slow, e.g. for Authorize)."""
    return Misbehaviour("delay", seconds)


NOT_JSON_TEXT = "this is not json"
CALLERROR_CODE = "InternalError"
CALLERROR_DESCRIPTION = "proxy: deliberate CALLERROR"
CLOSE_CODE = 1011
CLOSE_REASON = "proxy: deliberate close"


def wrong_unique_id(unique_id: str) -> str:
    """``"not-" + unique_id``, cut to the 36 characters OCPP-J allows for a uniqueId.

    The harness uses 36-character UUIDs; ``"not-" + uuid`` would be 40 characters and
    break the length rule (a malformed frame) instead of being a well-formed answer whose
    uniqueId matches no request, which is what this misbehaviour is meant to show. The cut
    keeps the ``not-`` prefix, so the result still differs from every request's uniqueId.
    """
    return ("not-" + unique_id)[:MAX_UNIQUE_ID_LENGTH]


def break_schema(payload: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``payload`` that breaks its OCA schema."""
    broken: dict[str, Any] = json.loads(json.dumps(payload))
    id_tag_info = broken.get("idTagInfo")
    if isinstance(id_tag_info, dict):
        id_tag_info["status"] = "Bogus"
    else:
        broken["unexpectedField"] = True
    return broken


def mangle(frame: list[Any], misbehaviour: Misbehaviour) -> str | None:
    """The text to send instead of the answer ``frame``; None: send nothing (silent/close).

    ``late``/``delay`` return the answer unchanged (the caller holds it back).
    """
    unique_id = frame[1]
    match misbehaviour.kind:
        case "callerror":
            return _dumps([4, unique_id, CALLERROR_CODE, CALLERROR_DESCRIPTION, {}])
        case "schema":
            if frame[0] == 3 and isinstance(frame[2], dict):
                return _dumps([3, unique_id, break_schema(frame[2])])
            return _dumps(frame)
        case "non-json":
            return NOT_JSON_TEXT
        case "unknown-type":
            return _dumps([5, *frame[1:]])
        case "wrong-id":
            return _dumps([frame[0], wrong_unique_id(str(unique_id)), *frame[2:]])
        case "late" | "delay":
            return _dumps(frame)
        case "silent" | "close":
            return None


def _dumps(value: list[Any]) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _parse(text: str | bytes) -> list[Any] | None:
    """The frame as a JSON array with a string uniqueId, or None if it is not one."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if isinstance(value, list) and len(value) >= 3 and isinstance(value[1], str):
        return value
    return None


class MisbehavingProxy:
    def __init__(
        self,
        upstream: str,
        *,
        answers: dict[str, Misbehaviour] | None = None,
        refuse_subprotocol: bool = False,
        http_status: int | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.upstream = upstream.rstrip("/")
        self.answers = dict(answers or {})
        self.refuse_subprotocol = refuse_subprotocol
        self.http_status = http_status
        self.ssl_context = ssl_context
        # What the proxy did, for tests to look at: (action, misbehaviour kind) per answer.
        self.applied: list[tuple[str, str]] = []
        self.connections = 0
        self._server: Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    # -- lifecycle --------------------------------------------------------------------
    async def __aenter__(self) -> MisbehavingProxy:
        self._server = await serve(
            self._handle,
            "127.0.0.1",
            0,
            ssl=self.ssl_context,
            select_subprotocol=self._select_subprotocol,
            process_request=self._process_request if self.http_status is not None else None,
            ping_interval=None,
            close_timeout=CLOSE_TIMEOUT,
            max_size=2**22,
            logger=logger,
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._cancel(list(self._tasks))
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._server.wait_closed(), CLOSE_TIMEOUT * 2)
            self._server = None
        await self._cancel(list(self._tasks))

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the proxy is not running")
        port: int = next(iter(self._server.sockets)).getsockname()[1]
        return port

    @property
    def url(self) -> str:
        scheme = "wss" if self.ssl_context is not None else "ws"
        return f"{scheme}://127.0.0.1:{self.port}{PATH_PREFIX}"

    # -- the handshake ----------------------------------------------------------------
    def _select_subprotocol(
        self, connection: ServerConnection, offered: Sequence[Subprotocol]
    ) -> Subprotocol | None:
        if self.refuse_subprotocol or SUBPROTOCOL not in offered:
            return None
        return SUBPROTOCOL

    def _process_request(self, connection: ServerConnection, request: Request) -> Response:
        assert self.http_status is not None
        return connection.respond(self.http_status, "proxy: deliberate HTTP status\n")

    # -- one charge point connection --------------------------------------------------
    async def _handle(self, client: ServerConnection) -> None:
        self.connections += 1
        path = client.request.path if client.request is not None else ""
        if not path.startswith(PATH_PREFIX + "/"):
            await client.close(1008, "proxy: unknown path")
            return
        target = self.upstream + path[len(PATH_PREFIX) :]
        # The charge point's credentials go on to the CSMS (security profile 1).
        headers = client.request.headers if client.request is not None else None
        authorization = headers.get("Authorization") if headers is not None else None
        try:
            upstream = await connect(
                target,
                additional_headers={"Authorization": authorization} if authorization else None,
                subprotocols=[SUBPROTOCOL],
                open_timeout=UPSTREAM_OPEN_TIMEOUT,
                close_timeout=CLOSE_TIMEOUT,
                ping_interval=None,
                max_size=2**22,
            )
        except Exception as exc:  # the upstream CSMS is unreachable: say so to the client
            logger.warning("proxy cannot reach %s: %s", target, exc)
            await client.close(CLOSE_CODE, "proxy: upstream unreachable")
            return
        pending: dict[str, str] = {}  # uniqueId of a charge point's CALL -> its action
        held: set[asyncio.Task[None]] = set()
        pumps = [
            asyncio.create_task(self._to_upstream(client, upstream, pending)),
            asyncio.create_task(self._to_client(upstream, client, pending, held)),
        ]
        try:
            await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        finally:
            await self._cancel(pumps + list(held))
            with contextlib.suppress(Exception):
                await asyncio.wait_for(upstream.close(), CLOSE_TIMEOUT)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.close(), CLOSE_TIMEOUT)

    async def _to_upstream(
        self, client: ServerConnection, upstream: ClientConnection, pending: dict[str, str]
    ) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for message in client:
                frame = _parse(message)
                if frame is not None and frame[0] == 2 and isinstance(frame[2], str):
                    pending[frame[1]] = frame[2]
                await upstream.send(message)

    async def _to_client(
        self,
        upstream: ClientConnection,
        client: ServerConnection,
        pending: dict[str, str],
        held: set[asyncio.Task[None]],
    ) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for message in upstream:
                frame = _parse(message)
                action = None
                if frame is not None and frame[0] in (3, 4):
                    action = pending.pop(frame[1], None)
                misbehaviour = self.answers.get(action) if action is not None else None
                if frame is None or action is None or misbehaviour is None:
                    await client.send(message)
                    continue
                self.applied.append((action, misbehaviour.kind))
                if misbehaviour.kind == "close":
                    await client.close(CLOSE_CODE, CLOSE_REASON)
                    return
                text = mangle(frame, misbehaviour)
                if text is None:
                    continue
                if misbehaviour.kind in ("late", "delay"):
                    self._hold(client, text, misbehaviour.seconds, held)
                else:
                    await client.send(text)

    def _hold(
        self, client: ServerConnection, text: str, seconds: float, held: set[asyncio.Task[None]]
    ) -> None:
        """Send ``text`` after ``seconds`` without blocking the other frames."""

        async def send_later() -> None:
            await asyncio.sleep(seconds)
            with contextlib.suppress(ConnectionClosed):
                await client.send(text)

        task = asyncio.create_task(send_later())
        held.add(task)
        self._tasks.add(task)
        task.add_done_callback(held.discard)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _cancel(tasks: list[asyncio.Task[None]]) -> None:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
