"""Execute one case: the steps in order, each by its kind's executor, then the verdict.

Outcomes are kept apart (design principle 4): FAIL when the CSMS broke a rule, ERROR when
the harness or the environment failed, INCONCLUSIVE when the case could not decide (the
operator never made the CSMS act). Every non-PASS carries reasons naming the step, the
rule and what was seen against what was expected. Every case has a hard deadline.

The engine opens no socket: its settings carry the dialer (simulator.channel), and what a
step kind does lives in its executor (simulator.runner.executors).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import traceback
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding

from reports.results import CaseResult, StepRecord, Verdict
from simulator.cases.blocks import block_by_name
from simulator.cases.model import Case
from simulator.cases.steps import ConnectStep, Step
from simulator.cases.variables import PICS_KEYS, config_variables, substitute
from simulator.chargepoint.certificates import (
    CENTRAL_SYSTEM_ROOT,
    CertificateError,
    load_certificate,
)
from simulator.chargepoint.model import HARDWARE_FLAGS, ChargePoint, Hardware
from simulator.clock import Clock, ocpp_timestamp
from simulator.config import HarnessConfig
from simulator.errors import UnknownVariable
from simulator.runner import preconditions, security_profile, unsolicited
from simulator.runner.context import CaseContext, StepRun
from simulator.runner.executors import executor_for
from simulator.runner.link import ConnectionLost, ProtocolBreach
from simulator.runner.outcome import Outcome, case_reasons, case_verdict
from simulator.runner.preconditions import CarryOver
from simulator.runner.settings import RunSettings

__all__ = ["CarryOver", "CaseRun", "RunSettings", "build_model", "run_case"]

decisions = logging.getLogger("simulator.decisions")  # simulate -v: each step's outcome


class CaseRun:
    def __init__(self, case: Case, settings: RunSettings, carry: CarryOver | None = None) -> None:
        self.case = case
        self.carry = carry
        self.config = settings.config
        self.clock = settings.clock
        self.context = CaseContext(
            case,
            settings,
            build_model(case, self.config, self.clock),
            config_variables(self.config),
            started_at=0.0,
        )
        if carry is not None:
            carry.credentials_to(self.context.model)
        # Outcomes in the order they happened: the case as a whole (connect, deadline, ...),
        # the pre-condition restore, then one per step that ran.
        self.whole = Outcome(self.context.where("connect"))
        self.restored: Outcome | None = None
        self.profiled: Outcome | None = None  # the switch to the case's security profile
        self.steps: dict[str, Outcome] = {}
        self.resolved: dict[str, Step] = {}  # steps whose variables are substituted
        self.current = self.whole  # what a deadline or a harness error is charged to
        self.teardown: list[StepRecord] = []

    @property
    def outcomes(self) -> list[Outcome]:
        head = [self.whole] + [o for o in (self.profiled, self.restored) if o is not None]
        acted = [a.outcome for a in self.context.acted]
        return head + list(self.steps.values()) + acted

    # -- the case as a whole ----------------------------------------------------------
    async def run(self) -> CaseResult:
        self.context.started_at = self.clock.monotonic()
        started_wall = ocpp_timestamp(self.clock.now())
        block = block_by_name(self.case.block)
        needed = [block.feature_profile if block else self.case.block, *self.case.feature_profiles]
        missing = [p for p in needed if p not in self.config.sut.feature_profiles]
        if missing:
            self.whole.where = self.context.where("-")
            self.whole.reason(
                Verdict.NOT_APPLICABLE,
                "pics",
                f"the PICS does not declare feature profile {', '.join(missing)} "
                "(sut.feature_profiles)",
            )
            return self._result(started_wall)
        if not self.case.in_its_edition:
            self.whole.where = self.context.where("-")
            self.whole.reason(
                Verdict.NOT_APPLICABLE,
                "edition",
                f"the {self.case.edition} edition of the Test Case Document has no "
                f"{self.case.id} (it is in {', '.join(self.case.editions)})",
            )
            return self._result(started_wall)
        supported = self.config.security.supported
        wanted, current = self.case.security_profiles, self.context.model.security_profile
        raises = self.case.raises_security_profile
        runs_in = security_profile.profile_for(wanted, current, supported, raises=raises)
        if runs_in is None:
            self.whole.where = self.context.where("-")
            self.whole.reason(
                Verdict.NOT_APPLICABLE,
                "pics",
                security_profile.not_applicable_reason(wanted, supported, raises=raises),
            )
            return self._result(started_wall)
        self.context.variables.update(security_profile.variables_for(runs_in))
        deadline = self.config.waits.case_deadline
        try:
            async with asyncio.timeout(deadline):
                if await self._enter_profile(runs_in) and await self._restore_preconditions():
                    await self._run_steps()
        except TimeoutError:
            self.current.reason(
                Verdict.ERROR,
                "case-deadline",
                f"the case did not finish within its {deadline:g} s deadline",
            )
        except Exception as exc:  # the harness itself failed: say so, never crash the run
            where = traceback.extract_tb(exc.__traceback__)[-1]
            self.current.reason(
                Verdict.ERROR,
                "harness",
                f"harness error: {type(exc).__name__}: {exc} "
                f"(at {Path(where.filename).name}:{where.lineno}; please report it)",
            )
        finally:
            await self._shutdown()
        return self._result(started_wall)

    def _result(self, started_wall: str) -> CaseResult:
        outcomes = self.outcomes
        records = [self._record(step) for step in self.case.all_steps]
        if self.whole.notes or any(r.step == "connect" for r in self.whole.reasons):
            # The attempts it took to connect, where they happened (PICS timing).
            connect = StepRecord("connect", "connect", "", "Connect to the CSMS")
            records.insert(0, _record_of(connect, self.whole))
        if self.restored is not None:
            records.insert(0, _record_of(self._precondition_record(), self.restored))
        if self.profiled is not None:
            switch = StepRecord(
                "profile",
                "precondition",
                security_profile.SET_SECURITY_PROFILE,
                "Set the charge point to the case's security profile",
            )
            records.insert(0, _record_of(switch, self.profiled))
        for acted in reversed(self.context.acted):  # each after the step it happened in
            at = next((i + 1 for i, r in enumerate(records) if r.label == acted.after), 0)
            records.insert(at, _record_of(acted.record, acted.outcome))
        counted = [o for o in outcomes if not o.advisory]
        advisory = [f"{r.step}: {r.message}" for o in outcomes if o.advisory for r in o.reasons]
        advisory += [f"{f.step}: {f.message}" for o in outcomes if o.advisory for f in o.findings]
        strict = self.context.settings.strict
        return CaseResult(
            id=self.case.id,
            block=self.case.block,
            title=self.case.title,
            verdict=case_verdict(outcomes, strict=strict),
            reasons=case_reasons(outcomes, strict=strict),
            steps=records + self.teardown,
            messages=self.context.messages,
            reference=self.case.reference,
            file=shown_path(self.case.file),
            started=started_wall,
            duration_s=round(self.context.since_start(), 3),
            warnings=[w for outcome in outcomes for w in outcome.warnings] + advisory,
            findings=[finding for outcome in counted for finding in outcome.findings],
            edition=self.case.edition,
        )

    def _record(self, step: Step) -> StepRecord:
        record = StepRecord(step.label, step.kind, step.reported_action(), step.heading)
        outcome = self.steps.get(step.label)
        return record if outcome is None else _record_of(record, outcome)

    @staticmethod
    def _precondition_record() -> StepRecord:
        return StepRecord(
            "pre",
            "precondition",
            "StopTransaction",
            "Stop the transaction an earlier case left running",
        )

    async def _enter_profile(self, profile: int) -> bool:
        """Set the charge point to the profile the case runs in, when it is in another."""
        if profile == self.context.model.security_profile:
            return True
        self.profiled = self.current = Outcome(self.context.where("profile"))
        return await security_profile.switch_to(self.context, profile, self.profiled)

    async def _restore_preconditions(self) -> bool:
        if self.carry is None or not self.carry.transactions:
            return True
        self.restored = self.current = Outcome(self.context.where("pre"))
        await preconditions.restore(self.context, self.carry, self.restored)
        return not self.restored.ended

    async def _run_steps(self) -> None:
        self.current = self.whole
        steps, ended, previous = self.case.all_steps, False, "connect"
        # A case that opens with a connect step makes its own first attempt (catalog §11.0 a).
        if not (steps and isinstance(steps[0], ConnectStep)):
            self.context.link = await self.context.connect(self.whole)
            if self.context.link is None:
                return
        for index, step in enumerate(steps):
            await unsolicited.act(self.context, previous)  # the charge point is free now
            following = steps[index + 1] if index + 1 < len(steps) else None
            outcome = await self._run_step(step, following)
            previous, ended = step.label, outcome.ended
            if ended:
                break
        if not ended:
            await unsolicited.act(self.context, previous)
        self.teardown = await preconditions.teardown(self.context)

    def _resolve(self, step: Step) -> Step:
        """``step`` with its variables substituted: once, before it (or, for a step another
        prepares for, before that one) runs."""
        if step.label not in self.resolved:
            try:
                self.resolved[step.label] = step.resolve(self.context.variables)
            except UnknownVariable as exc:
                exc.step = step
                raise
        return self.resolved[step.label]

    async def _run_step(self, step: Step, following: Step | None) -> Outcome:
        context = self.context
        started = context.since_start()
        outcome = Outcome(context.where(step.label, step.ref), started_at=round(started, 6))
        self.steps[step.label] = self.current = outcome
        derailed = context.derailed  # an unrequested request changed the case before this step
        run = StepRun(
            context, step, outcome, lambda: self._resolve(following) if following else None
        )
        try:
            outcome = await executor_for(step)(self._resolve(step), run)
            if not outcome.ended:
                self._protocol_findings(outcome)
        except UnknownVariable as exc:
            key = PICS_KEYS.get(exc.name)
            why = f"the PICS does not set {key}" if key else "a previous step did not provide it"
            where = exc.step or step
            outcome.reason(
                Verdict.ERROR,
                "variable",
                f"{shown_path(self.case.file)}:{where.line}: step {where.label}: {exc}: {why}",
            )
        except ProtocolBreach:
            self._protocol_findings(outcome)
        except ConnectionLost as lost:
            during = "" if lost.awaiting else " during this step"
            outcome.reason(
                Verdict.FAIL, "connection", f"{step.describe()}: {lost}{during}", "OCPP-J 1.6 §3"
            )
        finally:
            outcome.duration_s = round(context.since_start() - started, 6)
            decisions.debug(
                "%s step %s (%s): %s%s",
                self.case.id,
                step.label,
                step.heading,
                outcome.status,
                "".join(f"; {r.message}" for r in outcome.reasons),
            )
        if derailed is not None:
            _blame_the_derailment(outcome, derailed)
        return outcome

    def _protocol_findings(self, outcome: Outcome) -> None:
        link = self.context.link
        if link is None:  # offline: nothing was received
            return
        for finding in link.take_findings():
            outcome.check(
                "protocol", False, "well-formed OCPP-J traffic", finding, finding, "OCPP-J 1.6 §4"
            )

    # -- after the steps --------------------------------------------------------------
    async def _listen_for_late_answer(self) -> None:
        """After a response timeout, listen a little longer so the reason can tell a slow
        CSMS (a late answer) from one that never answers."""
        link = self.context.link
        grace = self.config.waits.late_answer_grace
        if not self.context.timed_out or link is None or link.closed is not None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(link.late_answer.wait(), grace)
        late = next((m for m in self.context.messages if m.note.startswith("late")), None)
        for outcome in self.outcomes:
            for reason in outcome.reasons:
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
        context = self.context
        if self.carry is not None:
            # What teardown could not stop is delivered at the start of the next case,
            # with what this case's restore could not deliver.
            kept = {t.transaction_id: t for t in self.carry.transactions}
            kept.update(context.model.transactions)
            self.carry.transactions = list(kept.values())
            self.carry.credentials_from(context.model)
        task = context.operator_task
        if task is not None and not task.done():
            # An operator call still in flight is awaited (for the operator wait at most),
            # so what it did is recorded; only then is it given up.
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(asyncio.shield(task), self.config.waits.operator)
            if not task.done():
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
        if context.link is not None:
            # A charge point closes only once neither side has a CALL outstanding, with
            # close code 1000 (RFC 6455 §7.4.1) after a quiet moment.
            timing, limits = self.config.timing, self.config.limits
            await context.link.settle(timing.quiet_period, limits.response_timeout)
            await context.link.close()


def _blame_the_derailment(outcome: Outcome, derailed: str) -> None:
    """A check the case reached only after an unrequested request changed what it relies
    on does not blame the CSMS for the case's steps: INCONCLUSIVE, saying why."""
    for reason in outcome.reasons:
        if reason.verdict == Verdict.FAIL:
            reason.verdict = Verdict.INCONCLUSIVE
            reason.message = f"{derailed}; after that: {reason.message}"


