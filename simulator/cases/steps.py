"""Turn validated YAML step mappings into typed steps, and check their variables."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from simulator.cases.model import (
    DoStep,
    ExpectCsmsStep,
    OperatorStep,
    SendStep,
    State,
    Step,
    WaitStep,
)
from simulator.cases.variables import CONFIG_VARIABLE_NAMES, references
from simulator.yamlsource import YamlDocument


def build_steps(
    document: YamlDocument, raw_steps: list[dict[str, Any]], label_prefix: str
) -> tuple[Step, ...]:
    steps: list[Step] = []
    for index, raw in enumerate(raw_steps):
        common = {
            "label": f"{label_prefix}{index + 1}",
            "title": raw.get("title", ""),
            "ref": raw.get("ref", ""),
            "line": document.line_of(["steps", index]) or 0,
        }
        step: Step
        if "send" in raw:
            step = SendStep(
                **common,
                action=raw["send"],
                fields=raw.get("with", {}),
                expect=raw.get("expect"),
                save=raw.get("save", {}),
                each_connector=raw.get("each_connector", False),
                warn=raw.get("warn"),
            )
        elif "expect_csms" in raw:
            step = ExpectCsmsStep(
                **common,
                action=raw["expect_csms"],
                match=raw.get("match"),
                reply=raw.get("reply"),
                save=raw.get("save", {}),
                answers=raw.get("answers", {}),
                transfer=raw.get("transfer"),
            )
        elif "do" in raw:
            step = DoStep(
                **common,
                activity=raw["do"],
                params=raw.get("with", {}),
                answers=raw.get("answers", {}),
                save=raw.get("save", {}),
            )
        elif "operator" in raw:
            step = OperatorStep(
                **common,
                action=raw["operator"],
                request=raw.get("request", {}),
                instruction=raw.get("instruction", ""),
            )
        else:
            step = WaitStep(**common, seconds=raw["wait"], at_most=raw.get("at_most"))
        steps.append(step)
    return tuple(steps)


def _used(step: Step) -> list[str]:
    match step:
        case SendStep():
            return [*references(step.fields), *references(step.expect)]
        case ExpectCsmsStep():
            return [*references(step.match), *references(step.reply), *references(step.answers)]
        case DoStep():
            return [*references(step.params), *references(step.answers)]
        case OperatorStep():
            return [*references(step.request), *references(step.instruction)]
        case WaitStep():
            return [*references(step.seconds), *references(step.at_most)]


def _saved(step: Step) -> list[str]:
    return list(step.save) if isinstance(step, SendStep | ExpectCsmsStep | DoStep) else []


def check_variables(document: YamlDocument, states: Sequence[State], steps: Sequence[Step]) -> None:
    """Every $variable must come from the configuration or be saved by an earlier step."""
    known = set(CONFIG_VARIABLE_NAMES)
    for state in states:
        for step in state.steps:
            known.update(_saved(step))
    for index, step in enumerate(steps):
        for name in _used(step):
            if name not in known:
                raise document.error(
                    ["steps", index],
                    f"step {step.label} uses ${name}, which is neither configured nor saved by an earlier step",
                    "known here: " + ", ".join(sorted(known)),
                )
        known.update(_saved(step))
