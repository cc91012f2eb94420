"""One suite session: the target, the operator, the configuration, the carry-over between
cases and the results, for every front end (``simulate``, the pytest plugin and
``simulate mutation`` all run their cases through one).

    with SuiteSession(config) as suite:          # starts the bundled CSMS: no csms_url
        run = asyncio.run(suite.run(cases))      # or: await suite.run_case(case), per case

Cases run one after another, each on a fresh connection; what one case could not stop is
delivered at the start of the next (simulator.runner.preconditions). The wall time in the
results is from the first case's start to the last case's end, however the cases were
driven (one event loop for the CLI, one per item under pytest).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

import simulator
from reports.results import CaseResult, Reason, RunResult, Verdict
from simulator.cases.model import Case
from simulator.certificate_summary import security_configuration
from simulator.channel import Dialer, TransportError
from simulator.clock import Clock, SystemClock, ocpp_timestamp
from simulator.config import HarnessConfig
from simulator.operator.base import Operator
from simulator.operator.select import choose_operator
from simulator.runner import security_profile
from simulator.runner.engine import run_case
from simulator.runner.preconditions import CarryOver
from simulator.runner.settings import RunSettings

log = logging.getLogger("simulator.run")
HOUSEKEEPING = Path(__file__).resolve().parent.parent / "cases" / "housekeeping"
RESTORE_PASSWORD = HOUSEKEEPING / "restore_authorization_key.yaml"
CaseCallback = Callable[[Case], None]
ResultCallback = Callable[[CaseResult], None]


@dataclass(frozen=True)
class Target:
    """The CSMS under test and how to make it act. No ``csms_url``: the bundled reference
    CSMS, started for the session with ``faults``."""

    csms_url: str | None = None
    operator: str | None = None  # --operator: URL, manual or python:module:function
    faults: tuple[str, ...] = ()
    variations: tuple[str, ...] = ()  # legal variations of the bundled CSMS
    password: str | None = None  # HTTP Basic (Security Profile 1)
    ca_file: str | None = None
    dialer: Dialer | None = None  # instead of the WebSocket transport (tests)
    operator_adapter: Operator | None = None  # instead of choosing from ``operator``
    strict: bool = False  # --strict: findings count as failures

    def __post_init__(self) -> None:
        if self.csms_url and (self.faults or self.variations):
            raise ValueError(
                "--fault and --variation apply to the bundled CSMS only; "
                "they cannot be combined with --csms"
            )


def describe_configuration(
    settings: RunSettings, carry: CarryOver | None = None
) -> dict[str, object]:
    """What the report shows as the test configuration (``carry``: what the run changed,
    e.g. the client certificate the CSMS signed in TC_074)."""
    config = settings.config
    return {
        "source": config.source,
        "sut": asdict(config.sut),
        "charge_point": asdict(config.charge_point),
        "id_tags": asdict(config.id_tags),
        "limits": asdict(config.limits),
        "waits": asdict(config.waits),
        "timing": asdict(config.timing),
        # Never the password or a key: the profiles, and the certificates by what they are.
        "security": security_configuration(
            config.security, carry.client_certificate if carry is not None else None
        ),
        "operator": settings.operator.name,
        "edition": config.edition,
        "strict": settings.strict,
        "communication": "OCPP-J 1.6 (JSON over WebSocket)",
    }


class SuiteSession:
    def __init__(
        self, config: HarnessConfig, target: Target | None = None, clock: Clock | None = None
    ) -> None:
        self.config = config
        self.target = target or Target()
        self.clock = clock or SystemClock()
        self.results: list[CaseResult] = []
        self.carry = CarryOver()
        self._stack = ExitStack()
        self._settings: RunSettings | None = None
        self._started: tuple[float, str] | None = None  # monotonic, wall of the first case
        self._ended = 0.0
        self.stopped: str | None = None  # why the cases still to come are NOT_RUN
        self.on_wait: Callable[[str], None] | None = None  # the progress line (RunSettings)

    @classmethod
    def with_settings(cls, settings: RunSettings) -> SuiteSession:
        """A session on a target the caller started and will stop itself."""
        session = cls(settings.config, clock=settings.clock)
        session._settings = settings
        return session

    # -- the target -----------------------------------------------------------------
    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop the bundled CSMS, if the session started one."""
        self._stack.close()
        self._settings = None

    @property
    def settings(self) -> RunSettings:
        """The run settings, starting the bundled CSMS on first use when there is no URL."""
        if self._settings is None:
            self._settings = self._open()
        return self._settings

    def _open(self) -> RunSettings:
        from simulator.bundled import bundled_csms

        target, config = self.target, self.config
        csms_url, api_url = target.csms_url, None
        if not csms_url:
            bundled = self._stack.enter_context(
                bundled_csms(config, target.faults, target.variations)
            )
            csms_url, api_url = bundled
            config = bundled.harness_config(config)
        operator = target.operator_adapter or choose_operator(
            target.operator, config.operator, api_url
        )
        return RunSettings(
            config,
            csms_url,
            operator,
            clock=self.clock,
            basic_auth_password=target.password,
            ca_file=target.ca_file,
            dialer=target.dialer,
            strict=target.strict,
        )

    # -- running cases --------------------------------------------------------------
    async def run_case(self, case: Case) -> CaseResult:
        """Run ``case``; NOT_RUN at once when the run has stopped. A case that cannot
        reach the CSMS at all (and one more attempt fails) stops the run: one clear ERROR,
        not one per case, for every front end."""
        if self.stopped is not None:
            return self._not_run(case, self.stopped)
        settings = self.settings
        first = self._started is None
        if not first:
            # A charge point does not reconnect the instant it closed (PICS timing).
            await self.clock.sleep(self.config.timing.between_cases)
        began = self.clock.monotonic()
        if self.on_wait is not None:
            settings = dataclasses.replace(settings, on_wait=self.on_wait)
        result = await run_case(case, settings, self.carry)
        if first:
            self._started = (began, result.started)  # the run starts with its first case
        self._ended = self.clock.monotonic()
        self.results.append(result)
        if unreachable(result) and not await self._reachable():
            self.stopped = (
                f"the CSMS could not be reached ({result.id}: {result.reasons[0].message})"
            )
        return result

    async def run(
        self,
        cases: Iterable[Case],
        on_start: CaseCallback | None = None,
        on_result: ResultCallback | None = None,
    ) -> RunResult:
        """Run ``cases`` in order (after an unreachable CSMS the rest are NOT_RUN, see
        run_case); when the run is interrupted (Ctrl-C), the cases that ran keep their
        results and the rest are NOT_RUN. The callbacks hear of the cases that ran."""
        remaining = list(cases)
        try:
            while remaining:
                case = remaining[0]
                ran = self.stopped is None
                if on_start and ran:
                    on_start(case)
                result = await self.run_case(case)
                remaining.pop(0)
                if on_result and ran:
                    on_result(result)
        except (KeyboardInterrupt, asyncio.CancelledError):
            for case in remaining:
                self._not_run(case, "the run was interrupted")
            raise
        await self.finish()
        return self.result()

    async def finish(self) -> None:
        """Leave the CSMS as the run found it: the charge point's configured password back
        (after TC_073) and the security profile it started in (a warning on the log when the
        operator cannot)."""
        if self._settings is None:
            return
        if self.carry.basic_auth_password not in (None, self.config.security.password.encode()):
            await self._restore_password()
        problem = await security_profile.restore(self._settings, self.carry.security_profile)
        if problem is None:
            self.carry.security_profile = None
        else:
            log.warning("%s", problem)

    async def _restore_password(self) -> None:
        """Run the housekeeping case that sets the configured password again; its result
        is not one of the run's, only a warning when it does not pass."""
        from simulator.cases import load_case

        case = load_case(RESTORE_PASSWORD, self.config.edition)
        result = await run_case(case, self.settings, self.carry)
        if result.verdict != Verdict.PASS:
            reasons = "; ".join(r.message for r in result.reasons) or result.verdict.value
            log.warning(
                "the CSMS still holds the password TC_073_CSMS set for the charge point; "
                "setting the configured one (security.password) again did not work: %s",
                reasons,
            )

    async def _reachable(self) -> bool:
        """One more attempt to open a connection (closed at once): a CSMS that refused one
        case's connections but is there now lets the run go on."""
        try:
            channel = await self.settings.dial()
        except TransportError:
            return False
        await channel.close()
        return True

    def _not_run(self, case: Case, why: str) -> CaseResult:
        """Record ``case`` as NOT_RUN, saying ``why``."""
        reason = Reason(case.id, "-", "not-run", f"not run: {why}", verdict=Verdict.NOT_RUN)
        result = CaseResult(
            case.id,
            case.block,
            case.title,
            Verdict.NOT_RUN,
            reasons=[reason],
            reference=case.reference,
            edition=case.edition,
        )
        self.results.append(result)
        return result

    def result(self) -> RunResult:
        """Everything the session ran so far, as results.json records it."""
        settings = self.settings
        if self._started is None:
            self._started = (self.clock.monotonic(), ocpp_timestamp(self.clock.now()))
            self._ended = self._started[0]
        started, started_wall = self._started
        return RunResult(
            harness=simulator.HARNESS_NAME,
            version=simulator.__version__,
            started=started_wall,
            duration_s=round(self._ended - started, 3),
            csms_url=settings.csms_url,
            configuration=describe_configuration(settings, self.carry),
            cases=list(self.results),
            edition=settings.config.edition,
            strict=settings.strict,
        )


def unreachable(result: CaseResult) -> bool:
    """The case could not open a connection to the CSMS at all (refused, no such host,
    timed out): every other case would end the same way."""
    return (
        result.verdict == Verdict.ERROR
        and not result.messages
        and any(r.rule.startswith("transport:") for r in result.reasons)
    )


async def run_suite(
    cases: Sequence[Case],
    settings: RunSettings,
    on_start: CaseCallback | None = None,
    on_result: ResultCallback | None = None,
) -> RunResult:
    """Run ``cases`` with ready-made settings (a target the caller already started)."""
    return await SuiteSession.with_settings(settings).run(cases, on_start, on_result)
