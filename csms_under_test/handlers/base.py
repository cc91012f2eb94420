"""What a handler of a charge point's request gets and returns."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, Final

from csms_under_test.faults import Faults
from csms_under_test.store import Store
from csms_under_test.timestamps import ocpp_timestamp
from ocppj import ErrorCode

if TYPE_CHECKING:
    from csms_under_test.connections import ChargePointConnection

# What the CSMS sends on the connection once a request's answer has gone out (the
# CertificateSigned.req after SignCertificate.conf, whitepaper A02).
FollowUp = Callable[["ChargePointConnection"], Coroutine[Any, Any, None]]


@dataclass(frozen=True)
class CallContext:
    """One incoming request: who sent it, when, and the CSMS state to act on."""

    charge_point_id: str
    received_at: datetime
    store: Store
    faults: Faults
    heartbeat_interval: int
    # idTags authorized with Authorize.req on this connection (mutable, per connection)
    authorized_id_tags: set[str] = field(default_factory=set)
    # what the handler sends after its answer (run by the server, in order)
    follow_ups: list[FollowUp] = field(default_factory=list)

    @cached_property
    def timestamp(self) -> str:
        return ocpp_timestamp(self.received_at)


class NoReply:
    """Returned by a handler that must leave the request unanswered (a fault)."""

    def __repr__(self) -> str:
        return "NO_REPLY"


NO_REPLY: Final = NoReply()


@dataclass(frozen=True)
class ErrorReply:
    """Returned by a handler that answers with a CALLERROR (OCPP-J 1.6 §4.2.3) instead."""

    error_code: ErrorCode
    description: str


# Handlers run on the event loop thread and return the CALLRESULT payload (or NO_REPLY, or
# an ErrorReply). They may raise: the server answers CALLERROR InternalError and keeps the
# connection.
Handler = Callable[[CallContext, dict[str, Any]], dict[str, Any] | NoReply | ErrorReply]