def _record_of(record: StepRecord, outcome: Outcome) -> StepRecord:
    """The report's record of a step, derived from its outcome."""
    record.status = str(outcome.status)
    record.checks = list(outcome.checks)
    record.notes = list(outcome.notes)
    record.started_at = outcome.started_at
    record.duration_s = outcome.duration_s
    record.operator = outcome.operator
    return record


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
    waits = config.waits
    # A CSMS may set the expiry up to the tolerance late (TC_047, catalog §13.1).
    model.expiry_wait_cap = (
        waits.reservation_expiry_offset
        + waits.reservation_expiry_tolerance
        + waits.late_answer_grace
    )
    model.transfer_wait_cap = config.waits.transfer_schedule_max
    model.reboot_time = config.timing.reboot
    model.configuration["SecurityProfile"].value = str(config.security.profile)
    model.certificates.hash_algorithm = config.security.hash_algorithm
    if tls_root := trusted_root(config):
        # A charge point that connects over TLS holds the root it verifies the CSMS with;
        # GetInstalledCertificateIds lists it beside any other (catalog TC_076 [I]).
        model.certificates.hold(CENTRAL_SYSTEM_ROOT, tls_root)
    variables = config_variables(config)
    for key, value in setup.get("configuration", {}).items():
        model.configuration[key].value = str(substitute(value, variables))
    for id_tag in setup.get("cached_id_tags", []):
        model.auth_cache[str(substitute(id_tag, variables))] = {"status": "Accepted"}
    return model


def trusted_root(config: HarnessConfig) -> str | None:
    """The first certificate of ``security.ca_file`` (PEM) when the charge point connects
    over TLS in some profile; None otherwise or when it holds none."""
    security = config.security
    if not security.ca_file or not security.uses_tls:
        return None
    return _first_certificate(security.ca_file)


@functools.cache  # every case's charge point holds it: the file is read once a run
def _first_certificate(path: str) -> str | None:
    try:
        certificate = load_certificate(Path(path).read_text(encoding="ascii"))
    except (OSError, UnicodeDecodeError, CertificateError):
        return None
    return certificate.public_bytes(Encoding.PEM).decode()


def shown_path(file: str) -> str:
    """A case file as reports show it: relative to the working folder when inside it."""
    path = Path(file)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return file


async def run_case(case: Case, settings: RunSettings, carry: CarryOver | None = None) -> CaseResult:
    return await CaseRun(case, settings, carry).run()
