"""The ``manual`` operator adapter: a person makes the CSMS act.

It prints the instruction and the exact payload to enter, then the case waits for the
CSMS's request until the operator wait runs out; if it never comes the case is
INCONCLUSIVE (nobody can tell whether the operator acted).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable

from simulator.operator.base import OperatorOutcome, OperatorRequest


def _stderr(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


class ManualOperator:
    name = "manual"

    def __init__(self, write: Callable[[str], None] = _stderr) -> None:
        self.write = write

    async def perform(self, request: OperatorRequest) -> OperatorOutcome:
        payload = json.dumps(request.fields, ensure_ascii=False)
        lines = [
            f"\n>>> OPERATOR ACTION for charge point {request.charge_point_id}: {request.instruction}",
            f"    Make the CSMS send {request.action}; fields the request must carry: {payload}",
        ]
        if request.from_now:
            relative = ", ".join(f"{k} {v:g} s from now" for k, v in request.from_now.items())
            lines.append(f"    (relative to now: {relative})")
        lines.append(
            "    The charge point holds: " + json.dumps(request.context, ensure_ascii=False)
        )
        lines.append(
            f"    Waiting up to {request.timeout:g} s for the CSMS's {request.action}.req ..."
        )
        self.write("\n".join(lines))
        return OperatorOutcome(True, "instruction shown to the operator", confirmed=False)
