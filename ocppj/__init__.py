"""Sans-I/O OCPP-J 1.6: frames, uniqueId pairing and schema validation.

Nothing in this package does I/O or uses asyncio: text frames go in, events and text
frames come out (OCPP-J 1.6 §4).
"""

from ocppj.errors import ERROR_CODES, ErrorCode
from ocppj.frames import (
    Call,
    CallError,
    CallResult,
    Frame,
    FrameError,
    MessageType,
    parse_frame,
)
from ocppj.schemas import SchemaViolation, known_actions, validate_payload
from ocppj.session import (
    IncomingCall,
    IncomingCallError,
    IncomingCallResult,
    InvalidFrame,
    OutstandingCallError,
    Session,
    SessionEvent,
    UnmatchedReply,
)

__all__ = [
    "ERROR_CODES",
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
    "OutstandingCallError",
    "SchemaViolation",
    "Session",
    "SessionEvent",
    "UnmatchedReply",
    "known_actions",
    "parse_frame",
    "validate_payload",
]
