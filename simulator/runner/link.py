"""One OCPP-J connection during a case: sends, receives, pairs and records every frame.

The link runs over an injected :class:`simulator.channel.Channel` (a WebSocket in
production, an in-memory peer in tests). A reader task feeds received frames to the
sans-I/O session. Answers go to the waiting call. Every CSMS request is answered the
moment it arrives: by the open ``expect_csms`` window that takes it (simulator.runner.
windows), or else by the charge point model, and then queued in ``unsolicited`` for the
runner to act on what the model accepted. Protocol breaches that belong to no step (a
non-JSON frame, an answer with an unknown uniqueId) are collected as findings for the
runner to turn into verdicts.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ocppj import (
    Call,
    CallError,
    CallResult,
    IncomingCall,
    IncomingCallError,
    IncomingCallResult,
    InvalidFrame,
    SchemaViolation,
    Session,
    UnmatchedReply,
)
from ocppj.session import Outgoing
from reports.results import MessageRecord
from simulator.channel import Channel, ChannelClosed
from simulator.chargepoint.authorization_key import without_secrets
from simulator.chargepoint.model import Answer
from simulator.clock import Clock, ocpp_timestamp
from simulator.errors import LinkError
from simulator.runner.windows import InboundRequest, Window, schema_error_answer

frames = logging.getLogger("simulator.frames")  # simulate -v: every frame, as recorded

CP_TO_CSMS = "CP->CSMS"
CSMS_TO_CP = "CSMS->CP"


class ConnectionLost(LinkError):
    def __init__(self, code: int | None, reason: str, awaiting: str = "") -> None:
        self.code = code
        self.reason = reason
        self.awaiting = awaiting  # the request whose answer never came, if any
        detail = f"code {code}{', ' + reason if reason else ''}"
        before = f" before answering {awaiting}" if awaiting else ""
        super().__init__(f"the CSMS closed the connection ({detail}){before}")


class ProtocolBreach(LinkError):
    """The CSMS sent something that is not OCPP-J while a step was waiting: the step ends
    at once instead of waiting out its timeout. The details are in Link.findings."""


@dataclass
class CallOutcome:
    call: Call
    violations_sent: list[SchemaViolation]
    result: CallResult | None = None
    error: CallError | None = None
    violations: list[SchemaViolation] = field(default_factory=list)
    latency_s: float | None = None

    @property
    def timed_out(self) -> bool:
        return self.result is None and self.error is None


@dataclass(frozen=True)
class Unsolicited:
    """A CSMS request no window took, and the model's answer to it."""

    request: InboundRequest
    answer: Answer


Answerer = Callable[[str, dict[str, Any]], Answer]


