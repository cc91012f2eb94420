"""Sans-I/O OCPP-J 1.6: frames, uniqueId pairing and schema validation.

Nothing in this package does I/O or uses asyncio: text frames go in, events and text
frames come out (OCPP-J 1.6 §4).
"""

from ocppj.errors import ERROR_CODES, ErrorCode
from ocppj.frames import (
    MAX_ERROR_DESCRIPTION,
    MAX_ERROR_DETAILS_BYTES,
    MAX_NESTING_DEPTH,
    Call,
    CallError,
    CallResult,
    Frame,
    FrameError,
    MessageType,
    bounded_error,
    clip,
    parse_frame,
)
from ocppj.schemas import SchemaViolation, known_actions, validate_payload, violation_details
from ocppj.session import (
    IncomingCall,
    IncomingCallError,
    IncomingCallResult,
    InvalidFrame,
    Outgoing,
    OutstandingCallError,
    Session,
    SessionEvent,
    UnmatchedReply,
)

__all__ = [
    "ERROR_CODES",
    "MAX_ERROR_DESCRIPTION",
    "MAX_ERROR_DETAILS_BYTES",
    "MAX_NESTING_DEPTH",
    "Call",
    "CallError",
    "CallResult",
    "ErrorCode",
    "Frame",
    "FrameError",
    "IncomingCall",
    "IncomingCallError",
    "IncomingCallResult",
    "InvalidFrame",
    "MessageType",
    "Outgoing",
    "OutstandingCallError",
    "SchemaViolation",
    "Session",
    "SessionEvent",
    "UnmatchedReply",
    "bounded_error",
    "clip",
    "known_actions",
    "parse_frame",
    "validate_payload",
    "violation_details",
]
