"""The OCPP-J 1.6 WebSocket endpoint: ``ws://HOST:PORT/ocpp/<chargePointId>``.

Every frame goes through the connection's :class:`~ocppj.Session`; nothing a
charge point sends can crash the server or close the connection: bad input is answered
with a CALLERROR where OCPP-J allows one and logged otherwise. A CALL sent again with the
same uniqueId is answered as before and processed once (:mod:`csms_under_test.recent_answers`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import logging
import re
import ssl
import time
from collections.abc import Coroutine, Sequence
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed, NegotiationError
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from csms_under_test.admission import Admission
from csms_under_test.connections import (
    CallTimeout,
    ChargePointConnection,
    ChargePointDisconnected,
    ConnectionRegistry,
)
from csms_under_test.constraints import connector_violation
from csms_under_test.faults import (
    DROP_ON_NEGATIVE_ANSWER,
    SUBPROTOCOL_FIRST_OFFERED,
    SUBPROTOCOL_NOT_REQUIRED,
    Faults,
)
from csms_under_test.group_commit import CommitFailed, GroupCommit
from csms_under_test.handlers import ErrorReply, NoReply
from csms_under_test.handlers.base import CallContext, FollowUp, Handler
from csms_under_test.network import LISTEN_BACKLOG, bound_port, listen_socket
from csms_under_test.ocpp_connection import Done, OcppConnection
from csms_under_test.recent_answers import RecentAnswers, request_digest
from csms_under_test.store import Store
from csms_under_test.timestamps import utc_now
from csms_under_test.variations import (
    LATE_DISCONNECT,
    LATE_DISCONNECT_S,
    POST_BOOT_BURST,
    SLOW_ANSWER_S,
    SLOW_ANSWERS,
    Variations,
)
from ocppj import (
    Call,
    CallResult,
    ErrorCode,
    IncomingCall,
    IncomingCallError,
    IncomingCallResult,
    InvalidFrame,
    Outgoing,
    UnmatchedReply,
    violation_details,
)

logger = logging.getLogger(__name__)

OCPP_PATH = "/ocpp"
OCPP_SUBPROTOCOL = Subprotocol("ocpp1.6")
# The WebSocket extension offered to charge points: none. OCPP-J 1.6 asks for none, and
# permessage-deflate (websockets' default) cost a zlib stream per connection (memory) and
# a compression per frame both ways, for frames of a few hundred bytes.
COMPRESSION = None
# Seconds to wait for a charge point to complete the WebSocket closing handshake.
CLOSE_TIMEOUT = 5.0
# WebSocket close code 1011: the server ends the connection on an unexpected condition (RFC 6455).
CLOSE_INTERNAL_ERROR = 1011
# WebSocket close code 1008: policy violation (a second connection for one charge point).
CLOSE_POLICY_VIOLATION = 1008
# POST_BOOT_BURST: how long each of its requests may take.
BURST_CALL_TIMEOUT = 10.0
# Statuses by which a charge point declines a CSMS request (OCPP 1.6 §7: RemoteStartStopStatus,
# UnlockStatus, ConfigurationStatus, ClearCacheStatus, ReservationStatus, CancelReservationStatus,
# UpdateStatus, TriggerMessageStatus, AvailabilityStatus, ...).
NEGATIVE_STATUSES = frozenset(
    {
        "Rejected",
        "NotSupported",
        "NotImplemented",
        "UnlockFailed",
        "Failed",
        "Faulted",
        "Occupied",
        "Unavailable",
        "Unknown",
        "UnknownMessageId",
        "UnknownVendorId",
        "VersionMismatch",
    }
)
# GetLocalListVersion.conf listVersion -1: the charge point has no local list support (§5.10).
LIST_VERSION_NOT_SUPPORTED = -1
# The longest charge point identity: OCPP-J 1.6 sets none; OCPP 2.0.1 Part 4 §3.1.1 makes the
# identity an identifierString of at most 48 characters (chosen for the EVSE ID), and
# HTTP Basic authentication takes it as the username (OCPP-J 1.6 §6.2.2).
MAX_CHARGE_POINT_ID_LENGTH = 48
# How much of a frame a log line quotes.
LOG_QUOTE = 200
# A "%" that starts no percent-encoded octet (RFC 3986 §2.1: "%" HEXDIG HEXDIG).
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def is_negative_answer(event: IncomingCallResult | IncomingCallError) -> bool:
    """A CALLRESULT whose status declines the request (a CALLERROR is not an answer), or a
    GetLocalListVersion answered with listVersion -1."""
    if not isinstance(event, IncomingCallResult):
        return False
    payload = event.result.payload
    if event.call.action == "GetLocalListVersion":
        version = payload.get("listVersion")
        return version == LIST_VERSION_NOT_SUPPORTED and not isinstance(version, bool)
    return payload.get("status") in NEGATIVE_STATUSES


def charge_point_id_from_path(path: str) -> str | None:
    """The charge point id of a request path ``/ocpp/<id>`` (OCPP-J 1.6 §3.1.1), or None
    (the handshake is then refused with 404, OCPP-J 1.6 §3.2).

    The id is the last path segment, percent-decoded as UTF-8 (RFC 3986 §2.1; a "%" that
    encodes nothing, or octets that are no UTF-8, make no id). It must be a
    usable identity: 1 to MAX_CHARGE_POINT_ID_LENGTH printable characters (no control
    character, NUL included), no "/" (it would be two segments once decoded), and not "."
    or ".." (dot segments, RFC 3986 §3.3), which would also make paths of it.
    """
    prefix = OCPP_PATH + "/"
    path = urlsplit(path).path
    if not path.startswith(prefix):
        return None
    segment = path[len(prefix) :]
    if not segment or "/" in segment or _BAD_PERCENT.search(segment):
        return None
    try:
        identity = unquote(segment, errors="strict")
    except UnicodeDecodeError:
        return None
    if (
        not 0 < len(identity) <= MAX_CHARGE_POINT_ID_LENGTH
        or not identity.isprintable()
        or "/" in identity
        or identity in (".", "..")
    ):
        return None
    return identity


def _remote(websocket: ServerConnection) -> str:
    address = websocket.remote_address
    if isinstance(address, tuple) and len(address) >= 2:
        return f"{address[0]}:{address[1]}"
    return str(address)


class OcppServer:
    def __init__(
        self,
        *,
        store: Store,
        faults: Faults,
        registry: ConnectionRegistry,
        handlers: dict[str, Handler],
        heartbeat_interval: int,
        variations: Variations | None = None,
        admission: Admission | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self._store = store
        # The writes of the requests handled in one loop turn share a commit, made before
        # any of their answers is sent.
        self._commits = GroupCommit(store)
        # Who may connect (security profiles); None: everyone, as profile 0 with unknown
        # charge points accepted (the handlers' own tests).
        self._admission = admission
        self._tls = tls
        self._faults = faults
        self._variations = variations or Variations()
        self._closed_at: dict[str, float] = {}  # charge point id -> when its connection closed
        self._registry = registry
        self._handlers = handlers
        self._heartbeat_interval = heartbeat_interval
        self._servers: list[Server] = []
        self._port = 0
        self._tls_port: int | None = None
        self._replaced: set[asyncio.Task[None]] = set()  # closes, post-boot bursts
        self._answers = RecentAnswers()
        self._serials = itertools.count(1)  # each connection's number, for _answers
        # NumberOfConnectors as each charge point reported it in a GetConfiguration answer
        self._connectors: dict[str, int] = {}

    @property
    def port(self) -> int:
        return self._port

    @property
    def tls_port(self) -> int | None:
        """The wss:// listener's port when there is one beside the ws:// one."""
        return self._tls_port

    async def start(self, host: str, port: int, tls_port: int | None = None) -> None:
        """Listen on ``port``: TLS when the server has a TLS context and no ``tls_port``;
        with ``tls_port`` ws:// on ``port`` (profiles 0, 1) and wss:// on ``tls_port``
        (profiles 2, 3), each charge point held to its own profile (admission)."""
        if self._tls is None or tls_port is None:
            self._port = await self._listen(host, port, self._tls)
            return
        self._port = await self._listen(host, port, None)
        try:
            self._tls_port = await self._listen(host, tls_port, self._tls)
        except BaseException:
            await self.stop()
            raise

    async def _listen(self, host: str, port: int, tls: ssl.SSLContext | None) -> int:
        sock = listen_socket(host, port)
        try:
            server = await serve(
                self._serve_connection,
                sock=sock,
                process_request=self._process_request,
                select_subprotocol=self._select_subprotocol,
                close_timeout=CLOSE_TIMEOUT,
                compression=COMPRESSION,
                ssl=tls,
                backlog=LISTEN_BACKLOG,
                create_connection=OcppConnection,
            )
        except BaseException:
            sock.close()
            raise
        self._servers.append(server)
        return bound_port(sock)

    async def stop(self) -> None:
        """Close every connection (1001 going away) and wait for their handlers to end."""
        servers, self._servers = self._servers, []
        for server in servers:
            server.close()
        for server in servers:
            await server.wait_closed()
        if self._replaced:
            await asyncio.gather(*self._replaced, return_exceptions=True)

    # -- handshake --------------------------------------------------------------------
    def _process_request(self, websocket: ServerConnection, request: Request) -> Response | None:
        charge_point_id = charge_point_id_from_path(request.path)
        if charge_point_id is None:
            return websocket.respond(
                HTTPStatus.NOT_FOUND, f"Charge points connect to {OCPP_PATH}/<chargePointId>\n"
            )
        if self._admission is None:
            return None
        transport = websocket.transport
        refusal = self._admission.refusal(
            charge_point_id,
            request.headers.get("Authorization"),
            transport.get_extra_info("peercert"),
            tls=transport.get_extra_info("ssl_object") is not None,
        )
        if refusal is None:
            return None
        self._admission.refused(charge_point_id, _remote(websocket), refusal)
        response = websocket.respond(refusal.status, f"{refusal.reason}\n")
        for name, value in refusal.headers.items():
            response.headers[name] = value
        return response

    def _select_subprotocol(
        self, websocket: ServerConnection, offered: Sequence[Subprotocol]
    ) -> Subprotocol | None:
        # OCPP-J 1.6 §3.1.2: the client offers "ocpp1.6" and the server must select it
        # (TC_088_CSMS: an offer without it is refused).
        if SUBPROTOCOL_FIRST_OFFERED in self._faults and offered:
            return offered[0]
        if OCPP_SUBPROTOCOL in offered:
            return OCPP_SUBPROTOCOL
        if SUBPROTOCOL_NOT_REQUIRED in self._faults:
            return None  # upgraded with no Sec-WebSocket-Protocol header
        raise NegotiationError(
            f"the client must offer the WebSocket subprotocol {OCPP_SUBPROTOCOL}"
        )

    # -- connection -------------------------------------------------------------------
    async def _serve_connection(self, websocket: ServerConnection) -> None:
        assert websocket.request is not None  # set once the handshake succeeded
        assert isinstance(websocket, OcppConnection)  # serve(create_connection=...)
        charge_point_id = charge_point_id_from_path(websocket.request.path)
        assert charge_point_id is not None  # _process_request refused other paths
        connection = ChargePointConnection(
            charge_point_id, websocket, self._variations, serial=next(self._serials)
        )
        if self._still_registered(charge_point_id):
            # LATE_DISCONNECT: the previous connection's close has not been noticed yet.
            logger.info("%s: the previous connection still counts as up; closing", charge_point_id)
            await connection.close(
                f"{charge_point_id} is already connected", CLOSE_POLICY_VIOLATION
            )
            return
        previous = self._registry.add(connection)
        if self._admission is not None:
            self._admission.accepted(
                charge_point_id, _remote(websocket), replaced=previous is not None
            )
        if previous is not None:
            logger.info("%s: new connection replaces the previous one", charge_point_id)
            self._close_replaced(previous)
        logger.info("%s: connected from %s", charge_point_id, websocket.remote_address)
        try:
            with self._store.deferred():
                self._store.ensure_charge_point(charge_point_id)
            await self._commits.durable()
            # From here each message is handled as it is read, one at a time (in order) per
            # connection and one connection after another (fair): see OcppConnection.
            websocket.serve_messages(functools.partial(self._on_message, connection))
            await websocket.wait_closed()
        except ConnectionClosed:
            pass
        finally:
            self._registry.remove(connection)
            connection.connection_lost()
            self._closed_at[charge_point_id] = time.monotonic()
            logger.info("%s: disconnected", charge_point_id)

    def _still_registered(self, charge_point_id: str) -> bool:
        closed = self._closed_at.get(charge_point_id)
        return (
            LATE_DISCONNECT in self._variations
            and closed is not None
            and time.monotonic() - closed < LATE_DISCONNECT_S
        )

    def _in_background(self, work: Coroutine[Any, Any, None], done: Done | None = None) -> None:
        """Run ``work`` in a task; ``done`` once it ends, however it ends."""
        task = asyncio.create_task(work)
        self._replaced.add(task)
        task.add_done_callback(self._replaced.discard)
        if done is not None:
            task.add_done_callback(lambda _: done())

    def _close_replaced(self, previous: ChargePointConnection) -> None:
        self._in_background(previous.close("replaced by a new connection"))

    def _on_message(
        self, connection: ChargePointConnection, message: str | bytes, done: Done
    ) -> None:
        """Handle one message of the connection; ``done`` once through with it (the
        connection's next message waits until then)."""
        cp = connection.charge_point_id
        if isinstance(message, bytes):
            # An OCPP-J message is JSON text in UTF-8 (OCPP-J 1.6 §4.1.2), which is what a
            # WebSocket text frame carries (RFC 6455 §5.6). A binary frame is not read, and
            # not answered: there is no message in it. The connection stays (RFC 6455 §7.4.1
            # would allow closing it with 1003).
            logger.warning("%s: binary frame of %d bytes ignored", cp, len(message))
            done()
            return
        logger.debug("%s -> %.2000s", cp, message)
        event = connection.session.receive(message)
        if isinstance(event, IncomingCall):
            self._answer(connection, event, message, done)
            return
        if isinstance(event, IncomingCallResult | IncomingCallError):
            if event.late:
                logger.warning("%s: late answer to %s ignored", cp, event.call.action)
            else:
                self._learn(cp, event)
                connection.answer_received(event)
                if DROP_ON_NEGATIVE_ANSWER in self._faults and is_negative_answer(event):
                    # Closed here, before the next frame is handled: nothing more is answered.
                    logger.info("%s: %s declined; closing the connection", cp, event.call.action)
                    closing = connection.close(
                        f"{event.call.action} was declined", CLOSE_INTERNAL_ERROR
                    )
                    self._in_background(closing, done)
                    return
        elif isinstance(event, UnmatchedReply):
            logger.warning("%s: reply to no request of ours: %.*s", cp, LOG_QUOTE, event.frame)
        elif isinstance(event, InvalidFrame):
            logger.warning("%s: invalid frame (%s): %.*s", cp, event.error, LOG_QUOTE, event.text)
            if event.reply is not None:
                self._send_answer(connection, event.reply.text, done)
                return
        done()

    def _learn(self, cp: str, event: IncomingCallResult | IncomingCallError) -> None:
        """What an answer tells of the charge point: its NumberOfConnectors (OCPP 1.6 §9.1.21)
        from a GetConfiguration answer that lists it."""
        if not isinstance(event, IncomingCallResult) or event.call.action != "GetConfiguration":
            return
        for entry in event.result.payload.get("configurationKey") or []:
            if isinstance(entry, dict) and entry.get("key") == "NumberOfConnectors":
                value = entry.get("value")
                if isinstance(value, str) and value.isdigit() and len(value) < 6:
                    self._connectors[cp] = int(value)

    def _answer(
        self, connection: ChargePointConnection, event: IncomingCall, text: str, done: Done
    ) -> None:
        call = event.call
        cp = connection.charge_point_id
        digest = request_digest(call.action, call.payload, text)
        decision = self._answers.decide(cp, call.unique_id, call.action, digest, connection.serial)
        if decision.replay is not None:
            # The same request again (OCPP-J 1.6 §4.1.4): its answer was lost or late.
            logger.info("%s: %s %s sent again; answered as before", cp, call.action, call.unique_id)
            connection.session.drop_unanswered(call.unique_id)
            replay = decision.replay

            def replay_committed(failed: CommitFailed | None) -> None:
                # The first answer may have waited for its commit yet.
                text = self._not_stored(connection, call).text if failed else replay
                self._send_answer(connection, text, done)

            self._commits.then(replay_committed)
            return
        if decision.reused_by is not None:
            # OCPP-J 1.6 §4.1.4: a CALL's id differs from every id the sender used for a CALL
            # on this connection; §4.2.3 answers a call whose content is no proper message.
            refusal = connection.session.send_error(
                call.unique_id,
                ErrorCode.PROTOCOL_ERROR,
                f"uniqueId {call.unique_id!r} already named a different request "
                f"({decision.reused_by}) on this connection; each CALL needs its own "
                "(OCPP-J 1.6 §4.1.4)",
            )
            self._send_answer(connection, refusal.text, done)
            return
        follow_ups: list[FollowUp] = []  # what the handler sends once it has answered
        with self._store.deferred():
            reply, remembered = self._reply(connection, event, follow_ups)
        if reply is not None and remembered:
            # Remembered at once: a retransmission on another connection is answered as
            # this one (after the same commit), never processed again.
            if call.action == "BootNotification" and isinstance(reply.frame, CallResult):
                self._answers.booted(cp, connection.serial)
            self._answers.remember(
                cp, call.unique_id, call.action, digest, reply.text, connection.serial
            )

        def committed(failed: CommitFailed | None) -> None:
            answer = reply
            if failed is not None and answer is not None:
                if remembered:
                    self._answers.forget(cp, call.unique_id)
                answer = self._not_stored(connection, call)
            if answer is None:
                done()
                return
            if (
                call.action == "BootNotification"
                and isinstance(answer.frame, CallResult)
                and POST_BOOT_BURST in self._variations
            ):
                self._in_background(self._burst_then_answer(connection, answer.text), done)
                return
            self._send_answer(connection, answer.text, done, follow_ups)

        # What the answer reports must be on disk before it leaves (kill -9 loses nothing
        # answered); the commit is shared with the loop turn's other requests.
        self._commits.then(committed)

    @staticmethod
    def _not_stored(connection: ChargePointConnection, call: Call) -> Outgoing:
        """The answer to a request whose writes could not be committed: InternalError (not
        remembered, so that the request sent again is processed again)."""
        return connection.session.send_error(
            call.unique_id, ErrorCode.INTERNAL_ERROR, f"the CSMS failed to store {call.action}"
        )

    def _send_answer(
        self,
        connection: ChargePointConnection,
        text: str,
        done: Done,
        follow_ups: Sequence[FollowUp] = (),
    ) -> None:
        if SLOW_ANSWERS in self._variations:
            self._in_background(self._answer_later(connection, text, follow_ups), done)
            return
        connection.send_now(text)
        self._follow_up(connection, follow_ups)
        done()

    async def _answer_later(
        self, connection: ChargePointConnection, text: str, follow_ups: Sequence[FollowUp] = ()
    ) -> None:
        if SLOW_ANSWERS in self._variations:
            await asyncio.sleep(SLOW_ANSWER_S)
        with contextlib.suppress(ConnectionClosed):
            await connection.send_text(text)
            self._follow_up(connection, follow_ups)

    def _follow_up(self, connection: ChargePointConnection, follow_ups: Sequence[FollowUp]) -> None:
        """The handler's requests after its answer (each in a task of its own: its answer is
        read by the message loop this connection's next message waits for)."""
        for follow_up in follow_ups:
            self._in_background(follow_up(connection))

    async def _burst_then_answer(self, connection: ChargePointConnection, text: str) -> None:
        await self._start_burst(connection)
        await self._answer_later(connection, text)

    def _reply(
        self,
        connection: ChargePointConnection,
        event: IncomingCall,
        follow_ups: list[FollowUp] | None = None,
    ) -> tuple[Outgoing | None, bool]:
        """The answer to a request sent for the first time (None: left unanswered), and
        whether it is remembered for a retransmission: every answer but InternalError, after
        which the request sent again is processed again."""
        call = event.call
        session = connection.session
        cp = connection.charge_point_id
        handler = self._handlers.get(call.action)
        if handler is None:
            # OCPP-J 1.6 §4.2.3: NotImplemented, the requested action is not known here.
            return session.send_error(
                call.unique_id,
                ErrorCode.NOT_IMPLEMENTED,
                f"{call.action} is not implemented by this CSMS",
            ), True
        if event.suggested_error is not None:
            return session.send_error(
                call.unique_id,
                event.suggested_error,
                event.violations[0].describe(),
                violation_details(event.violations),
            ), True
        constraint = connector_violation(call.action, call.payload, self._connectors.get(cp))
        if constraint is not None:
            return session.send_error(
                call.unique_id,
                ErrorCode.PROPERTY_CONSTRAINT_VIOLATION,
                f"{call.action}: connectorId: {constraint['message']}",
                {"violations": [constraint]},
            ), True
        context = CallContext(
            charge_point_id=cp,
            received_at=utc_now(),
            store=self._store,
            faults=self._faults,
            heartbeat_interval=self._heartbeat_interval,
            authorized_id_tags=connection.authorized_id_tags,
            follow_ups=follow_ups if follow_ups is not None else [],
        )
        try:
            result = handler(context, call.payload)
        except Exception:
            logger.exception("%s: %s handler failed", cp, call.action)
            return session.send_error(
                call.unique_id,
                ErrorCode.INTERNAL_ERROR,
                f"the CSMS failed to process {call.action}",
            ), False
        if isinstance(result, NoReply):
            logger.info("%s: %s left unanswered", cp, call.action)
            return None, False
        if isinstance(result, ErrorReply):
            return session.send_error(call.unique_id, result.error_code, result.description), True
        reply = session.send_result(call.unique_id, result)
        for violation in reply.violations:
            logger.error("CSMS answer breaks the schema: %s", violation.describe())
        return reply, True

    async def _start_burst(self, connection: ChargePointConnection) -> None:
        """POST_BOOT_BURST: what many CSMSs do when a charge point boots. The first request
        leaves before the BootNotification is answered."""
        first_sent = asyncio.Event()
        busy = connection.busy  # then waiting here would hold the answer the call needs
        self._in_background(self._burst(connection, first_sent))
        if busy:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(first_sent.wait(), BURST_CALL_TIMEOUT)

    async def _burst(self, connection: ChargePointConnection, first_sent: asyncio.Event) -> None:
        cp = connection.charge_point_id
        connectors = sorted(
            {s.connector_id for s in self._store.connector_statuses(cp) if s.connector_id > 0}
        ) or [1]
        requests: list[tuple[str, dict[str, Any]]] = [
            ("GetConfiguration", {"key": ["HeartbeatInterval", "MeterValuesSampledData"]}),
            (
                "ChangeConfiguration",
                {"key": "MeterValuesSampledData", "value": "Energy.Active.Import.Register"},
            ),
            ("ChangeAvailability", {"connectorId": 0, "type": "Operative"}),
            *(
                ("TriggerMessage", {"requestedMessage": "StatusNotification", "connectorId": c})
                for c in connectors
            ),
        ]
        for index, (action, payload) in enumerate(requests):
            try:
                sent = first_sent if index == 0 else None
                await connection.call(action, payload, BURST_CALL_TIMEOUT, sent)
            except (CallTimeout, ChargePointDisconnected) as error:
                logger.info("%s: post-boot %s: %s", cp, action, error)
                first_sent.set()
                return
