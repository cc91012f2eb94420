"""``expect_csms``: the CSMS must send a request; it is checked, answered, and what the
charge point accepted it reacts to (simulator.chargepoint.reactions)."""

from __future__ import annotations

from reports.results import Verdict
from simulator.cases.steps import ExpectCsmsStep
from simulator.chargepoint.model import Answer
from simulator.chargepoint.reactions import reaction
from simulator.runner.activities import perform
from simulator.runner.checks import field_check, schema_check
from simulator.runner.context import StepRun
from simulator.runner.executors.base import executes
from simulator.runner.executors.operator import operator_outcome
from simulator.runner.link import InboundRequest
from simulator.runner.outcome import Outcome


@executes(ExpectCsmsStep)
async def execute_expect_csms(step: ExpectCsmsStep, run: StepRun) -> Outcome:
    context, outcome = run.context, run.outcome
    if context.link is None:
        outcome.reason(
            Verdict.ERROR,
            "offline",
            f"the charge point is offline: it cannot receive {step.action}",
        )
        return outcome
    waits, limits = context.config.waits, context.config.limits
    timeout = waits.operator if context.operator_asked else limits.response_timeout
    request = await context.link.next_request(step.action, timeout)
    if request is None:
        await _not_sent(step, run, timeout)
        return outcome
    message = f"{step.action}.req"
    checks = [schema_check(outcome.where, message, request.violations)]
    if step.match is not None:
        received = context.clock.now()
        checks.append(
            field_check(outcome.where, message, step.match, request.call.payload, received)
        )
    reply = _reply_for(step, request, run)
    await context.link.reply(request.call, reply)
    if not outcome.apply(checks):
        return outcome
    run.save(step.save, request.call.payload)
    if reply.payload is not None:
        reacting = reaction(context.model, step.action, request.call.payload, reply.payload)
        if reacting is not None:
            await perform(run, reacting, step.answers, {})
    if not outcome.ended:
        _check_transfer(step, run)
    return outcome


def _reply_for(step: ExpectCsmsStep, request: InboundRequest, run: StepRun) -> Answer:
    if request.suggested_error is not None:
        return Answer(error=request.suggested_error, description="payload breaks the OCA schema")
    if step.reply is not None:
        return Answer(step.reply)
    return run.context.model.answer(step.action, request.call.payload)


async def _not_sent(step: ExpectCsmsStep, run: StepRun, timeout: float) -> None:
    outcome = run.outcome
    operated = await operator_outcome(run.context)
    if operated is not None and (not operated.ok or not operated.confirmed):
        # The operator never (knowingly) made the CSMS act: the case cannot decide.
        why = (
            "the operator action failed"
            if not operated.ok
            else "the operator action was not confirmed"
        )
        outcome.reason(
            Verdict.INCONCLUSIVE,
            "operator",
            f"the CSMS did not send {step.action}.req within {timeout:g} s, and {why}: {operated.detail}",
        )
        return
    outcome.check(
        "request-sent",
        False,
        f"the CSMS sends {step.action}.req",
        "nothing",
        f"the CSMS did not send {step.action}.req within {timeout:g} s",
    )


def _check_transfer(step: ExpectCsmsStep, run: StepRun) -> None:
    """``transfer: succeeds | fails``: the case's sequence needs that outcome of the
    charge point's real transfer; another outcome leaves the case undecided."""
    if step.transfer is None:
        return
    transfers = run.context.model.transfers
    done = transfers[-1] if transfers else None
    if done is not None and done.ok == (step.transfer == "succeeds"):
        return
    seen = done.describe() if done is not None else "no transfer was attempted"
    run.outcome.reason(
        Verdict.INCONCLUSIVE,
        "transfer",
        f"this case needs a transfer that {step.transfer}, but {seen}",
    )
