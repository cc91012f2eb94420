"""``do``: a charge point activity (simulator.chargepoint.behaviour), interpreted by
simulator.runner.activities."""

from __future__ import annotations

from simulator.cases.steps import DoStep
from simulator.chargepoint.behaviour import ACTIVITIES
from simulator.runner.activities import perform
from simulator.runner.checks import stricter_answers
from simulator.runner.context import StepRun
from simulator.runner.executors.base import executes
from simulator.runner.outcome import Outcome


@executes(DoStep)
async def execute_do(step: DoStep, run: StepRun) -> Outcome:
    activity = ACTIVITIES[step.activity](run.context.model, step.params)
    await perform(run, activity, step.answers, step.save, stricter_answers(step.findings))
    return run.outcome
