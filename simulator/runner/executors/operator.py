"""``operator``: ask the operator adapter to make the CSMS act, and go on.

The adapter call runs as a task while the next step waits for the CSMS's request (an
operator API typically returns only once the charge point answered). When it fails, the
wait ends at once: the CSMS was never made to act.
"""

from __future__ import annotations

import asyncio
import copy
import json
from datetime import timedelta
from typing import Any

from reports.results import Verdict
from simulator.cases.steps import ExpectCsmsStep, OperatorStep
from simulator.clock import ocpp_timestamp
from simulator.operator.base import OperatorOutcome, OperatorRequest
from simulator.operator.context import wire_context
from simulator.runner.context import CaseContext, StepRun
from simulator.runner.executors.base import executes, is_number
from simulator.runner.executors.expect_csms import open_window
from simulator.runner.matching import show
from simulator.runner.outcome import Outcome
from simulator.runner.windows import Window


@executes(OperatorStep)
async def execute_operator(step: OperatorStep, run: StepRun) -> Outcome:
    context = run.context
    operator = context.settings.operator
    window: Window | None = None
    following = run.following()
    if isinstance(following, ExpectCsmsStep) and following.action == step.action:
        # The awaited request's window opens with the operator action, before the adapter
        # is called: a CSMS may send it before the adapter returns.
        window = context.windows[following.label] = open_window(following, context)
    from_now: dict[str, float] = dict(step.from_now)
    if not all(is_number(seconds) for seconds in from_now.values()):
        run.outcome.reason(
            Verdict.ERROR,
            "variable",
            f"from_now needs a number of seconds per field, got {show(step.from_now)}",
        )
        return run.outcome
    asked_at = context.clock.now()
    fields = copy.deepcopy(step.request)
    for name, seconds in from_now.items():
        _set_path(fields, name, ocpp_timestamp(asked_at + timedelta(seconds=seconds)))
    request = OperatorRequest(
        charge_point_id=context.config.charge_point.id,
        action=step.action,
        fields=fields,
        instruction=" ".join(str(step.instruction).split()),
        timeout=context.config.waits.operator,
        from_now=from_now,
        context=wire_context(context.model),
    )
    call: dict[str, Any] = {
        "adapter": operator.name,
        "action": step.action,
        "request": request.fields,
        "instruction": request.instruction,
        "context": request.context,
    }
    if from_now:
        call["from_now"] = from_now
    run.outcome.operator = call
    began = context.clock.monotonic()
    task = asyncio.create_task(operator.perform(request))
    task.add_done_callback(lambda done: _operator_done(context, done, window, call, began))
    context.operator_task = task
    context.operator_asked = True
    run.outcome.note(f"{operator.name} operator asked for {step.action} {show(request.fields)}")
    return run.outcome


def _operator_done(
    context: CaseContext,
    task: asyncio.Task[OperatorOutcome],
    window: Window | None,
    call: dict[str, Any],
    began: float,
) -> None:
    """The call returned: what it came to is recorded; its window may close sooner (the
    CSMS has acted), or at once when the call failed (the CSMS was never made to act)."""
    call["duration_s"] = round(context.clock.monotonic() - began, 3)
    if task.cancelled():
        call.update(ok=False, detail="cancelled: still running when the case ended")
    elif (error := task.exception()) is not None:
        call.update(ok=False, detail=f"{type(error).__name__}: {error}")
    else:
        outcome = task.result()
        call.update(
            ok=outcome.ok,
            confirmed=outcome.confirmed,
            detail=outcome.detail,
            response=_jsonable(outcome.response),
        )
        if outcome.used_context:
            call["used_context"] = list(outcome.used_context)
    if window is None:
        return
    window.operator_done_at = context.clock.monotonic()
    window.interrupted = not call["ok"]
    if context.link is not None:
        context.link.changed.set()


def _set_path(fields: dict[str, Any], name: str, value: Any) -> None:
    """Set a field, or a dotted path into objects (``firmware.retrieveDateTime``)."""
    *parents, last = name.split(".")
    for parent in parents:
        inner = fields.get(parent)
        if not isinstance(inner, dict):
            inner = fields[parent] = {}
        fields = inner
    fields[last] = value


def _jsonable(value: Any) -> Any:
    """``value`` as results.json can hold it (a hook may return anything)."""
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)
    return value
