"""One side of an OCPP-J 1.6 connection, sans I/O.

Feed received text frames to :meth:`Session.receive` and get events back; ask
:meth:`Session.send_call` / :meth:`send_result` / :meth:`send_error` for the text to put on
the wire. The session pairs CALLRESULT/CALLERROR with their CALL by uniqueId, enforces
one outstanding CALL per direction (OCPP-J 1.6 §4.1.1) and validates every payload in both
directions against the OCA schemas; violations are carried on the events as data.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ocppj.errors import ErrorCode
from ocppj.frames import (
    Call,
    CallError,
    CallResult,
    Frame,
    FrameError,
    bounded_error,
    parse_frame,
)
from ocppj.schemas import SchemaViolation, validate_payload


class OutstandingCallError(RuntimeError):
    """Raised when a second CALL is sent before the first one was answered."""


@dataclass(frozen=True)
class Outgoing:
    frame: Frame
    text: str
    action: str
    violations: list[SchemaViolation] = field(default_factory=list)


@dataclass(frozen=True)
class IncomingCall:
    """The peer sent a request; answer it with send_result or send_error."""

    call: Call
    violations: list[SchemaViolation]
    # The peer sent this CALL while an earlier one of its own was still unanswered.
    overlapping: bool = False

    @property
    def suggested_error(self) -> ErrorCode | None:
        """The CALLERROR code to answer with when the request breaks its schema."""
        if not self.violations:
            return None
        if any(v.keyword == "action" for v in self.violations):
            return ErrorCode.NOT_IMPLEMENTED
        return self.violations[0].error_code


@dataclass(frozen=True)
class IncomingCallResult:
    call: Call  # our request this answers
    result: CallResult
    violations: list[SchemaViolation]
    late: bool = False  # the request had already been given up (abandon_call)


@dataclass(frozen=True)
class IncomingCallError:
    call: Call
    error: CallError
    late: bool = False


@dataclass(frozen=True)
class UnmatchedReply:
    """A CALLRESULT or CALLERROR whose uniqueId matches no request of ours."""

    frame: CallResult | CallError


@dataclass(frozen=True)
class InvalidFrame:
    """A frame that is not OCPP-J. ``reply`` is the CALLERROR to send, if one can be sent."""

    text: str
    error: FrameError
    reply: Outgoing | None


SessionEvent = IncomingCall | IncomingCallResult | IncomingCallError | UnmatchedReply | InvalidFrame


def _uuid_ids() -> Callable[[], str]:
    return lambda: str(uuid.uuid4())


def counter_ids(prefix: str = "") -> Callable[[], str]:
    """Deterministic uniqueIds (for tests): prefix1, prefix2, ..."""
    numbers = itertools.count(1)
    return lambda: f"{prefix}{next(numbers)}"


class Session:
    def __init__(self, new_id: Callable[[], str] | None = None) -> None:
        self._new_id = new_id or _uuid_ids()
        self._outstanding: Call | None = None
        self._abandoned: dict[str, Call] = {}
        self._unanswered: dict[str, Call] = {}  # the peer's requests we have not answered

    @property
    def outstanding(self) -> Call | None:
        """Our CALL that still waits for its answer, if any."""
        return self._outstanding

    @property
    def unanswered(self) -> list[Call]:
        return list(self._unanswered.values())

    # -- outgoing ---------------------------------------------------------------------
    def send_call(self, action: str, payload: dict[str, Any]) -> Outgoing:
        if self._outstanding is not None:
            raise OutstandingCallError(
                f"{self._outstanding.action} ({self._outstanding.unique_id}) is still "
                "unanswered; OCPP-J 1.6 §4.1.1 allows one outstanding CALL per direction"
            )
        call = Call(self._new_id(), action, payload)
        self._outstanding = call
        return Outgoing(
            call, call.to_json(), action, validate_payload(action, payload, response=False)
        )

    def send_result(self, unique_id: str, payload: dict[str, Any]) -> Outgoing:
        call = self._take_unanswered(unique_id)
        result = CallResult(unique_id, payload)
        return Outgoing(
            result,
            result.to_json(),
            call.action,
            validate_payload(call.action, payload, response=True),
        )

    def send_error(
        self,
        unique_id: str,
        code: ErrorCode | str,
        description: str = "",
        details: dict[str, Any] | None = None,
    ) -> Outgoing:
        """A CALLERROR for the peer's request ``unique_id``, kept small (see
        :func:`ocppj.frames.bounded_error`)."""
        call = self._unanswered.pop(unique_id, None)
        error = bounded_error(unique_id, str(code), description, details)
        return Outgoing(error, error.to_json(), call.action if call else "")

    def drop_unanswered(self, unique_id: str) -> Call | None:
        """Forget the peer's request ``unique_id`` without answering it here: it was
        answered with text made elsewhere (a retransmission answered as before)."""
        return self._unanswered.pop(unique_id, None)

    def abandon_call(self) -> Call | None:
        """Give up waiting for our outstanding CALL (response timeout); a later answer to it
        is reported with ``late=True``."""
        call, self._outstanding = self._outstanding, None
        if call is not None:
            self._abandoned[call.unique_id] = call
        return call

    # -- incoming ---------------------------------------------------------------------
    def receive(self, text: str | bytes) -> SessionEvent:
        try:
            frame = parse_frame(text)
        except FrameError as error:
            raw = text if isinstance(text, str) else text.decode("utf-8", "replace")
            reply = None
            if error.unique_id is not None:
                error_frame = bounded_error(error.unique_id, str(error.error_code), str(error))
                reply = Outgoing(error_frame, error_frame.to_json(), "")
            return InvalidFrame(raw, error, reply)
        if isinstance(frame, Call):
            overlapping = bool(self._unanswered)
            self._unanswered[frame.unique_id] = frame
            violations = validate_payload(frame.action, frame.payload, response=False)
            return IncomingCall(frame, violations, overlapping)
        call, late = self._match(frame.unique_id)
        if call is None:
            return UnmatchedReply(frame)
        if isinstance(frame, CallResult):
            violations = validate_payload(call.action, frame.payload, response=True)
            return IncomingCallResult(call, frame, violations, late)
        return IncomingCallError(call, frame, late)

    def _match(self, unique_id: str) -> tuple[Call | None, bool]:
        if self._outstanding is not None and self._outstanding.unique_id == unique_id:
            call, self._outstanding = self._outstanding, None
            return call, False
        abandoned = self._abandoned.pop(unique_id, None)
        return abandoned, abandoned is not None

    def _take_unanswered(self, unique_id: str) -> Call:
        try:
            return self._unanswered.pop(unique_id)
        except KeyError:
            raise KeyError(f"no unanswered request with uniqueId {unique_id!r}") from None
