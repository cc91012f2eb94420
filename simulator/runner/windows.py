"""Which CSMS request an ``expect_csms`` step takes: the first of its action that matches
and arrives in the step's window.

A window opens at the step's operator action (or at the step's start when there is none).
Every CSMS request is answered the moment it arrives, never held: the one a window takes
gets the step's reply; every other one (earlier, unsolicited, or of the right action but
not matching) gets the charge point model's answer and is recorded. A window remembers the
same-action requests it passed over and why, so a step whose request never came can say
what did come instead.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ocppj import Call, SchemaViolation
from ocppj.errors import ErrorCode
from simulator.chargepoint.authorization_key import without_secrets
from simulator.chargepoint.model import Answer
from simulator.runner.matching import Mismatch, dig, match, show


@dataclass
class InboundRequest:
    call: Call
    violations: list[SchemaViolation]
    suggested_error: ErrorCode | None  # the CALLERROR its schema violation calls for
    received: datetime  # wall time, for $from_now
    t: float  # seconds since the case started (monotonic)


@dataclass
class PassedOver:
    request: InboundRequest
    mismatches: list[Mismatch]

    def describe(self) -> str:
        message = f"{self.request.call.action}.req"
        why = "; ".join(f"{message} {m.describe()}" for m in self.mismatches)
        return f"{why} (at {self.request.t:.3f} s)"


@dataclass
class Window:
    action: str
    expected: dict[str, Any] | None  # the step's match; None takes any request of the action
    reply: Callable[[InboundRequest], Answer]  # the step's answer to the request it takes
    opened_at: float  # monotonic
    taken: InboundRequest | None = None
    answer: Answer | None = None  # what the request taken was answered
    passed_over: list[PassedOver] = field(default_factory=list)
    # The operator call that opened it: when it returned, and whether it failed (then the
    # request cannot come, and the wait ends at once).
    operator_done_at: float | None = None
    interrupted: bool = False
    # Opened early, before the step before it reacted (executors.expect_csms): its wait
    # still counts from its own step's start.
    prompted: bool = False

    def consider(self, request: InboundRequest) -> Answer | None:
        """The answer when this window takes ``request``; None when it passes it over."""
        if self.taken is not None or request.call.action != self.action:
            return None
        mismatches = (
            match(self.expected, request.call.payload, now=request.received)
            if self.expected is not None
            else []
        )
        if mismatches:
            self.passed_over.append(PassedOver(request, _hiding_secrets(request, mismatches)))
            return None
        self.taken = request
        self.answer = self.reply(request)
        return self.answer


def _hiding_secrets(request: InboundRequest, mismatches: list[Mismatch]) -> list[Mismatch]:
    """``mismatches`` as a report may show them: a new password (TC_073) by its length."""
    payload = request.call.payload
    shown = without_secrets(request.call.action, payload)
    if shown is payload:
        return mismatches
    return [
        dataclasses.replace(m, observed=show(dig(shown, m.path)))
        if dig(shown, m.path) != dig(payload, m.path)
        else m
        for m in mismatches
    ]


def schema_error_answer(request: InboundRequest) -> Answer | None:
    """OCPP-J 1.6 §4.2.3: a request that breaks its schema is answered with a CALLERROR."""
    if request.suggested_error is None:
        return None
    return Answer(error=request.suggested_error, description="payload breaks the OCA schema")
