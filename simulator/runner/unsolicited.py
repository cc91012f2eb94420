"""What the charge point accepted without a step asking, it does (catalog §2: the CSMS may
send other requests; a real charge point that says Accepted acts).

Every CSMS request no window took was answered by the model at once (runner.link). Here,
at the next moment the charge point is free (between steps, or while a step only waits
for the CSMS), the model's reaction to each accepted one runs like any activity: a
TriggerMessage sends the message, a Reset reboots, a ChangeAvailability reports the new
status. Each gets its own record in the report. What it finds is advisory (a warning, not
the case's verdict: the case never asked for it); but when it changes what the case
relies on (a reboot, a transaction started or stopped, ...), a later failure of the case
is INCONCLUSIVE and says which unrequested request derailed it, and when.
"""

from __future__ import annotations

from reports.results import StepRecord
from simulator.chargepoint.reactions import reaction
from simulator.runner.activities import perform
from simulator.runner.context import Acted, CaseContext, StepRun
from simulator.runner.link import ConnectionLost, ProtocolBreach
from simulator.runner.outcome import Outcome

# Reactions that change the state a case relies on (connection, transactions, connector
# statuses, reservations, firmware). TriggerMessage and GetDiagnostics only report.
DISRUPTIVE = frozenset(
    {
        "Reset",
        "RemoteStartTransaction",
        "RemoteStopTransaction",
        "UnlockConnector",
        "ReserveNow",
        "CancelReservation",
        "ChangeAvailability",
        "UpdateFirmware",
    }
)
REFERENCE = "catalog §2: a CSMS request the case did not ask for, answered and acted on"


async def act(context: CaseContext, after: str) -> None:
    """Run the reactions to every accepted, unrequested request received so far."""
    while context.link is not None and context.link.unsolicited:
        item = context.link.unsolicited.pop(0)
        call, answer = item.request.call, item.answer
        if answer.payload is None:
            continue
        activity = reaction(context.model, call.action, call.payload, answer.payload)
        if activity is None:
            continue
        label = f"u{len(context.acted) + 1}"
        outcome = Outcome(
            context.where(label, REFERENCE),
            started_at=round(context.since_start(), 6),
            advisory=True,
        )
        record = StepRecord(
            label,
            "unsolicited",
            call.action,
            f"The CSMS's unrequested {call.action}.req (at {item.request.t:.3f} s), "
            "which the charge point accepted: it acts on it",
        )
        context.acted.append(Acted(after, record, outcome))
        sent_before = len(context.messages)
        try:
            await perform(StepRun(context, None, outcome), activity, {}, {})
        except (ConnectionLost, ProtocolBreach) as exc:
            outcome.note(f"stopped: {exc}")
        finally:
            outcome.duration_s = round(context.since_start() - (outcome.started_at or 0), 6)
        acted_on = len(context.messages) > sent_before or context.link is None
        if not acted_on:
            outcome.note("nothing to send: the charge point was already in that state")
        if call.action in DISRUPTIVE and acted_on and context.derailed is None:
            context.derailed = (
                f"the CSMS sent an unrequested {call.action}.req at {item.request.t:.3f} s, "
                "which the charge point accepted and acted on"
            )
