"""How a ``connect`` step runs: drop the connection, make one deliberate attempt, and check
what the CSMS did with it (catalog §11.0 a)."""

from __future__ import annotations

from reports.results import Verdict
from simulator.cases.steps import ConnectStep
from simulator.channel import TransportError
from simulator.runner.context import StepRun
from simulator.runner.executors.base import executes
from simulator.runner.outcome import Outcome

RULE = "handshake"
# The TransportError kinds that are the CSMS's answer to a handshake, not an absent CSMS.
REFUSALS = frozenset({"http-status", "tls", "tls-alert", "handshake", "subprotocol"})


def _offered(step: ConnectStep) -> str:
    auth = "no Authorization header" if not step.basic_auth else "Basic auth"
    if step.basic_auth and step.password is not None:
        auth = "Basic auth with another password"
    offered = f"Sec-WebSocket-Protocol: {', '.join(step.offer)}; {auth}"
    return offered if step.profile is None else f"security profile {step.profile}; {offered}"


@executes(ConnectStep)
async def execute_connect(step: ConnectStep, run: StepRun) -> Outcome:
    context, outcome = run.context, run.outcome
    if context.link is not None:
        await context.link.close()
        context.link = None
        outcome.note("the charge point closed its connection")
    offered = _offered(step)
    if step.expect == "accepted":
        context.link = await context.connect(outcome, step.attempt, csms_decides=True)
        if context.link is not None:
            outcome.check(
                RULE,
                True,
                "the CSMS upgrades the connection on subprotocol ocpp1.6",
                f"upgraded ({offered})",
            )
        return outcome
    try:
        channel = await context.settings.dial(context.as_charge_point(step.attempt))
    except TransportError as exc:
        if exc.upgraded:
            outcome.check(
                RULE, False, "the CSMS refuses the upgrade", f"it upgraded: {exc} ({offered})"
            )
        elif exc.kind in REFUSALS:
            outcome.check(RULE, True, "the CSMS refuses the upgrade", f"refused: {exc}")
        else:  # the CSMS is not there: no answer to this offer at all
            outcome.reason(
                Verdict.INCONCLUSIVE,
                f"transport:{exc.kind}",
                f"the attempt that the CSMS must refuse could not be made: {exc}",
                "OCPP-J 1.6 §3",
            )
        return outcome
    await channel.close()
    outcome.check(
        RULE,
        False,
        "the CSMS refuses the upgrade",
        f"it upgraded the connection on subprotocol ocpp1.6 ({offered})",
    )
    return outcome
