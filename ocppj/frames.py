"""OCPP-J 1.6 RPC frames (OCPP-J 1.6 §4.1-§4.2): parse and serialize, nothing else.

A frame is a JSON array: CALL ``[2, uniqueId, action, payload]``, CALLRESULT
``[3, uniqueId, payload]`` and CALLERROR ``[4, uniqueId, errorCode, errorDescription,
errorDetails]``. Payloads stay the camelCase dicts that were on the wire.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from ocppj.errors import ERROR_CODES, ErrorCode

# OCPP-J 1.6 §4.1.3: uniqueId is a string of at most 36 characters.
MAX_UNIQUE_ID_LENGTH = 36


class MessageType(IntEnum):
    CALL = 2
    CALLRESULT = 3
    CALLERROR = 4


@dataclass(frozen=True)
class Call:
    unique_id: str
    action: str
    payload: dict[str, Any]

    def to_json(self) -> str:
        return _dumps([MessageType.CALL, self.unique_id, self.action, self.payload])


@dataclass(frozen=True)
class CallResult:
    unique_id: str
    payload: dict[str, Any]

    def to_json(self) -> str:
        return _dumps([MessageType.CALLRESULT, self.unique_id, self.payload])


@dataclass(frozen=True)
class CallError:
    unique_id: str
    error_code: str
    error_description: str = ""
    error_details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return _dumps(
            [
                MessageType.CALLERROR,
                self.unique_id,
                self.error_code,
                self.error_description,
                self.error_details,
            ]
        )


Frame = Call | CallResult | CallError


class FrameError(ValueError):
    """A text frame that is not a well-formed OCPP-J message.

    ``error_code`` is the CALLERROR code a peer should answer with (when ``unique_id``
    could be read, an answer is possible at all).
    """

    def __init__(self, message: str, error_code: ErrorCode, unique_id: str | None = None):
        super().__init__(message)
        self.error_code = error_code
        self.unique_id = unique_id


def _dumps(value: list[Any]) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def parse_frame(text: str | bytes) -> Frame:
    """Parse one WebSocket text frame into a Call, CallResult or CallError.

    Raises FrameError naming what is wrong; never anything else.
    """
    if isinstance(text, bytes):
        # OCPP-J 1.6 §3: messages are sent as WebSocket *text* frames.
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FrameError(
                f"binary frame is not UTF-8: {exc}", ErrorCode.FORMATION_VIOLATION
            ) from None
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise FrameError(f"not JSON: {exc}", ErrorCode.FORMATION_VIOLATION) from None
    if not isinstance(value, list) or not value:
        raise FrameError(
            f"not a JSON array with a message type id: {_preview(text)}",
            ErrorCode.FORMATION_VIOLATION,
        )
    type_id = value[0]
    raw_id = value[1] if len(value) > 1 and isinstance(value[1], str) else None
    # Errors carry a uniqueId (so that a CALLERROR can answer) only where an answer is due:
    # a CALL, or a frame of unknown type (OCPP 1.6 is silent there; OCPP 2.0.1 answers it with
    # MessageTypeNotSupported, for which ProtocolError is the nearest 1.6 code). Never a
    # malformed result or error, and never with an id that breaks the 36-character rule.
    if isinstance(type_id, bool) or type_id not in (2, 3, 4):
        answerable = raw_id if raw_id is not None and len(raw_id) <= MAX_UNIQUE_ID_LENGTH else None
        raise FrameError(
            f"unknown message type id {type_id!r} (expected 2, 3 or 4)",
            ErrorCode.PROTOCOL_ERROR,
            answerable,
        )
    if raw_id is None:
        raise FrameError("uniqueId missing or not a string", ErrorCode.FORMATION_VIOLATION)
    if len(raw_id) > MAX_UNIQUE_ID_LENGTH:
        raise FrameError(
            f"uniqueId longer than {MAX_UNIQUE_ID_LENGTH} characters",
            ErrorCode.FORMATION_VIOLATION,
        )
    if type_id == MessageType.CALL:
        return _parse_call(value, raw_id)
    if type_id == MessageType.CALLRESULT:
        if len(value) != 3 or not isinstance(value[2], dict):
            raise FrameError(
                "CALLRESULT must be [3, uniqueId, {payload}]",
                ErrorCode.FORMATION_VIOLATION,
            )
        return CallResult(raw_id, value[2])
    return _parse_call_error(value, raw_id)


def _parse_call(value: list[Any], unique_id: str) -> Call:
    if len(value) != 4 or not isinstance(value[2], str) or not isinstance(value[3], dict):
        raise FrameError(
            "CALL must be [2, uniqueId, action, {payload}]",
            ErrorCode.FORMATION_VIOLATION,
            unique_id,
        )
    return Call(unique_id, value[2], value[3])


def _parse_call_error(value: list[Any], unique_id: str) -> CallError:
    if (
        len(value) != 5
        or not isinstance(value[2], str)
        or not isinstance(value[3], str)
        or not isinstance(value[4], dict)
    ):
        raise FrameError(
            "CALLERROR must be [4, uniqueId, errorCode, errorDescription, {errorDetails}]",
            ErrorCode.FORMATION_VIOLATION,
        )
    if value[2] not in ERROR_CODES:
        raise FrameError(
            f"CALLERROR errorCode {value[2]!r} is not an OCPP 1.6 error code",
            ErrorCode.PROPERTY_CONSTRAINT_VIOLATION,
        )
    return CallError(unique_id, value[2], value[3], value[4])


def _preview(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + "..."
