"""The adapter used when no operator is configured: every operator step is INCONCLUSIVE."""

from __future__ import annotations

from simulator.operator.base import OperatorOutcome, OperatorRequest


class NoOperator:
    name = "none"

    async def perform(self, request: OperatorRequest) -> OperatorOutcome:
        return OperatorOutcome(
            False,
            f"no operator adapter is configured to make the CSMS send {request.action} "
            "(pass --operator URL)",
        )
