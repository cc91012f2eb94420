"""A scripted, in-memory CSMS: the engine's peer in tests, with no sockets and no ports.

    peer = ScriptedCsms()
    peer.answer("Authorize", {"idTagInfo": {"status": "Invalid"}})
    settings = RunSettings(config, "memory://scripted", peer.operator, dialer=peer.dial)
    result = await run_case(case, settings)

:meth:`ScriptedCsms.dial` is the engine's :data:`~simulator.channel.Dialer`: each call
opens a connection whose charge point end is an :class:`InMemoryChannel`. The peer parses
what the charge point sends with its own sans-I/O :class:`~ocppj.Session` and
answers at once, inside ``send()``; a delayed answer is scheduled with ``call_later``, so
the peer runs no task of its own and leaves nothing behind when a test's loop ends.

Every charge-point request the cases use has a default answer (:meth:`default_answer`);
a test scripts another per action, for every request or only the ``nth`` one
(:meth:`answer`, :meth:`error`, :meth:`delay`, :meth:`late`, :meth:`silence`,
:meth:`close_on`, :meth:`raw_answer`). :attr:`ScriptedCsms.operator` is an
:class:`~simulator.operator.base.Operator` whose ``perform`` makes the peer send the CSMS
request on the current connection and returns once the charge point answered.
:meth:`inject` and :meth:`close_connection` act at any moment; :attr:`transcript` holds
every frame each side sent, in order.
"""

from __future__ import annotations

import asyncio
import json
import textwrap
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ocppj import (
    Call,
    CallError,
    CallResult,
    IncomingCall,
    IncomingCallError,
    IncomingCallResult,
    Session,
)
from reports.results import CaseResult, Reason
from simulator.cases import Case, load_case
from simulator.channel import (
    NORMAL_CLOSURE,
    SUBPROTOCOL,
    USUAL,
    Attempt,
    Channel,
    ChannelClosed,
    Dialer,
    TransportError,
)
from simulator.clock import ocpp_timestamp
from simulator.config import HarnessConfig, IdTags
from simulator.operator.base import Operator, OperatorOutcome, OperatorRequest
from simulator.runner.engine import run_case
from simulator.runner.settings import RunSettings
from simulator.runner.suite import SuiteSession, Target

CP = "cp"  # Sent.sender: the charge point (the harness)
CSMS = "csms"  # Sent.sender: this peer

Payload = dict[str, Any]
Answer = CallResult | CallError | None  # None: no answer came


def merged(default: Payload, override: Payload | None) -> Payload:
    """``override`` over ``default``, one level deep; a key given as None is left out."""
    combined = {**default, **(override or {})}
    return {key: value for key, value in combined.items() if value is not None}


