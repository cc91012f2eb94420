"""Execute one case on a live connection: steps, checks, timing, verdict.

Outcomes are kept apart (design principle 4): FAIL when the CSMS broke a rule, ERROR when
the harness or the environment failed, INCONCLUSIVE when the case could not decide (the
operator never made the CSMS act). Every non-PASS carries reasons naming the step, the
rule and what was seen against what was expected. Every case has a hard deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reports.results import CaseResult, Check, MessageRecord, Reason, StepRecord, Verdict, worst
from simulator import transfers
from simulator.cases.blocks import block_by_name
from simulator.cases.model import (
    Case,
    DoStep,
    ExpectCsmsStep,
    OperatorStep,
    SendStep,
    Step,
    WaitStep,
)
from simulator.cases.variables import (
    PICS_LOCATIONS,
    UnknownVariable,
    config_variables,
    substitute,
)
from simulator.chargepoint.behaviour import ACTIVITIES
from simulator.chargepoint.model import HARDWARE_FLAGS, Answer, ChargePoint, Hardware, Transaction
from simulator.chargepoint.plan import Activity, Connect, Disconnect, Download, Send, Upload, Wait
from simulator.chargepoint.reactions import reaction
from simulator.clock import Clock, SystemClock, ocpp_timestamp
from simulator.config import HarnessConfig
from simulator.ocppj import Session
from simulator.operator.base import Operator, OperatorOutcome, OperatorRequest
from simulator.runner.checks import CheckContext, answer_checks, field_check, schema_check
from simulator.runner.link import ConnectionLost, InboundRequest, Link, ProtocolBreach
from simulator.runner.matching import dig, match, show
from simulator.transport import ConnectionSettings, TransportError, open_connection


@dataclass(frozen=True)
class RunSettings:
    config: HarnessConfig
    csms_url: str
    operator: Operator
    clock: Clock = field(default_factory=SystemClock)
    basic_auth_password: str | None = None
    ca_file: str | None = None


class StepFailed(Exception):
    """Ends the case: the reasons say why."""


class _PreconditionUnreached(Exception):
    pass


@dataclass
class CarryOver:
    """State one case leaves for the next: transactions it could not stop."""

    transactions: list[Transaction] = field(default_factory=list)


class CaseRun:
    def __init__(self, case: Case, settings: RunSettings, carry: CarryOver | None = None) -> None:
        self.carry = carry
        self.case = case
        self.settings = settings
        self.config = settings.config
        self.clock = settings.clock
        self.model = build_model(case, self.config, self.clock)
        self.variables: dict[str, Any] = config_variables(self.config)
        self.messages: list[MessageRecord] = []
        self.reasons: list[Reason] = []
        self.warnings: list[str] = []
        self.records = [
            StepRecord(step.label, _kind(step), _action(step), step.title or _describe(step))
            for step in case.all_steps
        ]
        self.link: Link | None = None
        self.operator_task: asyncio.Task[OperatorOutcome] | None = None
        self.timed_out = False  # a request of ours went unanswered within the response timeout
        self.started_at = 0.0
        self.current_step = "connect"  # the step label a deadline or harness error is charged to

    # -- the case as a whole ----------------------------------------------------------
    async def run(self) -> CaseResult:
        self.started_at = self.clock.monotonic()
        started_wall = ocpp_timestamp(self.clock.now())
        deadline = self.config.waits.case_deadline
        block = block_by_name(self.case.block)
        profile = block.feature_profile if block else self.case.block
        if profile not in self.config.sut.feature_profiles:
            self._reason(
                "-",
                "pics",
                f"the PICS does not declare feature profile {profile} (sut.feature_profiles)",
                Verdict.NOT_APPLICABLE,
            )
            return self._result(started_wall)
        try:
            async with asyncio.timeout(deadline):
                if await self._restore_preconditions():
                    await self._run_steps()
        except TimeoutError:
            self._reason(
                self.current_step,
                "case-deadline",
                f"the case did not finish within its {deadline:g} s deadline",
                Verdict.ERROR,
            )
        except Exception as exc:  # the harness itself failed: say so, never crash the run
            where = traceback.extract_tb(exc.__traceback__)[-1]
            self._reason(
                self.current_step,
                "harness",
                f"harness error: {type(exc).__name__}: {exc} "
                f"(at {Path(where.filename).name}:{where.lineno}; please report it)",
                Verdict.ERROR,
            )
        finally:
            await self._shutdown()
        return self._result(started_wall)

    def _result(self, started_wall: str) -> CaseResult:
        verdict = worst([r.verdict for r in self.reasons]) if self.reasons else Verdict.PASS
        return CaseResult(
            id=self.case.id,
            block=self.case.block,
            title=self.case.title,
            verdict=verdict,
            reasons=self.reasons,
            steps=self.records,
            messages=self.messages,
            reference=self.case.reference,
            file=_shown_path(self.case.file),
            started=started_wall,
            duration_s=round(self.clock.monotonic() - self.started_at, 3),
            warnings=self.warnings,
        )

    async def _connect(self, step_label: str) -> Link | None:
        """A fresh connection (catalog §2: every case starts on a stable new connection)."""
        settings = ConnectionSettings(
            self.settings.csms_url,
            self.config.charge_point.id,
            self.settings.basic_auth_password,
            self.settings.ca_file,
            open_timeout=self.config.limits.response_timeout,
        )
        try:
            websocket = await open_connection(settings)
        except TransportError as exc:
            verdict = Verdict.FAIL if exc.csms_fault else Verdict.ERROR
            self._reason(step_label, f"transport:{exc.kind}", str(exc), verdict, "OCPP-J 1.6 §3")
            return None
        link = Link(
            websocket, Session(), self.clock, self.model.answer, self.started_at, self.messages
        )
        link.held_actions = {s.action for s in self.case.all_steps if isinstance(s, ExpectCsmsStep)}
        link.start()
        return link

    async def _restore_preconditions(self) -> bool:
        """Deliver what an earlier case could not (a transaction still running when its
        connection was lost), as a charge point delivers queued messages after a reconnect,
        so this case starts from the catalog's default pre-conditions (§2). Failing to get
        there makes the case INCONCLUSIVE, never FAIL."""
        if self.carry is None or not self.carry.transactions:
            return True
        record = StepRecord(
            "pre",
            "precondition",
            "StopTransaction",
            "Stop the transaction an earlier case left running",
        )
        self.records.insert(0, record)
        link = await self._connect("pre")
        if link is None:
            self.reasons[-1].verdict = (
                Verdict.INCONCLUSIVE
                if self.reasons[-1].verdict == Verdict.FAIL
                else self.reasons[-1].verdict
            )
            return False
        try:
            boot = await link.call(
                "BootNotification",
                self.model.build_request("BootNotification", {}),
                self.config.limits.response_timeout,
            )
            leftovers, self.carry.transactions = self.carry.transactions, []
            answered = not boot.timed_out
            for transaction in leftovers:
                answered = await self._stop_transaction(link, transaction, "Other") and answered
            if not answered:
                raise _PreconditionUnreached("the CSMS did not answer within the response timeout")
        except (ConnectionLost, ProtocolBreach, _PreconditionUnreached) as exc:
            record.status = "inconclusive"
            self._reason(
                "pre",
                "precondition",
                f"could not reach the default pre-conditions (catalog §2): {exc}",
                Verdict.INCONCLUSIVE,
            )
            return False
        finally:
            await link.close()
        record.status = "passed"
        return True

    async def _run_steps(self) -> None:
        self.link = await self._connect("connect")
        if self.link is None:
            return
        steps = list(
            zip(
                self.case.all_steps,
                [r for r in self.records if r.kind != "precondition"],
                strict=True,
            )
        )
        for step, record in steps:
            self.current_step = step.label
            record.started_at = round(self.clock.monotonic() - self.started_at, 6)
            try:
                await self._execute(step, record)
                self._protocol_findings(step, record)
            except StepFailed:
                pass
            except ProtocolBreach:
                with contextlib.suppress(StepFailed):
                    self._protocol_findings(step, record)
            except ConnectionLost as lost:
                during = "" if lost.awaiting else " during this step"
                self._fail(step, record, "connection", f"{lost}{during}", "OCPP-J 1.6 §3")
            except UnknownVariable as exc:
                record.status = "error"
                key = PICS_LOCATIONS.get(exc.name)
                why = (
                    f"the PICS does not set {key}" if key else "a previous step did not provide it"
                )
                self._reason(step.label, "variable", f"{exc}: {why}", Verdict.ERROR, step.ref)
            finally:
                record.duration_s = round(
                    self.clock.monotonic() - self.started_at - record.started_at, 6
                )
            if self.reasons:
                break
            if record.status == "not run":
                record.status = "passed"
        await self._teardown()

    # -- steps ------------------------------------------------------------------------
    async def _execute(self, step: Step, record: StepRecord) -> None:
        match step:
            case SendStep():
                await self._send(step, record)
            case ExpectCsmsStep():
                await self._expect_csms(step, record)
            case OperatorStep():
                self._operator(step, record)
            case WaitStep():
                await self._wait(step, record)
            case DoStep():
                params = substitute(step.params, self.variables)
                activity = ACTIVITIES[step.activity](self.model, params)
                await self._perform(activity, step, record, step.answers, step.save)

    async def _send(self, step: SendStep, record: StepRecord) -> None:
        fields = substitute(step.fields, self.variables)
        expected = substitute(step.expect, self.variables) if step.expect is not None else None
        if step.each_connector:
            # catalog §2.1 Booted: connectorId 0 and each connector
            for connector_id in range(self.config.charge_point.connectors + 1):
                fields_for = {**fields, "connectorId": connector_id}
                await self._exchange(step, record, step.action, fields_for, expected)
        else:
            answer = await self._exchange(step, record, step.action, fields, expected)
            self._save(record, step.save, answer)
            if step.warn is not None:
                for mismatch in match(substitute(step.warn, self.variables), answer):
                    warning = f"step {step.label}: {step.action}.conf {mismatch.describe()} (tolerated, with a warning)"
                    self.warnings.append(warning)
                    record.notes.append(f"warning: {warning}")

    async def _exchange(
        self,
        step: Step,
        record: StepRecord,
        action: str,
        fields: dict[str, Any],
        expected: dict[str, Any] | None,
    ) -> dict[str, Any]:
        """Send one request the charge point model built and check the CSMS's answer."""
        if self.link is None:
            record.status = "error"
            self._reason(
                step.label,
                "offline",
                f"the charge point is offline: it cannot send {action}",
                Verdict.ERROR,
                step.ref,
            )
            raise StepFailed
        payload = self.model.build_request(action, fields)
        outcome = await self.link.call(action, payload, self.config.limits.response_timeout)
        if outcome.violations_sent:
            record.status = "error"
            detail = "; ".join(v.describe() for v in outcome.violations_sent)
            self._reason(
                step.label,
                "harness-schema",
                f"the harness's own {action}.req breaks the OCA schema: {detail}",
                Verdict.ERROR,
                step.ref,
            )
            raise StepFailed
        self.model.on_request_sent(action, payload)
        self.timed_out = self.timed_out or outcome.timed_out
        if outcome.result is not None:
            # The charge point acts on what it was answered, whether or not the answer
            # passes the case's checks (a transaction exists once it has an id).
            self.model.on_response(action, payload, outcome.result.payload)
        checks = answer_checks(self._ctx(step), action, outcome, self.config.limits, expected)
        self._apply(step, record, checks)
        assert outcome.result is not None
        return outcome.result.payload

    async def _perform(
        self,
        activity: Activity,
        step: Step,
        record: StepRecord,
        answers: dict[str, dict[str, Any]],
        save: dict[str, str],
    ) -> None:
        """Run charge point behaviour: every request it sends is checked like a send step,
        with ``answers`` giving the fields expected in the answers, by action."""
        answer: dict[str, Any] | None = None
        while True:
            try:
                instruction = activity.send(answer)
            except StopIteration:
                return
            answer = None
            match instruction:
                case Send():
                    expected = answers.get(instruction.action)
                    fields = substitute(instruction.fields, self.variables)
                    expected = (
                        substitute(expected, self.variables) if expected is not None else None
                    )
                    answer = await self._exchange(
                        step, record, instruction.action, fields, expected
                    )
                    prefix = f"{instruction.action}."
                    self._save(
                        record,
                        {
                            k: v.removeprefix(prefix)
                            for k, v in save.items()
                            if v.startswith(prefix)
                        },
                        answer,
                    )
                case Wait():
                    record.notes.append(f"waited {instruction.seconds:g} s ({instruction.why})")
                    await self.clock.sleep(instruction.seconds)
                case Disconnect():
                    record.notes.append(
                        f"the charge point dropped its connection ({instruction.why})"
                    )
                    if self.link is not None:
                        await self.link.close()
                        self.link = None
                case Connect():
                    record.notes.append(f"the charge point reconnected ({instruction.why})")
                    self.link = await self._connect(step.label)
                    if self.link is None:
                        record.status = "failed"
                        raise StepFailed
                case Download() | Upload():
                    answer = await self._move_file(instruction, record)

    async def _move_file(
        self, instruction: Download | Upload, record: StepRecord
    ) -> dict[str, Any]:
        """A real transfer for UpdateFirmware / GetDiagnostics, bounded by waits.transfer."""
        timeout, ca_file = self.config.waits.transfer, self.settings.ca_file
        started = self.clock.monotonic()
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
        record.notes.append(f"{done} ({self.clock.monotonic() - started:.2f} s)")
        return result

    def _check_transfer(self, step: ExpectCsmsStep, record: StepRecord) -> None:
        """``transfer: succeeds | fails``: the case's sequence needs that outcome of the
        charge point's real transfer; another outcome leaves the case undecided."""
        if step.transfer is None:
            return
        done = self.model.transfers[-1] if self.model.transfers else None
        if done is not None and done.ok == (step.transfer == "succeeds"):
            return
        record.status = "inconclusive"
        seen = done.describe() if done is not None else "no transfer was attempted"
        self._reason(
            step.label,
            "transfer",
            f"this case needs a transfer that {step.transfer}, but {seen}",
            Verdict.INCONCLUSIVE,
            step.ref,
        )
        raise StepFailed

    async def _expect_csms(self, step: ExpectCsmsStep, record: StepRecord) -> None:
        assert self.link is not None
        timeout = self._expect_timeout(step)
        request = await self.link.next_request(step.action, timeout)
        if request is None:
            await self._no_request(step, record, timeout)
            return
        ctx = self._ctx(step)
        checks = [schema_check(ctx, f"{step.action}.req", request.violations)]
        if step.match is not None:
            expected = substitute(step.match, self.variables)
            received = self.clock.now()
            checks.append(
                field_check(ctx, f"{step.action}.req", expected, request.call.payload, received)
            )
        reply = self._reply_for(step, request)
        await self.link.reply(request.call, reply)
        self._apply(step, record, checks)
        self._save(record, step.save, request.call.payload)
        if reply.payload is not None:
            reacting = reaction(self.model, step.action, request.call.payload, reply.payload)
            if reacting is not None:
                await self._perform(reacting, step, record, step.answers, {})
        self._check_transfer(step, record)

    def _reply_for(self, step: ExpectCsmsStep, request: InboundRequest) -> Answer:
        if request.suggested_error is not None:
            return Answer(
                error=request.suggested_error, description="payload breaks the OCA schema"
            )
        if step.reply is not None:
            return Answer(substitute(step.reply, self.variables))
        return self.model.answer(step.action, request.call.payload)

    def _expect_timeout(self, step: ExpectCsmsStep) -> float:
        index = self.case.all_steps.index(step)
        after_operator = any(isinstance(s, OperatorStep) for s in self.case.all_steps[:index])
        return self.config.waits.operator if after_operator else self.config.limits.response_timeout

    async def _no_request(self, step: ExpectCsmsStep, record: StepRecord, timeout: float) -> None:
        outcome = await self._operator_outcome()
        if outcome is not None and (not outcome.ok or not outcome.confirmed):
            # The operator never (knowingly) made the CSMS act: the case cannot decide.
            record.status = "inconclusive"
            why = (
                "the operator action failed"
                if not outcome.ok
                else "the operator action was not confirmed"
            )
            self._reason(
                step.label,
                "operator",
                f"the CSMS did not send {step.action}.req within {timeout:g} s, and {why}: {outcome.detail}",
                Verdict.INCONCLUSIVE,
                step.ref,
            )
            raise StepFailed
        missing = self._ctx(step).check(
            "request-sent",
            False,
            f"the CSMS sends {step.action}.req",
            "nothing",
            f"the CSMS did not send {step.action}.req within {timeout:g} s",
        )
        self._apply(step, record, [missing])

    def _operator(self, step: OperatorStep, record: StepRecord) -> None:
        request = OperatorRequest(
            charge_point_id=self.config.charge_point.id,
            action=step.action,
            request=substitute(step.request, self.variables),
            instruction=" ".join(str(substitute(step.instruction, self.variables)).split()),
            timeout=self.config.waits.operator,
        )
        self.operator_task = asyncio.create_task(self.settings.operator.perform(request))
        self.operator_task.add_done_callback(self._operator_done)
        record.notes.append(
            f"{self.settings.operator.name} operator asked for {step.action} {show(request.request)}"
        )

    def _operator_done(self, task: asyncio.Task[OperatorOutcome]) -> None:
        failed = task.cancelled() or task.exception() is not None or not task.result().ok
        if failed and self.link is not None:
            self.link.interrupt()  # the CSMS was never made to act: no point waiting

    async def _operator_outcome(self) -> OperatorOutcome | None:
        task, self.operator_task = self.operator_task, None
        if task is None:
            return None
        try:
            return await asyncio.wait_for(task, timeout=2)
        except TimeoutError:
            return None
        except Exception as exc:
            return OperatorOutcome(False, f"{type(exc).__name__}: {exc}")

    async def _wait(self, step: WaitStep, record: StepRecord) -> None:
        seconds = substitute(step.seconds, self.variables)
        cap = substitute(step.at_most, self.variables) if step.at_most is not None else None
        if not isinstance(seconds, int | float) or isinstance(seconds, bool):
            record.status = "error"
            self._reason(
                step.label,
                "variable",
                f"wait needs a number of seconds, got {show(seconds)}",
                Verdict.ERROR,
                step.ref,
            )
            raise StepFailed
        duration = (
            min(float(seconds), float(cap)) if isinstance(cap, int | float) else float(seconds)
        )
        record.notes.append(f"waited {duration:g} s")
        await self.clock.sleep(max(duration, 0.0))

    # -- checks, reasons, variables ---------------------------------------------------
    def _ctx(self, step: Step) -> CheckContext:
        return CheckContext(self.case.id, step.label, step.ref or self.case.reference)

    def _apply(self, step: Step, record: StepRecord, checks: list[Check]) -> None:
        record.checks.extend(checks)
        failed = [c for c in checks if not c.passed]
        for check in failed:
            self.reasons.append(
                Reason(self.case.id, step.label, check.rule, check.message, check.reference)
            )
        if failed:
            record.status = "failed"
            raise StepFailed

    def _fail(
        self, step: Step, record: StepRecord, rule: str, message: str, reference: str = ""
    ) -> None:
        record.status = "failed"
        self.reasons.append(
            Reason(
                self.case.id,
                step.label,
                rule,
                f"{_describe(step)}: {message}",
                reference or step.ref,
            )
        )

    def _reason(
        self, step: str, rule: str, message: str, verdict: Verdict, reference: str = ""
    ) -> None:
        self.reasons.append(
            Reason(self.case.id, step, rule, message, reference or self.case.reference, verdict)
        )

    def _protocol_findings(self, step: Step, record: StepRecord) -> None:
        if self.link is None:  # offline: nothing was received
            return
        findings = self.link.take_findings()
        if findings:
            ctx = self._ctx(step)
            checks = [
                ctx.check("protocol", False, "well-formed OCPP-J traffic", f, f, "OCPP-J 1.6 §4")
                for f in findings
            ]
            self._apply(step, record, checks)

    def _save(self, record: StepRecord, save: dict[str, str], payload: dict[str, Any]) -> None:
        for name, path in save.items():
            value = dig(payload, path)
            self.variables[name] = value
            record.notes.append(f"${name} = {show(value)}")

    # -- after the steps --------------------------------------------------------------
    async def _stop_transaction(self, link: Link, transaction: Transaction, reason: str) -> bool:
        """StopTransaction, then the connector Available: how the harness ends a transaction
        a case did not end itself. True when the CSMS answered both."""
        timeout = self.config.limits.response_timeout
        self.model.transactions.setdefault(transaction.transaction_id, transaction)
        fields = {"transactionId": transaction.transaction_id, "reason": reason}
        stop = self.model.build_request("StopTransaction", fields)
        stopped = await link.call("StopTransaction", stop, timeout)
        self.model.end_transaction(transaction.transaction_id, stop.get("meterStop"))
        status = {"connectorId": transaction.connector_id, "status": "Available"}
        available = await link.call(
            "StatusNotification", self.model.build_request("StatusNotification", status), timeout
        )
        return not stopped.timed_out and not available.timed_out

    async def _teardown(self) -> None:
        """Leave the CSMS as the next case expects (catalog §2 post-conditions: no
        transaction running). Failures here are noted, never a verdict."""
        if self.link is None or self.link.closed is not None:
            return
        for transaction in list(self.model.transactions.values()):
            record = StepRecord(
                "teardown",
                "teardown",
                "StopTransaction",
                "Stop the transaction the case left running",
            )
            self.records.append(record)
            try:
                answered = await self._stop_transaction(self.link, transaction, "Local")
                record.status = "passed" if answered else "not answered"
            except (ConnectionLost, ProtocolBreach) as exc:
                record.status = "error"
                record.notes.append(str(exc))
                return

    async def _listen_for_late_answer(self) -> None:
        """After a response timeout, listen a little longer so the reason can tell a slow
        CSMS (a late answer) from one that never answers."""
        link = self.link
        grace = self.config.waits.late_answer_grace
        if not self.timed_out or link is None or link.closed is not None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(link.late_answer.wait(), grace)
        late = next((m for m in self.messages if m.note.startswith("late")), None)
        for reason in self.reasons:
            if reason.rule != "response-timeout":
                continue
            if late is not None and late.latency_ms is not None:
                reason.message += (
                    f"; the answer came late, {late.latency_ms / 1000:.3f} s after the request"
                )
            elif grace > 0:
                reason.message += f"; still no answer {grace:g} s after the timeout"

    async def _shutdown(self) -> None:
        await self._listen_for_late_answer()
        if self.carry is not None:
            # What teardown could not stop is delivered at the start of the next case.
            self.carry.transactions = list(self.model.transactions.values())
        if self.operator_task is not None:
            self.operator_task.cancel()
            with contextlib.suppress(BaseException):
                await self.operator_task
        if self.link is not None:
            await self.link.close()


