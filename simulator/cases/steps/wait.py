"""``wait: seconds``: let time pass (``at_most`` caps a configured wait)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Self

from simulator.cases.steps.base import SECONDS, StepBase


@dataclass(frozen=True)
class WaitStep(StepBase):
    keyword: ClassVar[str] = "wait"
    properties: ClassVar[dict[str, Any]] = {"wait": SECONDS, "at_most": SECONDS}
    hint: ClassVar[str] = "wait: SECONDS or $variable"
    substituted: ClassVar[tuple[str, ...]] = ("seconds", "at_most")

    seconds: float | str  # a number or "$variable"
    at_most: float | str | None = None

    @classmethod
    def parse(cls, raw: dict[str, Any], common: dict[str, Any]) -> Self:
        return cls(**common, seconds=raw["wait"], at_most=raw.get("at_most"))

    def describe(self) -> str:
        return "wait"
