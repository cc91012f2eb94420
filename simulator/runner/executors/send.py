"""``send``: the charge point sends a request; the answer is checked (simulator.runner.checks)."""

from __future__ import annotations

from simulator.cases.steps import SendStep
from simulator.runner.checks import stricter_rules
from simulator.runner.context import StepRun
from simulator.runner.executors.base import executes
from simulator.runner.matching import match
from simulator.runner.outcome import Outcome


@executes(SendStep)
async def execute_send(step: SendStep, run: StepRun) -> Outcome:
    outcome = run.outcome
    stricter = stricter_rules(step.findings, "expect")
    if step.each_connector:
        # catalog §2.1 Booted: connectorId 0 and each connector
        for connector_id in range(run.context.config.charge_point.connectors + 1):
            fields = {**step.fields, "connectorId": connector_id}
            if await run.exchange(step.action, fields, step.expect, stricter) is None:
                break
        return outcome
    answer = await run.exchange(step.action, step.fields, step.expect, stricter)
    if answer is None:
        return outcome
    run.save(step.save, answer)
    for mismatch in match(step.warn, answer) if step.warn is not None else []:
        warning = f"step {step.label}: {step.action}.conf {mismatch.describe()} (tolerated, with a warning)"
        outcome.warnings.append(warning)
        outcome.note(f"warning: {warning}")
    return outcome
