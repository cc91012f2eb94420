"""What an operator adapter is: something that makes the CSMS send a request.

The request and the answer are the operator contract (docs/operator-contract.md; the
machine-readable form is docs/operator-contract.openapi.json).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class OperatorRequest:
    charge_point_id: str
    action: str  # the CSMS-to-charge-point request the CSMS must send
    # Every value the instruction names, in OCPP's field names and shapes: a part of the
    # payload. What the instruction leaves to the CSMS (ids, validity) is not here.
    fields: dict[str, Any]
    instruction: str  # the same, for a human
    timeout: float  # how long the CSMS may take to get the charge point's answer
    # Date fields of ``fields`` the instruction states relative to now: seconds from the
    # moment of asking (``fields`` holds the same as a date, computed then).
    from_now: dict[str, float] = field(default_factory=dict)
    # What the charge point knows from the wire (simulator.operator.wire_context), for a
    # CSMS whose API cannot look it up; using it is the adapter's choice, and it says so.
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def request(self) -> dict[str, Any]:
        """The fields under their former name (hooks written before the contract had
        ``fields``)."""
        return self.fields

    def as_json(self) -> dict[str, Any]:
        """The operator request as the HTTP route receives it."""
        return {
            "action": self.action,
            "chargePointId": self.charge_point_id,
            "instruction": self.instruction,
            "fields": self.fields,
            "fromNow": self.from_now,
            "context": self.context,
            "timeout": self.timeout,
        }


@dataclass(frozen=True)
class OperatorOutcome:
    ok: bool  # the adapter did its part without error
    detail: str
    response: Any = None
    # The adapter knows the CSMS acted (an API said so). A manual prompt cannot know: when
    # the request then never comes, the case is INCONCLUSIVE rather than FAIL.
    confirmed: bool = True
    # The keys of the request's context the adapter used to build the CSMS's request.
    used_context: tuple[str, ...] = ()


class Operator(Protocol):
    name: str

    async def perform(self, request: OperatorRequest) -> OperatorOutcome: ...


def used_context(answer: Any) -> tuple[str, ...]:
    """``usedContext`` of an adapter's answer body: the context keys it says it used
    (anything that is not a list of strings names none)."""
    if not isinstance(answer, dict):
        return ()
    keys = answer.get("usedContext")
    if not isinstance(keys, list):
        return ()
    return tuple(key for key in keys if isinstance(key, str))
