"""``send: Action``: the charge point sends a request; the CSMS's answer is checked."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Self

from ocppj.actions import CHARGE_POINT_INITIATED
from simulator.cases.steps.base import FIELDS, SAVE, StepBase, findings_schema


@dataclass(frozen=True)
class SendStep(StepBase):
    keyword: ClassVar[str] = "send"
    properties: ClassVar[dict[str, Any]] = {
        "send": {
            "enum": sorted(CHARGE_POINT_INITIATED),
            "description": "a charge-point-initiated OCPP 1.6 action",
        },
        "with": FIELDS,
        "expect": {**FIELDS, "description": "fields the CSMS's answer must have"},
        "save": SAVE,
        "each_connector": {"type": "boolean"},
        "warn": {
            **FIELDS,
            "description": "fields the answer should have; otherwise a warning (OCTT: tolerated with a warning)",
        },
        "findings": findings_schema("expect"),
    }
    hint: ClassVar[str] = "send: ACTION, with: {fields}, expect: {fields}, save: {var: path}"
    substituted: ClassVar[tuple[str, ...]] = ("fields", "expect", "warn", "findings")
    saves: ClassVar[str | None] = "save"

    action: str
    fields: dict[str, Any]
    expect: dict[str, Any] | None
    save: dict[str, str]
    each_connector: bool = False  # once per connector, connectorId 0 first (catalog §2.1 Booted)
    warn: dict[str, Any] | None = None  # fields whose absence is a warning, not a FAIL
    findings: tuple[dict[str, Any], ...] = ()  # checks beyond the TCD: {basis, ref, expect}

    @classmethod
    def parse(cls, raw: dict[str, Any], common: dict[str, Any]) -> Self:
        return cls(
            **common,
            action=raw["send"],
            fields=raw.get("with", {}),
            expect=raw.get("expect"),
            save=raw.get("save", {}),
            each_connector=raw.get("each_connector", False),
            warn=raw.get("warn"),
            findings=tuple(raw.get("findings", ())),
        )

    def reported_action(self) -> str:
        return self.action

    def describe(self) -> str:
        return f"{self.action}.req sent"