class Link:
    def __init__(
        self,
        channel: Channel,
        session: Session,
        clock: Clock,
        answerer: Answerer,
        started_at: float,
        messages: list[MessageRecord],
    ) -> None:
        self._channel = channel
        self._session = session
        self._clock = clock
        self._answerer = answerer
        self._started_at = started_at
        self.messages = messages
        self.response_timeout = 35.0  # the CSMS's own timeout, as far as we can know it
        self.findings: list[str] = []
        self.closed: ConnectionLost | None = None
        self.heard = False  # the CSMS has sent a frame on this connection
        self._last_frame_at = clock.monotonic()  # the last frame either way
        self._pending: tuple[Call, asyncio.Future[CallOutcome], CallOutcome] | None = None
        self._windows: list[Window] = []
        self.unsolicited: list[Unsolicited] = []  # answered by the model, not yet acted on
        self.changed = asyncio.Event()  # a request, a finding, the close, an operator call
        self._received_at: dict[str, float] = {}  # the CSMS's unanswered CALLs: when they came
        self._sent_at: dict[str, float] = {}  # our CALLs by uniqueId: when they left
        self.late_answer = asyncio.Event()  # an answer arrived after its response timeout
        self._reader: asyncio.Task[None] | None = None

    # -- lifecycle --------------------------------------------------------------------
    def start(self) -> None:
        self._reader = asyncio.create_task(self._read(), name="ocpp-reader")

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._channel.close(), timeout=2)
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader

    def _finding(self, message: str) -> None:
        self.findings.append(message)
        if self._pending is not None and not self._pending[1].done():
            self._pending[1].set_exception(ProtocolBreach(message))
        self.changed.set()

    async def settle(self, quiet: float, at_most: float) -> None:
        """Wait until no CALL is outstanding either way and nothing came for ``quiet`` s
        (at most ``at_most`` s in all), so that a close interrupts nothing."""
        if self.closed is not None:
            return
        give_up = self._clock.monotonic() + at_most
        while self.closed is None:
            now = self._clock.monotonic()
            busy = self._pending is not None or bool(self._received_at)
            idle_for = now - self._last_frame_at
            if not busy and idle_for >= quiet:
                return
            if now >= give_up:
                return
            self.changed.clear()
            wait = min(give_up - now, quiet if busy else quiet - idle_for)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), max(wait, 0.001))

    def take_findings(self) -> list[str]:
        findings, self.findings = self.findings, []
        return findings

    # -- our requests -----------------------------------------------------------------
    async def call(self, action: str, payload: dict[str, Any], timeout: float) -> CallOutcome:
        """Send a request and wait up to ``timeout`` s for its answer (latency measured
        with the monotonic clock from frame sent to answer received)."""
        self._raise_if_closed()
        outgoing = self._session.send_call(action, payload)
        assert isinstance(outgoing.frame, Call)
        outcome = CallOutcome(outgoing.frame, outgoing.violations)
        future: asyncio.Future[CallOutcome] = asyncio.get_running_loop().create_future()
        # Pending before the frame leaves, so that an instant answer finds its request.
        self._pending = (outgoing.frame, future, outcome)
        try:
            await self._send(outgoing, CP_TO_CSMS)
            return await asyncio.wait_for(asyncio.shield(future), timeout)
        except TimeoutError:
            return outcome
        except ConnectionLost as lost:
            raise ConnectionLost(lost.code, lost.reason, f"{action}.req") from None
        finally:
            self._pending = None
            if future.done() and not future.cancelled():
                future.exception()  # seen here (the close may have set it as well)
            if self._session.outstanding is outgoing.frame:
                # Unanswered (timeout, breach, close): a later answer is late, and the
                # next request of ours (teardown's StopTransaction) may go out.
                self._session.abandon_call()

    # -- the CSMS's requests ----------------------------------------------------------
    def open_window(self, window: Window) -> None:
        """From now on, the first request of the window's action that matches is its."""
        self._windows.append(window)

    def close_window(self, window: Window) -> None:
        with contextlib.suppress(ValueError):
            self._windows.remove(window)

    async def wait_for(self, window: Window, until: Callable[[], float]) -> None:
        """Wait until ``window`` took its request, or the deadline ``until()`` returns
        (monotonic, read again at every change), or the window is interrupted, or an
        unrequested request is to be acted on; raises ConnectionLost or ProtocolBreach
        when the connection closes or breaks OCPP-J."""
        while window.taken is None and not self.unsolicited:
            self._raise_if_closed()
            if self.findings:
                raise ProtocolBreach(self.findings[0])
            if window.interrupted:
                return
            remaining = until() - self._clock.monotonic()
            if remaining <= 0:
                return
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), remaining)

    async def reply(self, call: Call, answer: Answer) -> None:
        self._received_at.pop(call.unique_id, None)
        if answer.error is not None:
            outgoing = self._session.send_error(call.unique_id, answer.error, answer.description)
        else:
            outgoing = self._session.send_result(call.unique_id, answer.payload or {})
        await self._send(outgoing, CP_TO_CSMS)

    # -- internals --------------------------------------------------------------------
    def _raise_if_closed(self) -> None:
        if self.closed is not None:
            raise self.closed

    def _record(
        self, direction: str, frame: Any, action: str, at: float, **extra: Any
    ) -> MessageRecord:
        kind = {Call: "CALL", CallResult: "CALLRESULT", CallError: "CALLERROR"}.get(
            type(frame), "INVALID"
        )
        payload: Any
        if isinstance(frame, CallError):
            payload = {
                "errorCode": frame.error_code,
                "errorDescription": frame.error_description,
                "errorDetails": frame.error_details,
            }
        elif isinstance(frame, Call | CallResult):
            payload = frame.payload
        else:
            payload = frame
        payload = without_secrets(action, payload)
        record = MessageRecord(
            direction=direction,
            message_type=kind,
            unique_id=getattr(frame, "unique_id", ""),
            action=action,
            payload=payload,
            wall_time=ocpp_timestamp(self._clock.now()),
            t=round(at - self._started_at, 6),
            **extra,
        )
        self.messages.append(record)
        if frames.isEnabledFor(logging.DEBUG):
            frames.debug(
                "%s %s %s %s %s",
                direction,
                kind,
                record.unique_id,
                action,
                json.dumps(payload, ensure_ascii=False)[:2000],
            )
        return record

    async def _send(self, outgoing: Outgoing, direction: str) -> None:
        """Record a frame (with the monotonic time it is handed to the socket) and send it."""
        at = self._last_frame_at = self._clock.monotonic()
        if isinstance(outgoing.frame, Call):
            # Latency counts from here; set before the send, as the answer may beat it back.
            self._sent_at[outgoing.frame.unique_id] = at
        self._record(
            direction,
            outgoing.frame,
            outgoing.action,
            at,
            violations=[v.to_dict() for v in outgoing.violations],
        )
        try:
            await self._channel.send(outgoing.text)
        except ChannelClosed as exc:
            self._mark_closed(exc)
            assert self.closed is not None
            raise self.closed from None

    def _mark_closed(self, exc: ChannelClosed) -> None:
        if self.closed is None:
            self.closed = ConnectionLost(exc.code, exc.reason)

    async def _read(self) -> None:
        try:
            while True:
                raw = await self._channel.receive()
                await self._handle(raw, self._clock.monotonic())
        except ChannelClosed as exc:
            self._mark_closed(exc)
        finally:
            if self.closed is None:
                self.closed = ConnectionLost(None, "the reader stopped")
            if self._pending is not None and not self._pending[1].done():
                self._pending[1].set_exception(self.closed)
            self.changed.set()

    async def _handle(self, raw: str | bytes, at: float) -> None:
        self.heard = True
        self._last_frame_at = at
        event = self._session.receive(raw)
        if isinstance(event, IncomingCallResult | IncomingCallError):
            await self._handle_answer(event, at)
        elif isinstance(event, IncomingCall):
            await self._handle_request(event, at)
        elif isinstance(event, InvalidFrame):
            self._record(CSMS_TO_CP, event.text, "", at, note=str(event.error))
            self._finding(
                f"the CSMS sent a frame that is not OCPP-J: {event.error} (OCPP-J 1.6 §4)"
            )
            if event.reply is not None:
                await self._send(event.reply, CP_TO_CSMS)
        elif isinstance(event, UnmatchedReply):
            self._record(CSMS_TO_CP, event.frame, "", at, note="uniqueId matches no request")
            self._finding(
                f"the CSMS sent an answer with uniqueId {event.frame.unique_id!r}, which matches "
                "no request of the charge point (OCPP-J 1.6 §4.1.3)"
            )

    async def _handle_answer(
        self, event: IncomingCallResult | IncomingCallError, at: float
    ) -> None:
        frame = event.result if isinstance(event, IncomingCallResult) else event.error
        violations = event.violations if isinstance(event, IncomingCallResult) else []
        pending = self._pending
        sent_at = self._sent_at.pop(event.call.unique_id, None)
        latency = at - sent_at if sent_at is not None else None
        if event.late:
            self.late_answer.set()
        self._record(
            CSMS_TO_CP,
            frame,
            event.call.action,
            at,
            violations=[v.to_dict() for v in violations],
            latency_ms=round(latency * 1000, 3) if latency is not None else None,
            note="late: after the response timeout" if event.late else "",
        )
        if event.late or pending is None or pending[0].unique_id != event.call.unique_id:
            return
        outcome = pending[2]
        outcome.latency_s = latency
        outcome.violations = violations
        if isinstance(frame, CallResult):
            outcome.result = frame
        else:
            outcome.error = frame
        if not pending[1].done():
            pending[1].set_result(outcome)

    async def _handle_request(self, event: IncomingCall, at: float) -> None:
        call = event.call
        self._record(
            CSMS_TO_CP, call, call.action, at, violations=[v.to_dict() for v in event.violations]
        )
        if event.overlapping and self._overlaps(at):
            self._finding(
                f"the CSMS sent {call.action} while an earlier request of its own was unanswered "
                "(OCPP-J 1.6 §4.1.1: one outstanding CALL per direction)"
            )
        self._received_at[call.unique_id] = at
        request = InboundRequest(
            call, event.violations, event.suggested_error, self._clock.now(), at - self._started_at
        )
        answer = next((a for w in self._windows if (a := w.consider(request)) is not None), None)
        if answer is not None:
            self._windows = [w for w in self._windows if w.taken is None]
        else:
            # No step waits for it: the charge point model answers it, and the runner acts
            # on what it accepted (catalog §2: the CSMS may send other requests).
            answer = schema_error_answer(request) or self._answerer(call.action, call.payload)
            self.unsolicited.append(Unsolicited(request, answer))
        await self.reply(call, answer)
        self.changed.set()

    def _overlaps(self, at: float) -> bool:
        """A real overlap: an earlier CSMS request still unanswered that the CSMS cannot
        have given up on yet (sent less than the response timeout ago)."""
        return any(at - came < self.response_timeout for came in self._received_at.values())