# -- the connection ----------------------------------------------------------------------
class InMemoryChannel:
    """The charge point's end of one in-memory connection (a simulator.channel.Channel).

    Frames the peer delivers queue up for :meth:`receive`; once either side closed, frames
    already queued are still received, then :meth:`receive` raises ChannelClosed, as does
    :meth:`send`."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._inbox: asyncio.Queue[str | ChannelClosed] = asyncio.Queue()
        self.closed: ChannelClosed | None = None

    async def send(self, text: str) -> None:
        if self.closed is not None:
            raise ChannelClosed(self.closed.code, self.closed.reason)
        self._connection.from_charge_point(text)

    async def receive(self) -> str:
        item = await self._inbox.get()
        if isinstance(item, ChannelClosed):
            self._inbox.put_nowait(item)  # every later receive() raises too
            raise ChannelClosed(item.code, item.reason)
        return item

    async def close(self, code: int = NORMAL_CLOSURE, reason: str = "") -> None:
        self.shut(code, reason, by=CP)

    # -- the peer's side --------------------------------------------------------------
    def deliver(self, text: str) -> bool:
        """Queue a frame for the charge point; False when the channel is closed."""
        if self.closed is not None:
            return False
        self._inbox.put_nowait(text)
        return True

    def shut(self, code: int, reason: str, *, by: str) -> None:
        if self.closed is not None:
            return
        self.closed = ChannelClosed(code, reason)
        self._inbox.put_nowait(self.closed)
        self._connection.on_closed(by)


@dataclass
class Connection:
    """One connection as the peer sees it: its own OCPP-J session and the CSMS call it
    waits on (at most one: OCPP-J 1.6 §4.1.1)."""

    peer: ScriptedCsms
    number: int  # 1 for the first dial
    session: Session = field(default_factory=Session)
    channel: InMemoryChannel = field(init=False)
    closed_by: str | None = None  # CP or CSMS, once closed
    waiting: asyncio.Future[Answer] | None = None

    def __post_init__(self) -> None:
        self.channel = InMemoryChannel(self)

    def from_charge_point(self, text: str) -> None:
        self.peer.record(self, CP, text)
        event = self.session.receive(text)
        if isinstance(event, IncomingCall):
            self.peer.on_request(self, event.call)
        elif isinstance(event, IncomingCallResult | IncomingCallError):
            frame = event.result if isinstance(event, IncomingCallResult) else event.error
            if self.waiting is not None and not self.waiting.done():
                self.waiting.set_result(frame)

    def to_charge_point(self, text: str) -> None:
        if self.channel.deliver(text):
            self.peer.record(self, CSMS, text)

    def on_closed(self, by: str) -> None:
        self.closed_by = by
        if self.waiting is not None and not self.waiting.done():
            self.waiting.set_result(None)


@dataclass(frozen=True)
class Sent:
    """One frame of the transcript."""

    connection: int
    sender: str  # CP or CSMS
    text: str

    @property
    def frame(self) -> Any:
        """The parsed JSON, or None for a frame that is not JSON."""
        try:
            return json.loads(self.text)
        except json.JSONDecodeError:
            return None


# -- scripting ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Reply:
    """How the peer answers one charge-point request. By default: the default answer
    (``payload`` merged over it), right away."""

    payload: Payload | None = None  # merged over the default answer (None values drop keys)
    error: str | None = None  # answer with a CALLERROR of this code instead
    description: str = ""
    delay: float = 0.0  # seconds before the answer leaves
    silent: bool = False  # never answer
    close: int | None = None  # close the connection with this code instead of answering
    reason: str = ""  # the close reason
    raw: str | None = None  # send this text instead of an answer


@dataclass
class ScriptedOperator:
    """An Operator that makes the peer send the CSMS request and returns once the charge
    point answered (like an operator API), with the answer as ``response``."""

    peer: ScriptedCsms
    name: str = "scripted"
    failure: str | None = None  # perform() returns ok=False with this detail
    sends: bool = True  # False: report ok, but never send the request
    delay: float = 0.0  # seconds before it acts (or fails)
    payloads: dict[str, Payload] = field(default_factory=dict)  # per action, merged last
    requests: list[OperatorRequest] = field(default_factory=list)
    outcomes: list[OperatorOutcome] = field(default_factory=list)

    async def perform(self, request: OperatorRequest) -> OperatorOutcome:
        self.requests.append(request)
        if self.delay:
            await asyncio.sleep(self.delay)
        outcome = await self._perform(request)
        self.outcomes.append(outcome)
        return outcome

    async def _perform(self, request: OperatorRequest) -> OperatorOutcome:
        action = request.action
        if self.failure is not None:
            return OperatorOutcome(False, self.failure)
        if not self.sends:
            return OperatorOutcome(True, f"the CSMS sent {action} (it did not)")
        payload = merged(
            merged(self.peer.default_request(action), request.fields), self.payloads.get(action)
        )
        answer = await self.peer.call(action, payload, request.timeout)
        if isinstance(answer, CallResult):
            return OperatorOutcome(True, f"the charge point answered {action}", answer.payload)
        if isinstance(answer, CallError):
            error = {"error": answer.error_code, "description": answer.error_description}
            detail = f"the charge point answered CALLERROR {answer.error_code}"
            return OperatorOutcome(True, detail, error)
        return OperatorOutcome(False, f"no answer to {action}.req within {request.timeout:g} s")


class ScriptedCsms:
    """The CSMS side of every connection the engine dials (see the module docstring)."""

    def __init__(self, *, interval: int = 1, id_tag: str = IdTags().valid) -> None:
        self.interval = interval  # BootNotification.conf interval
        self.id_tag = id_tag  # for RemoteStartTransaction
        self.dials = 0
        self.attempts: list[Attempt] = []  # every dial's attempt, in order
        # The HTTP status a handshake is refused with, or None: as a CSMS at security
        # profile 0, it refuses only an offer without ocpp1.6 (OCPP-J 1.6 §3.1.2).
        self.refuse_when: Callable[[Attempt], int | None] = lambda attempt: (
            None if SUBPROTOCOL in attempt.subprotocols else 400
        )
        self.connections: list[Connection] = []
        self.transcript: list[Sent] = []
        self.operator = ScriptedOperator(self)
        self.last_transaction_id: int | None = None
        self._refused: set[int] = set()  # dial numbers to refuse
        self._scripts: dict[tuple[str, int | None], Reply] = {}
        self._seen: Counter[str] = Counter()  # requests received, by action

    # -- connections --------------------------------------------------------------------
    async def dial(self, attempt: Attempt = USUAL) -> Channel:
        """The engine's Dialer: a fresh connection, or TransportError("refused"); a
        handshake ``refuse_when`` refuses is answered with its HTTP status."""
        self.dials += 1
        self.attempts.append(attempt)
        if self.dials in self._refused:
            raise TransportError("refused", f"scripted CSMS refused connection #{self.dials}")
        status = self.refuse_when(attempt)
        if status is not None:
            raise TransportError(
                "http-status",
                f"scripted CSMS answered the handshake with HTTP {status}",
            )
        connection = Connection(self, self.dials)
        self.connections.append(connection)
        return connection.channel

    def refuse_next(self, count: int = 1, *, after: int = 0) -> None:
        """Refuse ``count`` dials, once ``after`` more have succeeded."""
        first = self.dials + after + 1
        self._refused.update(range(first, first + count))

    @property
    def current(self) -> Connection | None:
        """The latest connection, while it is open."""
        latest = self.connections[-1] if self.connections else None
        return latest if latest is not None and latest.closed_by is None else None

    def close_connection(self, code: int = 1011, reason: str = "") -> None:
        """Close the current connection from the CSMS side."""
        if self.current is not None:
            self.current.channel.shut(code, reason, by=CSMS)

    def inject(self, text: str) -> None:
        """Send a raw frame (e.g. one that is not JSON) on the current connection."""
        if self.current is not None:
            self.current.to_charge_point(text)

    # -- answering the charge point -----------------------------------------------------
    def script(self, action: str, reply: Reply, *, nth: int | None = None) -> None:
        """Answer ``action`` so: every request of it, or only the ``nth`` one (1-based,
        counted over all connections); an ``nth`` script wins over an every-time one."""
        self._scripts[(action, nth)] = reply

    def answer(self, action: str, payload: Payload, *, nth: int | None = None) -> None:
        self.script(action, Reply(payload=payload), nth=nth)

    def error(
        self,
        action: str,
        code: str = "InternalError",
        description: str = "scripted CALLERROR",
        *,
        nth: int | None = None,
    ) -> None:
        self.script(action, Reply(error=code, description=description), nth=nth)

    def delay(self, action: str, seconds: float, *, nth: int | None = None) -> None:
        """The default answer, ``seconds`` later."""
        self.script(action, Reply(delay=seconds), nth=nth)

    def late(self, action: str, seconds: float, *, nth: int | None = None) -> None:
        """The default answer after ``seconds`` longer than the response timeout."""
        self.delay(action, seconds, nth=nth)

    def silence(self, action: str, *, nth: int | None = None) -> None:
        self.script(action, Reply(silent=True), nth=nth)

    def close_on(
        self, action: str, code: int = 1011, reason: str = "", *, nth: int | None = None
    ) -> None:
        """Close the connection instead of answering ``action``."""
        self.script(action, Reply(close=code, reason=reason), nth=nth)

    def raw_answer(self, action: str, text: str, *, nth: int | None = None) -> None:
        self.script(action, Reply(raw=text), nth=nth)

    def default_answer(self, action: str, payload: Payload) -> Payload | None:
        """What a well-behaved CSMS answers; None for an action it does not implement."""
        now = ocpp_timestamp(datetime.now(UTC))
        accepted = {"idTagInfo": {"status": "Accepted"}}
        if action == "StartTransaction":
            self.last_transaction_id = (self.last_transaction_id or 0) + 1
            return {"transactionId": self.last_transaction_id, **accepted}
        answers: dict[str, Payload] = {
            "BootNotification": {
                "status": "Accepted",
                "currentTime": now,
                "interval": self.interval,
            },
            "Heartbeat": {"currentTime": now},
            "Authorize": accepted,
            "StopTransaction": {},
            "StatusNotification": {},
            "MeterValues": {},
            "FirmwareStatusNotification": {},
            "DiagnosticsStatusNotification": {},
            "DataTransfer": {"status": "Accepted"},
        }
        return answers.get(action)

    def on_request(self, connection: Connection, call: Call) -> None:
        self._seen[call.action] += 1
        scripts = self._scripts
        reply = scripts.get((call.action, self._seen[call.action])) or scripts.get(
            (call.action, None), Reply()
        )
        if reply.silent:
            return
        if reply.close is not None:
            connection.channel.shut(reply.close, reply.reason, by=CSMS)
            return
        session = connection.session
        if reply.raw is not None:
            text = reply.raw
        elif reply.error is not None:
            text = session.send_error(call.unique_id, reply.error, reply.description).text
        else:
            default = self.default_answer(call.action, call.payload)
            if default is None:
                text = session.send_error(call.unique_id, "NotImplemented", call.action).text
            else:
                text = session.send_result(call.unique_id, merged(default, reply.payload)).text
        if reply.delay > 0:
            asyncio.get_running_loop().call_later(reply.delay, connection.to_charge_point, text)
        else:
            connection.to_charge_point(text)

    # -- the CSMS's own requests ---------------------------------------------------------
    def default_request(self, action: str) -> Payload:
        """A plausible request the CSMS sends for ``action`` (the operator's default)."""
        defaults: dict[str, Payload] = {
            "RemoteStopTransaction": {"transactionId": self.last_transaction_id},
            "RemoteStartTransaction": {"idTag": self.id_tag},
            "ChangeConfiguration": {"key": "HeartbeatInterval", "value": "60"},
            "Reset": {"type": "Soft"},
            "TriggerMessage": {"requestedMessage": "Heartbeat"},
            "UnlockConnector": {"connectorId": 1},
            "ChangeAvailability": {"connectorId": 0, "type": "Operative"},
            "DataTransfer": {"vendorId": "scripted"},
        }
        return defaults.get(action, {})

    async def call(self, action: str, payload: Payload, timeout: float) -> Answer:
        """Send a CALL on the current connection; its answer, or None (no connection, no
        answer within ``timeout`` s, or the connection closed first)."""
        connection = self.current
        if connection is None or connection.waiting is not None:
            return None
        outgoing = connection.session.send_call(action, payload)
        connection.waiting = asyncio.get_running_loop().create_future()
        try:
            connection.to_charge_point(outgoing.text)
            return await asyncio.wait_for(connection.waiting, timeout)
        except TimeoutError:
            connection.session.abandon_call()
            return None
        finally:
            connection.waiting = None

    # -- the transcript ------------------------------------------------------------------
    def record(self, connection: Connection, sender: str, text: str) -> None:
        self.transcript.append(Sent(connection.number, sender, text))

    def requests(self, action: str) -> list[Payload]:
        """Payloads of the charge point's ``action`` CALLs, in order."""
        return [
            frame[3]
            for sent in self.transcript
            if sent.sender == CP
            and isinstance(frame := sent.frame, list)
            and frame[:1] == [2]
            and frame[2:3] == [action]
        ]

    def sent_by(self, sender: str) -> list[Any]:
        """Every frame ``sender`` sent, parsed (None for one that is not JSON)."""
        return [sent.frame for sent in self.transcript if sent.sender == sender]

    def settings(self, config: HarnessConfig) -> RunSettings:
        """Run settings that reach this peer (and its operator), no socket."""
        return RunSettings(config, "memory://scripted", self.operator, dialer=self.dial)


# -- for the engine's tests --------------------------------------------------------------
def fast_config(**sections: dict[str, Any]) -> HarnessConfig:
    """The default configuration with waits short enough for unit tests, then ``sections``
    (``HarnessConfig.with_overrides``)."""
    fast = HarnessConfig().with_overrides(
        limits={"response_timeout": 0.3},
        waits={
            "operator": 0.5,
            "late_answer_grace": 0.1,
            "case_deadline": 5.0,
            "heartbeat_max": 0.05,
            "connection_timeout": 0.1,
        },
        timing={
            "reboot": 0.05,
            "reconnect_backoff": 0.05,
            "reconnect_attempts": 3,
            "between_cases": 0.01,
            "quiet_period": 0.01,
        },
    )
    return fast.with_overrides(**sections)


def write_case(
    folder: Path,
    steps: str,
    *,
    case_id: str = "TC_901_CSMS",
    block: str = "core",
    given: str = "none",
) -> Case:
    """Write a case file ``folder/<block>/<case_id>.yaml`` with these steps (a YAML list,
    indented as one likes) and load it."""
    path = folder / block / f"{case_id}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    header = (
        f"id: {case_id}\ntitle: A scripted case\nblock: {block}\n"
        f"reference: tests/support/scripted_csms.py\ngiven: {given}\nsteps:\n"
    )
    path.write_text(header + textwrap.indent(textwrap.dedent(steps).strip("\n"), "  ") + "\n")
    return load_case(path)


async def run(
    case: Case,
    peer: ScriptedCsms,
    config: HarnessConfig | None = None,
    operator: Operator | None = None,
    *,
    strict: bool = False,
) -> CaseResult:
    """``case`` against ``peer`` (and its operator, unless another is given), hang-guarded;
    ``strict`` counts findings as failures."""
    config = config or fast_config()
    settings = RunSettings(
        config, "memory://scripted", operator or peer.operator, dialer=peer.dial, strict=strict
    )
    async with asyncio.timeout(config.waits.case_deadline + 5):
        return await run_case(case, settings)


def suite_for(
    peer: ScriptedCsms, config: HarnessConfig | None = None, dialer: Dialer | None = None
) -> SuiteSession:
    """A suite session whose target is ``peer`` (dialled through ``dialer`` if given)."""
    target = Target(
        csms_url="memory://scripted", dialer=dialer or peer.dial, operator_adapter=peer.operator
    )
    return SuiteSession(config or fast_config(), target)


def only_reason(result: CaseResult) -> Reason:
    assert len(result.reasons) == 1, [str(r) for r in result.reasons]
    return result.reasons[0]
