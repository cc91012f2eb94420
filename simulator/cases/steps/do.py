"""``do: activity``: something happens at the charge point (a [bracketed] action of the
catalog: plug in, present an idTag, power cut, ...); the model decides what it sends."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Self

from simulator.cases.steps.base import ANSWERS, SAVE, StepBase, findings_schema
from simulator.chargepoint.behaviour import ACTIVITIES
from simulator.config import HASH_ALGORITHMS


@dataclass(frozen=True)
class DoStep(StepBase):
    keyword: ClassVar[str] = "do"
    properties: ClassVar[dict[str, Any]] = {
        "do": {"enum": sorted(ACTIVITIES), "description": "a charge point activity"},
        "with": {
            "type": "object",
            "properties": {
                "connector": {},
                "id_tag": {},
                "hash_algorithm": {  # use_hash_algorithm (TC_076): a value or a $variable
                    "anyOf": [{"enum": list(HASH_ALGORITHMS)}, {"pattern": "^\\$"}]
                },
            },
            "additionalProperties": False,
            "description": "connector (default $connector_id), id_tag, hash_algorithm",
        },
        "answers": ANSWERS,
        "save": {
            **SAVE,
            "description": "variable -> Action.path, e.g. StartTransaction.transactionId",
        },
        "findings": findings_schema(None, answers=True),
    }
    hint: ClassVar[str] = "do: ACTIVITY, with: {connector, id_tag}, answers: {ACTION: {fields}}"
    substituted: ClassVar[tuple[str, ...]] = ("params", "answers", "findings")
    saves: ClassVar[str | None] = "save"

    activity: str
    params: dict[str, Any]
    answers: dict[str, dict[str, Any]]  # action -> fields its answers must have
    save: dict[str, str]  # variable -> "Action.path" in the answer
    findings: tuple[dict[str, Any], ...] = ()  # checks beyond the TCD: {basis, ref, answers}

    @classmethod
    def parse(cls, raw: dict[str, Any], common: dict[str, Any]) -> Self:
        return cls(
            **common,
            activity=raw["do"],
            params=raw.get("with", {}),
            answers=raw.get("answers", {}),
            save=raw.get("save", {}),
            findings=tuple(raw.get("findings", ())),
        )

    def reported_action(self) -> str:
        return self.activity

    def describe(self) -> str:
        return self.activity.replace("_", " ")
