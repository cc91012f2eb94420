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
    ok: bool  # the adapter got the CSMS to act (whatever the charge point answered)
    detail: str
    response: Any = None


class Operator(Protocol):
    name: str

    async def perform(self, request: OperatorRequest) -> OperatorOutcome: ...