def build_model(case: Case, config: HarnessConfig, clock: Clock) -> ChargePoint:
    """A fresh charge point in the state the case's ``setup:`` describes."""
    setup = case.setup
    hardware = Hardware(**{name: setup[name] for name in HARDWARE_FLAGS if name in setup})
    model = ChargePoint(
        config.charge_point,
        clock,
        connection_timeout=config.waits.connection_timeout,
        hardware=hardware,
    )
    model.expiry_wait_cap = config.waits.reservation_expiry_offset + config.waits.late_answer_grace
    model.transfer_wait_cap = config.waits.transfer_schedule_max
    for key, value in setup.get("configuration", {}).items():
        model.configuration[key].value = str(substitute(value, config_variables(config)))
    for id_tag in setup.get("cached_id_tags", []):
        model.auth_cache[str(substitute(id_tag, config_variables(config)))] = {"status": "Accepted"}
    return model


def _shown_path(file: str) -> str:
    """A case file as reports show it: relative to the working folder when inside it."""
    path = Path(file)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return file


def _kind(step: Step) -> str:
    return {
        SendStep: "send",
        ExpectCsmsStep: "expect_csms",
        OperatorStep: "operator",
        WaitStep: "wait",
        DoStep: "do",
    }[type(step)]


def _action(step: Step) -> str:
    if isinstance(step, WaitStep):
        return ""
    return step.activity if isinstance(step, DoStep) else step.action


def _describe(step: Step) -> str:
    match step:
        case SendStep():
            return f"{step.action}.req sent"
        case ExpectCsmsStep():
            return f"waiting for {step.action}.req"
        case OperatorStep():
            return f"operator action {step.action}"
        case WaitStep():
            return "wait"
        case DoStep():
            return step.activity.replace("_", " ")


async def run_case(case: Case, settings: RunSettings, carry: CarryOver | None = None) -> CaseResult:
    return await CaseRun(case, settings, carry).run()
