"""``wait``: let time pass on the injected clock."""

from __future__ import annotations

from reports.results import Verdict
from simulator.cases.steps import WaitStep
from simulator.runner.context import StepRun
from simulator.runner.executors.base import executes, is_number
from simulator.runner.matching import show
from simulator.runner.outcome import Outcome


@executes(WaitStep)
async def execute_wait(step: WaitStep, run: StepRun) -> Outcome:
    outcome = run.outcome
    for key, value in (("wait", step.seconds), ("at_most", step.at_most)):
        if value is not None and not is_number(value):
            outcome.reason(
                Verdict.ERROR, "variable", f"{key} needs a number of seconds, got {show(value)}"
            )
            return outcome
    seconds = float(step.seconds)
    duration = min(seconds, float(step.at_most)) if step.at_most is not None else seconds
    outcome.note(f"waited {duration:g} s")
    await run.context.clock.sleep(max(duration, 0.0))
    return outcome
