"""A step kind is one class and one executor: registering both is all it takes.

``expect_silence: SECONDS`` is written here, outside the package, as docs/architecture.md
describes: the CSMS sends no request for that long. No loader, engine or report code
changes; the case file, its schema check, substitution and the report's step record
come from the registry.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Self

import pytest

from reports.results import Verdict
from simulator.cases import STEP_KINDS, CaseLoadError, StepBase, register_step_kind
from simulator.cases.steps.base import SECONDS
from simulator.runner.context import StepRun
from simulator.runner.engine import run_case
from simulator.runner.executors import EXECUTORS, executes
from simulator.runner.outcome import Outcome
from tests.support.scripted_csms import ScriptedCsms, fast_config, write_case


@dataclass(frozen=True)
class ExpectSilenceStep(StepBase):
    keyword: ClassVar[str] = "expect_silence"
    properties: ClassVar[dict[str, Any]] = {"expect_silence": SECONDS}
    hint: ClassVar[str] = "expect_silence: SECONDS or $variable"
    substituted: ClassVar[tuple[str, ...]] = ("seconds",)

    seconds: float | str

    @classmethod
    def parse(cls, raw: dict[str, Any], common: dict[str, Any]) -> Self:
        return cls(**common, seconds=raw["expect_silence"])

    def describe(self) -> str:
        return f"no CSMS request for {self.seconds} s"


async def execute_expect_silence(step: ExpectSilenceStep, run: StepRun) -> Outcome:
    context = run.context
    before = len(context.messages)
    await context.clock.sleep(float(step.seconds))
    calls = [
        m.action
        for m in context.messages[before:]
        if m.direction == "CSMS->CP" and m.message_type == "CALL"
    ]
    run.outcome.check(
        "silence",
        not calls,
        f"no CSMS request for {step.seconds:g} s",
        ", ".join(calls) or "none",
        f"the CSMS sent {', '.join(calls)} within {step.seconds:g} s",
    )
    return run.outcome


@pytest.fixture
def silence_kind() -> Iterator[None]:
    register_step_kind(ExpectSilenceStep)
    executes(ExpectSilenceStep)(execute_expect_silence)
    try:
        yield
    finally:
        del STEP_KINDS[ExpectSilenceStep.keyword]
        del EXECUTORS[ExpectSilenceStep]


STEPS = """
- send: BootNotification
  save: {heartbeat_interval: interval}
- expect_silence: 0.2
  title: The CSMS says nothing for a moment
"""


async def test_a_new_kind_loads_runs_and_reports(
    silence_kind: None, tmp_path: Path, peer: ScriptedCsms
) -> None:
    case = write_case(tmp_path, STEPS)
    result = await run_case(case, peer.settings(fast_config()))
    assert result.verdict == Verdict.PASS, [str(r) for r in result.reasons]
    record = result.steps[1]
    assert (record.kind, record.title, record.status) == (
        "expect_silence",
        "The CSMS says nothing for a moment",
        "passed",
    )
    assert [c.rule for c in record.checks] == ["silence"]


async def test_a_new_kind_fails_with_its_own_reason(
    silence_kind: None, tmp_path: Path, peer: ScriptedCsms
) -> None:
    case = write_case(tmp_path, STEPS)
    settings = peer.settings(fast_config())

    async def speak_up() -> None:
        await asyncio.sleep(0.05)
        peer.inject(json.dumps([2, "csms-1", "ClearCache", {}]))

    async with asyncio.timeout(5):
        _, result = await asyncio.gather(speak_up(), run_case(case, settings))
    assert result.verdict == Verdict.FAIL
    [reason] = result.reasons
    assert (reason.step, reason.rule) == ("2", "silence")
    assert "the CSMS sent ClearCache within 0.2 s" in reason.message


def test_the_case_schema_knows_a_kind_only_while_it_is_registered(
    silence_kind: None, tmp_path: Path
) -> None:
    write_case(tmp_path, STEPS)  # loads
    del STEP_KINDS[ExpectSilenceStep.keyword]
    try:
        with pytest.raises(CaseLoadError) as info:
            write_case(tmp_path, STEPS)
        assert "expect_silence" not in str(info.value).split("hint:")[-1]
    finally:
        register_step_kind(ExpectSilenceStep)
