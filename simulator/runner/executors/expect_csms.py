"""``expect_csms``: the CSMS must send a request; the first of its action that matches and
arrives in the step's window is checked and answered with the step's reply, and what the
charge point accepted it reacts to (simulator.chargepoint.reactions).

The window opens at the step's operator action (the operator step opens it, see
executors/operator.py) or at the step's start. Same-action requests that do not match are
answered by the model and passed over; when the awaited one never comes, the reason lists
them and why each did not match.
"""

from __future__ import annotations

from typing import Any

from reports.results import Verdict
from simulator.cases.steps import ExpectCsmsStep
from simulator.chargepoint.model import Answer
from simulator.chargepoint.reactions import reaction
from simulator.runner import unsolicited
from simulator.runner.activities import check_answered, perform
from simulator.runner.checks import (
    field_check,
    schema_check,
    stricter_answers,
    stricter_checks,
    stricter_rules,
)
from simulator.runner.context import CaseContext, StepRun
from simulator.runner.executors.base import executes
from simulator.runner.executors.verification import check_verification
from simulator.runner.matching import show
from simulator.runner.outcome import Outcome
from simulator.runner.windows import InboundRequest, Window, schema_error_answer

# Requests whose effect on the charge point is its answer (no reaction follows): a
# scripted Accepted is applied to the model too.
HELD_WHEN_ACCEPTED = frozenset(
    {
        "SetChargingProfile",
        "ClearChargingProfile",
        "SendLocalList",
        "ChangeConfiguration",
        "ClearCache",
        "InstallCertificate",
        "DeleteCertificate",
    }
)


def open_window(step: ExpectCsmsStep, context: CaseContext) -> Window:
    """Start taking ``step``'s request: from now on the first that matches is the step's."""

    def reply(request: InboundRequest) -> Answer:
        if (error := schema_error_answer(request)) is not None:
            return error
        if step.reply is not None:
            if step.reply.get("status") == "Accepted" and step.action in HELD_WHEN_ACCEPTED:
                # The TCD scripts the answer, and hardware that says Accepted holds what it
                # accepted (as far as the model can): later requests and the operator
                # request's context see the profile, the list, the value.
                context.model.answer(step.action, request.call.payload)
            return Answer(step.reply)
        return context.model.answer(step.action, request.call.payload)

    window = Window(step.action, step.match, reply, context.clock.monotonic())
    if context.link is not None:
        context.link.open_window(window)
    return window


@executes(ExpectCsmsStep)
async def execute_expect_csms(step: ExpectCsmsStep, run: StepRun) -> Outcome:
    context, outcome = run.context, run.outcome
    link = context.link
    if link is None:
        outcome.reason(
            Verdict.ERROR,
            "offline",
            f"the charge point is offline: it cannot receive {step.action}",
        )
        return outcome
    window = context.windows.pop(step.label, None) or open_window(step, context)
    if window.prompted:
        window.opened_at = context.clock.monotonic()
    link.close_window(window)  # opened earlier, perhaps on a connection since replaced
    link.open_window(window)
    waits, limits = context.config.waits, context.config.limits
    timeout = waits.operator if context.operator_asked else limits.response_timeout
    context.waiting(f"waiting for the CSMS's {step.action}.req", timeout)
    try:
        while True:
            await link.wait_for(window, lambda: _deadline(context, window, timeout))
            if window.taken is not None or window.interrupted or not link.unsolicited:
                break
            # The CSMS sent something else meanwhile: the charge point acts on it, waiting.
            await unsolicited.act(context, step.label)
            if context.link is not link:  # it rebooted: the window goes on on the new link
                link.close_window(window)
                if context.link is None:
                    break
                link = context.link
                link.open_window(window)
    finally:
        link.close_window(window)
    request = window.taken
    if request is None:
        await _not_taken(step, run, window, timeout)
        return outcome
    message = f"{step.action}.req"
    checks = [schema_check(outcome.where, message, request.violations)]
    if step.match is not None:
        payload = request.call.payload
        checks.append(field_check(outcome.where, message, step.match, payload, request.received))
    if not outcome.apply(checks):
        return outcome
    payload = request.call.payload
    rules = stricter_rules(step.findings, "match")
    outcome.apply(stricter_checks(outcome.where, message, rules, payload, request.received))
    _save(step, run, payload)
    answer = window.answer
    because = f"it acted on {step.action}.req as the CSMS sent it: {show(payload)}"
    reacting = None
    if answer is not None and answer.payload is not None:
        reacting = reaction(
            context.model, step.action, _acted_on(step, run, payload), answer.payload
        )
    if reacting is not None:
        _open_following(run)
        await perform(run, reacting, step.answers, {}, stricter_answers(step.findings), because)
    elif step.answers and answer is not None:
        check_answered(run, step.answers, set(), f"{because}; answered {show(answer.payload)}")
    if not outcome.ended:
        _check_transfer(step, run)
    if not outcome.ended and step.verification is not None:
        check_verification(step.verification, run, payload)
    return outcome


