"""Interpret charge point activities (``simulator.chargepoint.plan``) on the live case.

An activity is the model's sans-I/O generator: it yields instructions and receives the
CSMS's answers. Here each instruction is carried out: a Send is exchanged and checked like
a ``send`` step (``answers`` adds the fields expected, by action), a Wait sleeps on the
injected clock, Disconnect / Connect drop and reopen the link, Download / Upload move real
bytes (simulator.transfers), each bounded by ``waits.transfer``.
"""

from __future__ import annotations

from typing import Any

from simulator import transfers
from simulator.chargepoint.plan import Activity, Connect, Disconnect, Download, Send, Upload, Wait
from simulator.runner.checks import Stricter
from simulator.runner.context import StepRun


async def perform(
    run: StepRun,
    activity: Activity,
    answers: dict[str, dict[str, Any]],
    save: dict[str, str],
    stricter: dict[str, list[Stricter]] | None = None,
    because: str = "",
) -> None:
    """Run ``activity`` to its end, or until the step ends (its outcome says why).
    ``save`` paths name the action: ``{transaction_id: StartTransaction.transactionId}``;
    ``stricter`` adds, by action, fields whose absence is a finding. Each action of
    ``answers`` must have been sent: the TCD validates its answer here, and a case whose
    charge point never sent it (it acted on what the CSMS asked) must not pass unchecked."""
    context, outcome = run.context, run.outcome
    answer: dict[str, Any] | None = None
    sent: set[str] = set()
    while not outcome.ended:
        try:
            instruction = activity.send(answer)
        except StopIteration:
            check_answered(run, answers, sent, because)
            return
        answer = None
        match instruction:
            case Send():
                action = instruction.action
                sent.add(action)
                answer = await run.exchange(
                    action,
                    instruction.fields,
                    answers.get(action),
                    (stricter or {}).get(action, ()),
                )
                if answer is not None:
                    prefix = f"{instruction.action}."
                    run.save(
                        {
                            k: v.removeprefix(prefix)
                            for k, v in save.items()
                            if v.startswith(prefix)
                        },
                        answer,
                    )
            case Wait():
                context.waiting(instruction.why, instruction.seconds)
                outcome.note(f"waited {instruction.seconds:g} s ({instruction.why})")
                await context.clock.sleep(instruction.seconds)
            case Disconnect():
                outcome.note(f"the charge point dropped its connection ({instruction.why})")
                if context.link is not None:
                    await context.link.close()
                    context.link = None
            case Connect():
                outcome.note(f"the charge point reconnected ({instruction.why})")
                if context.link is not None:
                    await context.link.close()  # a fresh connection replaces the old one
                context.link = await context.connect(outcome, csms_decides=instruction.csms_decides)
            case Download() | Upload():
                answer = await move_file(run, instruction)


def check_answered(
    run: StepRun, answers: dict[str, dict[str, Any]], sent: set[str], because: str
) -> None:
    missing = [action for action in answers if action not in sent]
    if not missing:
        return
    names = ", ".join(f"{action}.conf" for action in missing)
    never = " or ".join(f"{action}.req" for action in missing)
    run.outcome.check(
        "sequence",
        False,
        f"{names} (the TCD validates it in this step)",
        f"no {never} was sent",
        f"the TCD validates {names} here, but the charge point sent no {never}"
        + (f": {because}" if because else ""),
    )


async def move_file(run: StepRun, instruction: Download | Upload) -> dict[str, Any]:
    """A real transfer for UpdateFirmware / GetDiagnostics, bounded by waits.transfer."""
    context = run.context
    timeout, ca_file = context.config.waits.transfer, context.settings.trusted_ca()
    started = context.clock.monotonic()
    try:
        if isinstance(instruction, Download):
            data = await transfers.download(instruction.url, timeout=timeout, ca_file=ca_file)
            result: dict[str, Any] = {"ok": True, "data": data}
            done = f"downloaded {len(data)} bytes from {instruction.url}"
        else:
            await transfers.upload(
                instruction.url,
                instruction.data,
                instruction.filename,
                timeout=timeout,
                ca_file=ca_file,
            )
            result = {"ok": True}
            done = (
                f"uploaded {instruction.filename} ({len(instruction.data)} bytes) "
                f"to {instruction.url}"
            )
    except transfers.TransferError as exc:
        result, done = {"ok": False, "error": str(exc)}, str(exc)
    run.outcome.note(f"{done} ({context.clock.monotonic() - started:.2f} s)")
    return result
