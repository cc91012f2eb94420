"""``operator``: ask the operator adapter to make the CSMS act, and go on.

The adapter call runs as a task while the next step waits for the CSMS's request (an
operator API typically returns only once the charge point answered). When it fails, the
wait ends at once: the CSMS was never made to act.
"""

from __future__ import annotations

import asyncio

from simulator.cases.steps import OperatorStep
from simulator.operator.base import OperatorOutcome, OperatorRequest
from simulator.runner.context import CaseContext, StepRun
from simulator.runner.executors.base import executes
from simulator.runner.matching import show
from simulator.runner.outcome import Outcome

# How long the engine waits for an adapter's own outcome once the CSMS's request is
# overdue (the request itself had the operator wait already).
OUTCOME_GRACE_S = 2.0


@executes(OperatorStep)
async def execute_operator(step: OperatorStep, run: StepRun) -> Outcome:
    context = run.context
    operator = context.settings.operator
    request = OperatorRequest(
        charge_point_id=context.config.charge_point.id,
        action=step.action,
        request=step.request,
        instruction=" ".join(str(step.instruction).split()),
        timeout=context.config.waits.operator,
    )
    task = asyncio.create_task(operator.perform(request))
    task.add_done_callback(lambda done: _operator_done(context, done))
    context.operator_task = task
    context.operator_asked = True
    run.outcome.note(f"{operator.name} operator asked for {step.action} {show(request.request)}")
    return run.outcome


def _operator_done(context: CaseContext, task: asyncio.Task[OperatorOutcome]) -> None:
    if task is not context.operator_task:
        return  # an earlier call, whose request was already taken: no wait is its own now
    failed = task.cancelled() or task.exception() is not None or not task.result().ok
    if failed and context.link is not None:
        context.link.interrupt()  # the CSMS was never made to act: no point waiting


async def operator_outcome(context: CaseContext) -> OperatorOutcome | None:
    """What the last operator call came to (None when none was made or it is still busy)."""
    task, context.operator_task = context.operator_task, None
    if task is None:
        return None
    try:
        return await asyncio.wait_for(task, timeout=OUTCOME_GRACE_S)
    except TimeoutError:
        return None
    except Exception as exc:
        return OperatorOutcome(False, f"{type(exc).__name__}: {exc}")