# `save: {name: charge_point.X}` saves what the charge point made in answering (model.facts).
CHARGE_POINT_FACTS = "charge_point."


def _save(step: ExpectCsmsStep, run: StepRun, payload: dict[str, Any]) -> None:
    """``save:``: fields of the CSMS's request, or (``charge_point.X``) the charge point's own."""
    own = {k: v for k, v in step.save.items() if v.startswith(CHARGE_POINT_FACTS)}
    run.save({k: v for k, v in step.save.items() if k not in own}, payload)
    facts = run.context.model.facts()
    run.save({k: v.removeprefix(CHARGE_POINT_FACTS) for k, v in own.items()}, facts)


def _open_following(run: StepRun) -> None:
    """What the charge point sends in its reaction may prompt the CSMS's next request at
    once (SignCertificate.conf, then CertificateSigned.req: TC_074): the window of a
    following expect_csms step opens before the reaction runs, so that request is the
    step's and not answered unasked."""
    following = run.following()
    if isinstance(following, ExpectCsmsStep) and following.label not in run.context.windows:
        window = run.context.windows[following.label] = open_window(following, run.context)
        window.prompted = True


def _acted_on(step: ExpectCsmsStep, run: StepRun, payload: dict[str, Any]) -> dict[str, Any]:
    """The request as the charge point acts on it: with ``acts_on``, the TCD's scripted
    sequence goes on with the case's own values (the tool does not depend on the ids the
    CSMS named; a finding checks those)."""
    if not step.acts_on:
        return payload
    acted = {**payload, **step.acts_on}
    changed = {k: v for k, v in step.acts_on.items() if payload.get(k) != v}
    if changed:
        named = ", ".join(f"{k} {show(payload.get(k))}" for k in changed)
        run.outcome.note(
            f"the charge point acted on {show(changed)} as the TCD's tool does (the CSMS named {named})"
        )
    return acted


def _deadline(context: CaseContext, window: Window, timeout: float) -> float:
    """The window closes ``timeout`` after it opened; sooner once the operator's call has
    returned (the CSMS has acted) and a request of the action came that did not match:
    then only ``late_answer_grace`` more for the right one."""
    end = window.opened_at + timeout
    done = window.operator_done_at
    if done is not None and window.passed_over:
        end = min(end, done + context.config.waits.late_answer_grace)
    return end


async def _not_taken(step: ExpectCsmsStep, run: StepRun, window: Window, timeout: float) -> None:
    outcome = run.outcome
    operated = await run.context.operator_outcome()
    message = f"{step.action}.req"
    if window.passed_over:
        came = "; ".join(p.describe() for p in window.passed_over)
        grace = run.context.config.waits.late_answer_grace
        within = (
            f"within {grace:g} s after the operator's call returned"
            if _deadline(run.context, window, timeout) < window.opened_at + timeout
            else f"within {timeout:g} s"
        )
        outcome.check(
            "field",
            False,
            f"{message} {show(window.expected)}",
            came,
            f"the CSMS sent {came}, and no {message} that matches {within}",
        )
        return
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
            f"the CSMS did not send {message} within {timeout:g} s, and {why}: {operated.detail}",
        )
        return
    outcome.check(
        "request-sent",
        False,
        f"the CSMS sends {message}",
        "nothing",
        f"the CSMS did not send {message} within {timeout:g} s",
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
