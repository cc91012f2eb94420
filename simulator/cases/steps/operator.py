"""``operator: Action``: make the CSMS act (catalog §2: CSMS-initiated steps need an operator)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Self

from ocppj.actions import CSMS_INITIATED
from simulator.cases.steps.base import FIELDS, StepBase


@dataclass(frozen=True)
class OperatorStep(StepBase):
    keyword: ClassVar[str] = "operator"
    properties: ClassVar[dict[str, Any]] = {
        "operator": {
            "enum": sorted(CSMS_INITIATED),
            "description": "the request the CSMS must be made to send",
        },
        "request": {**FIELDS, "description": "what to ask the CSMS for; it fills in the rest"},
        "instruction": {"type": "string", "description": "what a human operator should do"},
    }
    hint: ClassVar[str] = "operator: ACTION, request: {fields}, instruction: text"
    substituted: ClassVar[tuple[str, ...]] = ("request", "instruction")

    action: str
    request: dict[str, Any]
    instruction: str

    @classmethod
    def parse(cls, raw: dict[str, Any], common: dict[str, Any]) -> Self:
        return cls(
            **common,
            action=raw["operator"],
            request=raw.get("request", {}),
            instruction=raw.get("instruction", ""),
        )

    def reported_action(self) -> str:
        return self.action

    def describe(self) -> str:
        return f"operator action {self.action}"
