"""What a step's executor works with: the case's shared state and the step's outcome.

:class:`CaseContext` lives for one case (its charge point model, variables, transcript,
current link, operator call); :class:`StepRun` is one step's view of it, with the few
moves every executor needs: send a request and check the answer, save variables, connect.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from ocppj import Session
from reports.results import MessageRecord, StepRecord, Verdict
from simulator.cases.model import Case
from simulator.cases.steps import Step
from simulator.channel import USUAL, Attempt, TransportError
from simulator.chargepoint.model import ChargePoint
from simulator.clock import Clock
from simulator.config import HarnessConfig
from simulator.operator.base import OperatorOutcome
from simulator.runner.checks import CheckContext, Stricter, answer_checks
from simulator.runner.link import ConnectionLost, Link
from simulator.runner.matching import dig, show
from simulator.runner.outcome import Outcome
from simulator.runner.settings import RunSettings
from simulator.runner.windows import Window

# How long to wait for an adapter's own outcome once the CSMS's request is overdue (the
# request itself had the operator wait already).
OPERATOR_OUTCOME_GRACE_S = 2.0
# Transport failures another attempt cannot mend: the URL or the TLS material is wrong.
NO_RETRY = frozenset({"invalid-url", "tls-config"})


@dataclass(frozen=True)
class Acted:
    """An unrequested CSMS request the charge point acted on, after step ``after``
    (simulator.runner.unsolicited)."""

    after: str
    record: StepRecord
    outcome: Outcome


@dataclass
class CaseContext:
    case: Case
    settings: RunSettings
    model: ChargePoint
    variables: dict[str, Any]
    started_at: float  # monotonic time the case started
    messages: list[MessageRecord] = field(default_factory=list)
    link: Link | None = None  # None while the charge point is offline
    operator_task: asyncio.Task[OperatorOutcome] | None = None
    operator_asked: bool = False  # an operator step ran: CSMS requests get the operator wait
    windows: dict[str, Window] = field(default_factory=dict)  # opened early, by step label
    acted: list[Acted] = field(default_factory=list)  # unrequested requests acted on
    derailed: str | None = None  # which of them changed what the case relies on
    timed_out: bool = False  # a request of ours went unanswered within the response timeout

    @property
    def config(self) -> HarnessConfig:
        return self.settings.config

    @property
    def clock(self) -> Clock:
        return self.settings.clock

    def since_start(self) -> float:
        return self.clock.monotonic() - self.started_at

    def waiting(self, what: str, seconds: float) -> None:
        """Say what a wait of ``seconds`` waits for and until when (the progress line)."""
        if self.settings.on_wait is None or seconds < LONG_WAIT_S:
            return
        until = (self.clock.now() + timedelta(seconds=seconds)).astimezone().strftime("%H:%M:%S")
        self.settings.on_wait(f"{self.case.id}: {what}, until {until} ({seconds:g} s)")

    def where(self, label: str, ref: str = "") -> CheckContext:
        return CheckContext(self.case.id, label, ref or self.case.reference)

    async def operator_outcome(self) -> OperatorOutcome | None:
        """What the last operator call came to (None when none was made or it is still
        busy ``OPERATOR_OUTCOME_GRACE_S`` after the CSMS's request was due)."""
        task, self.operator_task = self.operator_task, None
        if task is None:
            return None
        try:
            return await asyncio.wait_for(task, timeout=OPERATOR_OUTCOME_GRACE_S)
        except TimeoutError:
            return None
        except Exception as exc:
            return OperatorOutcome(False, f"{type(exc).__name__}: {exc}")

    def as_charge_point(self, how: Attempt) -> Attempt:
        """``how`` made with what the charge point holds now, where ``how`` does not say
        otherwise: the password the CSMS gave it (ChangeConfiguration AuthorizationKey,
        TC_073), its SecurityProfile, the client certificate the CSMS signed (TC_074)."""
        model = self.model
        if how.password is None and model.basic_auth_password is not None:
            how = dataclasses.replace(how, password=model.basic_auth_password)
        if how.profile is None:
            how = dataclasses.replace(how, profile=model.security_profile)
        if how.client_certificate is None and model.client_certificate is not None:
            how = dataclasses.replace(how, client_certificate=model.client_certificate)
        return how

    async def connect(
        self, outcome: Outcome, how: Attempt = USUAL, *, csms_decides: bool = False
    ) -> Link | None:
        """A fresh connection (catalog §2: every case starts on a stable new connection);
        None, with the reason on ``outcome``, when it cannot be opened. Like a real charge
        point, a refused or failed attempt is retried with backoff (PICS ``timing``), each
        attempt noted on ``outcome``. A refusal is the harness's set-up (ERROR) unless
        ``csms_decides``: then the step tests that the CSMS accepts, and an HTTP refusal is
        a FAIL, as is a TLS alert (the CSMS refused a client certificate). Failing to verify
        the CSMS stays ERROR: it may be the harness's own trust settings."""
        timing = self.config.timing
        how = self.as_charge_point(how)
        for attempt in range(1, timing.reconnect_attempts + 1):
            try:
                channel = await self.settings.dial(how)
            except TransportError as exc:
                last = attempt == timing.reconnect_attempts or exc.kind in NO_RETRY
                if last:
                    # The CSMS refused at the HTTP upgrade or with a TLS alert (a client
                    # certificate it does not take); failing to trust it stays ERROR.
                    refused = csms_decides and exc.kind in ("http-status", "tls-alert")
                    verdict = Verdict.FAIL if exc.csms_fault or refused else Verdict.ERROR
                    tried = (
                        f" (attempt {attempt} of {timing.reconnect_attempts})"
                        if attempt > 1
                        else ""
                    )
                    # When the CSMS decides, the step's own ref names the rule.
                    where = "" if csms_decides else "OCPP-J 1.6 §3"
                    outcome.reason(verdict, f"transport:{exc.kind}", f"{exc}{tried}", where)
                    return None
                outcome.note(
                    f"connection attempt {attempt} of {timing.reconnect_attempts} failed: {exc}; "
                    f"retrying in {timing.backoff(attempt):g} s"
                )
                await self.clock.sleep(timing.backoff(attempt))
                continue
            link = Link(
                channel, Session(), self.clock, self.model.answer, self.started_at, self.messages
            )
            link.response_timeout = self.config.limits.response_timeout
            link.start()
            if attempt > 1:
                outcome.note(f"connection attempt {attempt} succeeded")
            return link
        return None  # reconnect_attempts is at least 1: not reached


# A wait at least this long is announced on the progress line.
LONG_WAIT_S = 5.0


@dataclass
class StepRun:
    context: CaseContext
    step: Step | None  # None for what the charge point does unasked
    outcome: Outcome
    # The next step, resolved now (and then not again): a step may prepare for it, as an
    # operator step opens the window of the expect_csms step that follows it.
    following: Callable[[], Step | None] = lambda: None

    async def exchange(
        self,
        action: str,
        fields: dict[str, Any],
        expected: dict[str, Any] | None,
        stricter: Sequence[Stricter] = (),
    ) -> dict[str, Any] | None:
        """Send one request the charge point model built and check the CSMS's answer (the
        ``stricter`` fields give findings): the answer's payload, or None when the step
        ended (the reason is on the outcome)."""
        context, outcome = self.context, self.outcome
        link = context.link
        if link is None:
            outcome.reason(
                Verdict.ERROR, "offline", f"the charge point is offline: it cannot send {action}"
            )
            return None
        timing = context.config.timing
        attempt = 1
        while True:
            payload = context.model.build_request(action, fields)
            try:
                sent = await link.call(action, payload, context.config.limits.response_timeout)
                break
            except ConnectionLost as lost:
                # Dropped before the CSMS said a word: still connecting, as a real charge
                # point sees it; it reconnects with backoff and sends the request again.
                if link.heard or attempt >= timing.reconnect_attempts:
                    raise
                outcome.note(
                    f"{lost} right after connecting (attempt {attempt} of "
                    f"{timing.reconnect_attempts}); reconnecting in {timing.backoff(attempt):g} s"
                )
                await link.close()
                context.link = None
                await context.clock.sleep(timing.backoff(attempt))
                attempt += 1
                reopened = await context.connect(outcome)
                if reopened is None:
                    return None
                link = context.link = reopened
        if sent.violations_sent:
            detail = "; ".join(v.describe() for v in sent.violations_sent)
            outcome.reason(
                Verdict.ERROR,
                "harness-schema",
                f"the harness's own {action}.req breaks the OCA schema: {detail}",
            )
            return None
        context.model.on_request_sent(action, payload)
        context.timed_out = context.timed_out or sent.timed_out
        if sent.result is not None:
            # The charge point acts on what it was answered, whether or not the answer
            # passes the case's checks (a transaction exists once it has an id).
            context.model.on_response(action, payload, sent.result.payload)
        limits = context.config.limits
        checks = answer_checks(outcome.where, action, sent, limits, expected, stricter)
        if not outcome.apply(checks) or sent.result is None:
            return None
        return sent.result.payload

    def save(self, save: dict[str, str], payload: dict[str, Any]) -> None:
        """``save: {name: dotted.path}``: variables for the steps that follow."""
        for name, path in save.items():
            value = dig(payload, path)
            self.context.variables[name] = value
            self.outcome.note(f"${name} = {show(value)}")
