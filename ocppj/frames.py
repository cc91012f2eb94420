"""OCPP-J 1.6 RPC frames (OCPP-J 1.6 §4.1-§4.2): parse and serialize, nothing else.

A frame is a JSON array: CALL ``[2, uniqueId, action, payload]``, CALLRESULT
``[3, uniqueId, payload]`` and CALLERROR ``[4, uniqueId, errorCode, errorDescription,
errorDetails]``. Payloads stay the camelCase dicts that were on the wire.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from ocppj.errors import ERROR_CODES, ErrorCode

# OCPP-J 1.6 §4.1.4: uniqueId is a string of at most 36 characters.
MAX_UNIQUE_ID_LENGTH = 36

# A \uD800-\uDFFF escape: the only way a JSON text in UTF-8 can carry a lone surrogate.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


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
    value = _loads(text)
    if not isinstance(value, list) or not value:
        raise FrameError(
            f"not a JSON array with a message type id: {_preview(text)}",
            ErrorCode.FORMATION_VIOLATION,
        )
    type_id = value[0]
    raw_id = value[1] if len(value) > 1 and isinstance(value[1], str) else None
    # Errors carry a uniqueId (so that a CALLERROR can answer) only where an answer is due:
    # a CALL, or a frame of unknown type (OCPP-J 1.6 §4.1.3 only says to ignore such a
    # message's payload; OCPP 2.0.1 answers it with MessageTypeNotSupported, for which
    # ProtocolError is the nearest 1.6 code). Never a malformed result or error, and never
    # with an id that breaks the 36-character rule or cannot be encoded.
    if _SURROGATE_ESCAPE.search(text) and not _encodable(value):
        # OCPP-J 1.6 §4.1.2: the message is UTF-8, and a lone surrogate has no UTF-8 form
        # (RFC 8259 §8.2); taken in, it would break the first frame that echoes it.
        raise FrameError(
            "a string holds a lone UTF-16 surrogate escape (\\ud800-\\udfff), not a character",
            ErrorCode.FORMATION_VIOLATION,
            _reply_id(raw_id) if _is_type(type_id, MessageType.CALL) else None,
        )
    if not any(_is_type(type_id, known) for known in MessageType):
        raise FrameError(
            f"unknown message type id {type_id!r} (expected 2, 3 or 4)",
            ErrorCode.PROTOCOL_ERROR,
            _reply_id(raw_id),
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
        if len(value) != 3 or not _is_payload(value[2]):
            raise FrameError(
                "CALLRESULT must be [3, uniqueId, {payload}]",
                ErrorCode.FORMATION_VIOLATION,
            )
        return CallResult(raw_id, _payload(value[2]))
    return _parse_call_error(value, raw_id)


def _loads(text: str) -> Any:
    """JSON as RFC 8259 has it: no NaN or Infinity, and (§9) within the limits of nesting
    and number size this parser has; anything else is a FormationViolation."""
    try:
        return json.loads(text, parse_constant=_not_json, parse_float=_finite_float)
    except RecursionError:
        raise FrameError("not JSON: nested too deeply", ErrorCode.FORMATION_VIOLATION) from None
    except json.JSONDecodeError as exc:
        raise FrameError(f"not JSON: {exc}", ErrorCode.FORMATION_VIOLATION) from None
    except ValueError as exc:  # NaN, Infinity, or a number beyond what Python converts
        raise FrameError(
            f"not JSON this parser takes (RFC 8259 §6, §9): {exc}", ErrorCode.FORMATION_VIOLATION
        ) from None


def _not_json(literal: str) -> Any:
    raise ValueError(f"{literal} is not a JSON value")


def _finite_float(literal: str) -> float:
    number = float(literal)
    if not math.isfinite(number):
        raise ValueError(f"{literal} is out of the range of a double")
    return number


def _encodable(value: Any) -> bool:
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _reply_id(raw_id: str | None) -> str | None:
    """``raw_id`` if a CALLERROR may carry it back (OCPP-J 1.6 §4.1.4: 36 characters)."""
    if raw_id is None or len(raw_id) > MAX_UNIQUE_ID_LENGTH or not _encodable(raw_id):
        return None
    return raw_id


def _is_type(type_id: Any, message_type: MessageType) -> bool:
    # OCPP-J 1.6 §4.1.3: the JSON integers 2, 3 and 4; not true, not 2.0.
    return type(type_id) is int and type_id == message_type


def _is_payload(payload: Any) -> bool:
    # OCPP-J 1.6 §4.2.1, §4.2.2: a JSON object; "if there is no payload JSON allows for two
    # different notations: null or an empty object {}".
    return payload is None or isinstance(payload, dict)


def _payload(payload: dict[str, Any] | None) -> dict[str, Any]:
    return {} if payload is None else payload


def _parse_call(value: list[Any], unique_id: str) -> Call:
    if len(value) != 4 or not isinstance(value[2], str) or not _is_payload(value[3]):
        raise FrameError(
            "CALL must be [2, uniqueId, action, {payload}]",
            ErrorCode.FORMATION_VIOLATION,
            unique_id,
        )
    return Call(unique_id, value[2], _payload(value[3]))


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
