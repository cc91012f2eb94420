"""``operator: Action``: make the CSMS act (catalog §2: CSMS-initiated steps need an operator).

``request`` holds the values the instruction names, in OCPP's field names (the operator
request's ``fields``, docs/operator-contract.md); ``from_now`` names the date fields the
instruction states relative to now, with their seconds: the date is computed when the
operator is asked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

from ocppj.actions import CSMS_INITIATED
from simulator.cases.steps.base import FIELDS, SECONDS, StepBase


@dataclass(frozen=True)
class OperatorStep(StepBase):
    keyword: ClassVar[str] = "operator"
    properties: ClassVar[dict[str, Any]] = {
        "operator": {
            "enum": sorted(CSMS_INITIATED),
            "description": "the request the CSMS must be made to send",
        },
        "request": {
            **FIELDS,
            "description": "the values the instruction names (OCPP field names); the CSMS fills in the rest",
        },
        "from_now": {
            "type": "object",
            "propertyNames": {"pattern": "^[a-z][A-Za-z]*(\\.[a-z][A-Za-z]*)*$"},
            "additionalProperties": SECONDS,
            "description": "date fields stated relative to now: field (or dotted path, e.g. "
            "firmware.retrieveDateTime) -> seconds from the moment of asking",
        },
        "instruction": {"type": "string", "description": "what a human operator should do"},
    }
    hint: ClassVar[str] = (
        "operator: ACTION, request: {fields}, from_now: {dateField: SECONDS}, instruction: text"
    )
    substituted: ClassVar[tuple[str, ...]] = ("request", "from_now", "instruction")

    action: str
    request: dict[str, Any]
    instruction: str
    from_now: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, raw: dict[str, Any], common: dict[str, Any]) -> Self:
        return cls(
            **common,
            action=raw["operator"],
            request=raw.get("request", {}),
            instruction=raw.get("instruction", ""),
            from_now=raw.get("from_now", {}),
        )

    def reported_action(self) -> str:
        return self.action

    def describe(self) -> str:
        return f"operator action {self.action}"
