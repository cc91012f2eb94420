"""What an operator adapter is: something that makes the CSMS send a request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class OperatorRequest:
    charge_point_id: str
    action: str  # the CSMS-to-charge-point request the CSMS must send
    request: dict[str, Any]  # what to ask for; the CSMS completes the rest from its own data
    instruction: str  # the same, for a human
    timeout: float  # how long the CSMS may take to get the charge point's answer


@dataclass(frozen=True)
class OperatorOutcome:
    ok: bool  # the adapter did its part without error
    detail: str
    response: Any = None
    # The adapter knows the CSMS acted (an API said so). A manual prompt cannot know: when
    # the request then never comes, the case is INCONCLUSIVE rather than FAIL.
    confirmed: bool = True


class Operator(Protocol):
    name: str

    async def perform(self, request: OperatorRequest) -> OperatorOutcome: ...
