"""``expect_csms: Action``: the CSMS must send a request; it is checked, then answered.

When the charge point accepted it, the model's reaction runs (a reboot after Reset, ...):
``answers`` checks the CSMS's answers to what the charge point sends then, by action.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

from ocppj.actions import CSMS_INITIATED
from simulator.cases.steps.base import ANSWERS, FIELDS, SAVE, StepBase, findings_schema


@dataclass(frozen=True)
class ExpectCsmsStep(StepBase):
    keyword: ClassVar[str] = "expect_csms"
    properties: ClassVar[dict[str, Any]] = {
        "expect_csms": {
            "enum": sorted(CSMS_INITIATED),
            "description": "a CSMS-initiated OCPP 1.6 action",
        },
        "match": {
            **FIELDS,
            "description": "fields the CSMS's request must have (the TCD's validations)",
        },
        "reply": {**FIELDS, "description": "the charge point's answer (default: the model's)"},
        "save": SAVE,
        "answers": ANSWERS,
        "transfer": {
            "enum": ["succeeds", "fails"],
            "description": "the outcome of the charge point's real download or upload "
            "this case needs (UpdateFirmware, GetDiagnostics, GetLog); another outcome is INCONCLUSIVE",
        },
        "verification": {
            "enum": ["succeeds", "fails"],
            "description": "SignedUpdateFirmware: the outcome of the charge point's real "
            "signature check this case needs; configured material that does not give it is "
            "a set-up ERROR naming the PICS keys (TC_080); a signature the CSMS sent that "
            "verifies where it must not is a FAIL (TC_081)",
        },
        "findings": findings_schema("match", answers=True),
        "acts_on": {
            **FIELDS,
            "description": "the charge point acts on these fields whatever the request named, "
            "as the TCD's tool follows its script (e.g. {transactionId: $transaction_id}); "
            "a finding checks what the CSMS named",
        },
    }
    hint: ClassVar[str] = (
        "expect_csms: ACTION, match: {fields}, reply: {payload}, answers: {ACTION: {fields}}, "
        "transfer: succeeds|fails, verification: succeeds|fails"
    )
    substituted: ClassVar[tuple[str, ...]] = ("match", "reply", "answers", "findings", "acts_on")
    saves: ClassVar[str | None] = "save"

    action: str
    match: dict[str, Any] | None
    reply: dict[str, Any] | None  # None: the charge point model's default answer
    save: dict[str, str]
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    transfer: str | None = None  # "succeeds" | "fails": the file transfer the case needs
    verification: str | None = None  # "succeeds" | "fails": the firmware signature check
    # Checks beyond the TCD: {basis, ref, match | answers}; a failure is a finding.
    findings: tuple[dict[str, Any], ...] = ()
    acts_on: dict[str, Any] | None = None  # the TCD's script: what the tool acts on

    @classmethod
    def parse(cls, raw: dict[str, Any], common: dict[str, Any]) -> Self:
        return cls(
            **common,
            action=raw["expect_csms"],
            match=raw.get("match"),
            reply=raw.get("reply"),
            save=raw.get("save", {}),
            answers=raw.get("answers", {}),
            transfer=raw.get("transfer"),
            verification=raw.get("verification"),
            findings=tuple(raw.get("findings", ())),
            acts_on=raw.get("acts_on"),
        )

    def reported_action(self) -> str:
        return self.action

    def describe(self) -> str:
        return f"waiting for {self.action}.req"
