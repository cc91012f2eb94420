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
# RFC 8259 §9 lets a parser limit the depth of nesting. The deepest OCPP 1.6 message nests 6
# levels (the frame, the payload, csChargingProfiles, chargingSchedule, chargingSchedulePeriod,
# a period; MeterValues' sampledValue as deep), so 64 leaves room for any errorDetails while
# keeping what reads a message (json, repr, a report's JSON) well inside Python's recursion
# limit. Deeper text is a FormationViolation before it is parsed.
MAX_NESTING_DEPTH = 64
# OCPP-J 1.6 bounds neither errorDescription nor errorDetails; OCPP-J 2.0.1 §4.2.3 makes the
# description a string[255]. A CALLERROR this package writes keeps both small, so that an
# answer never grows with the frame it answers: the description at most 255 characters,
# the details at most 2048 bytes of JSON (else they are replaced by a note saying so).
MAX_ERROR_DESCRIPTION = 255
MAX_ERROR_DETAILS_BYTES = 2048
# How much of a peer's value an error message quotes.
QUOTE_LIMIT = 60

# A \uD800-\uDFFF escape: the only way a JSON text in UTF-8 can carry a lone surrogate.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
# A JSON string literal, and everything that is not a bracket (for the nesting depth).
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")
# The start of a CALL with a plain uniqueId: what is left to answer when the rest is no JSON.
_CALL_START = re.compile(rf'\s*\[\s*2\s*,\s*"([^"\\\x00-\x1f]{{1,{MAX_UNIQUE_ID_LENGTH}}})"')


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


# Built once: json.dumps and json.loads with options build an encoder or decoder per call.
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def _dumps(value: list[Any]) -> str:
    return _ENCODER.encode(value)


def clip(text: str, limit: int) -> str:
    """``text``, cut to at most ``limit`` characters (ending in "...") when longer."""
    return text if len(text) <= limit else text[: max(limit - 3, 0)] + "..."


def quote(value: Any, limit: int = QUOTE_LIMIT) -> str:
    """A peer's value for an error message: its repr, cut to ``limit`` characters."""
    try:
        shown = repr(value)
    except RecursionError:  # pragma: no cover - parse_frame refuses such depth first
        shown = f"<{type(value).__name__} nested too deeply>"
    return clip(shown, limit)


def bounded_error(
    unique_id: str,
    code: str,
    description: str = "",
    details: dict[str, Any] | None = None,
) -> CallError:
    """A CALLERROR to send that stays small whatever it reports (MAX_ERROR_DESCRIPTION,
    MAX_ERROR_DETAILS_BYTES): the description is cut, details too large are replaced."""
    details = details or {}
    try:
        size = len(_dumps([details]).encode("utf-8"))
    except (TypeError, ValueError, RecursionError):
        size = MAX_ERROR_DETAILS_BYTES + 1
    if size > MAX_ERROR_DETAILS_BYTES:
        details = {"omitted": f"errorDetails over {MAX_ERROR_DETAILS_BYTES} bytes"}
    return CallError(unique_id, code, clip(description, MAX_ERROR_DESCRIPTION), details)


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
            f"unknown message type id {quote(type_id)} (expected 2, 3 or 4)",
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
    if not raw_id:
        # OCPP-J 1.6 §4.1.4: "the message ID serves to identify a request"; an empty string
        # identifies none. A CALL is answered (with the same empty id), a reply is not.
        raise FrameError(
            "uniqueId is empty: it must identify the request (OCPP-J 1.6 §4.1.4)",
            ErrorCode.FORMATION_VIOLATION,
            raw_id if type_id == MessageType.CALL else None,
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
    (MAX_NESTING_DEPTH) and number size this parser has; anything else is a
    FormationViolation. When the text starts as a CALL with a readable uniqueId, the error
    carries it, so that the CALL can still be answered (OCPP-J 1.6 §4.2.3: a call whose
    content is not a proper message gets a CALLERROR)."""
    if _too_deep(text):
        raise FrameError(
            f"not JSON this parser takes: nested deeper than {MAX_NESTING_DEPTH} levels "
            "(RFC 8259 §9)",
            ErrorCode.FORMATION_VIOLATION,
            _call_id_of(text),
        )
    try:
        if text.startswith("\ufeff"):  # as json.loads has it
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        return _DECODER.decode(text)
    except RecursionError:  # pragma: no cover - _too_deep refuses such text first
        raise FrameError(
            "not JSON: nested too deeply", ErrorCode.FORMATION_VIOLATION, _call_id_of(text)
        ) from None
    except json.JSONDecodeError as exc:
        raise FrameError(
            f"not JSON: {exc}", ErrorCode.FORMATION_VIOLATION, _call_id_of(text)
        ) from None
    except ValueError as exc:  # NaN, Infinity, or a number beyond what Python converts
        raise FrameError(
            f"not JSON this parser takes (RFC 8259 §6, §9): {clip(str(exc), 200)}",
            ErrorCode.FORMATION_VIOLATION,
            _call_id_of(text),
        ) from None


def _too_deep(text: str) -> bool:
    """Whether the brackets outside string literals nest deeper than MAX_NESTING_DEPTH."""
    if text.count("[") + text.count("{") <= MAX_NESTING_DEPTH:
        return False  # the usual frame: too few brackets to nest that deep at all
    depth = 0
    for bracket in _NOT_A_BRACKET.sub("", _JSON_STRING.sub("", text)):
        if bracket in "[{":
            depth += 1
            if depth > MAX_NESTING_DEPTH:
                return True
        else:
            depth -= 1
    return False


def _call_id_of(text: str) -> str | None:
    """The uniqueId of text that starts as ``[2, "<id>",``, when a CALLERROR may carry it."""
    match = _CALL_START.match(text)
    return None if match is None else _reply_id(match.group(1))


def _not_json(literal: str) -> Any:
    raise ValueError(f"{literal} is not a JSON value")


def _finite_float(literal: str) -> float:
    number = float(literal)
    if not math.isfinite(number):
        raise ValueError(f"{literal} is out of the range of a double")
    return number


_DECODER = json.JSONDecoder(parse_constant=_not_json, parse_float=_finite_float)


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
            f"CALLERROR errorCode {quote(value[2])} is not an OCPP 1.6 error code",
            ErrorCode.PROPERTY_CONSTRAINT_VIOLATION,
        )
    return CallError(unique_id, value[2], value[3], value[4])


def _preview(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + "..."
