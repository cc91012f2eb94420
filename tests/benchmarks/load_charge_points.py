"""The charge points of ``make bench-csms``: many per process, each a small state machine.

Each charge point is an :class:`asyncio.Protocol` over websockets' sans-I/O
:class:`~websockets.client.ClientProtocol` (the handshake, masking and framing), with no
task, future or timeout object per request: a load generator that costs more per request
than the CSMS would measure itself (on a 2-core machine the two share the cores).

A charge point connects at the shared start moment, sends a BootNotification, then runs
sessions (Heartbeat, Authorize, StartTransaction, MeterValues x3, StopTransaction), one
CALL at a time (OCPP-J 1.6 §4.1.1):

- paced (``interval`` > 0): its requests are due every ``interval`` seconds, from a
  random phase; a request whose predecessor was answered late is sent at once, and its
  latency counts from when it was due, not from when it could be sent (so a stalled
  CSMS is not flattered: no coordinated omission);
- closed (``interval`` 0): the next request leaves as soon as the last is answered.

Only requests due within the window count, in requests/s and in the percentiles: the
window begins after a warm-up (the charge points connecting and booting at once is a
transient, measured by the connect times) and the session running at its end is finished
so that no transaction is left open.
"""

from __future__ import annotations

import asyncio
import json
import random
import resource
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import urlsplit

from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.protocol import State
from websockets.typing import Subprotocol
from websockets.uri import parse_uri

OCPP = [Subprotocol("ocpp1.6")]
ID_TAG = "TAG-VALID-0001"
ANSWER_TIMEOUT = 30.0  # seconds: an answer later than this is an error
CONNECT_TIMEOUT = 60.0
SWEEP_S = 0.5  # how often outstanding requests are checked against ANSWER_TIMEOUT


@dataclass
class Figures:
    connects_ms: list[float] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)  # of requests due in the window
    answered: int = 0  # every request answered, the finished sessions' included
    errors: int = 0
    failed_connects: int = 0
    cpu_s: float = 0.0  # the load generator's own

    def merge(self, other: Figures) -> None:
        self.connects_ms += other.connects_ms
        self.latencies_ms += other.latencies_ms
        self.answered += other.answered
        self.errors += other.errors
        self.failed_connects += other.failed_connects
        self.cpu_s += other.cpu_s


def _stamp() -> str:
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}Z"


Request = tuple[str, dict[str, Any]]


def _sessions() -> Iterator[Request | Callable[[dict[str, Any]], Request | None]]:
    """The requests of one charge point, forever: a request, or a function of the last
    answer that makes the next one (None: the session cannot go on)."""
    yield "BootNotification", {"chargePointVendor": "Bench", "chargePointModel": "Load"}
    while True:
        yield "Heartbeat", {}
        yield "Authorize", {"idTag": ID_TAG}
        meter = 0
        yield (
            "StartTransaction",
            {"connectorId": 1, "idTag": ID_TAG, "meterStart": meter, "timestamp": _stamp()},
        )
        for _ in range(3):
            meter += 100
            yield _meter_values(meter)
        yield _stop(meter)
        yield _end_of_session()


def _meter_values(meter: int) -> Callable[[dict[str, Any]], Request | None]:
    def make(transaction: dict[str, Any]) -> Request | None:
        value = {"timestamp": _stamp(), "sampledValue": [{"value": str(meter)}]}
        payload = {"connectorId": 1, "transactionId": transaction["id"], "meterValue": [value]}
        return "MeterValues", payload

    return make


def _stop(meter: int) -> Callable[[dict[str, Any]], Request | None]:
    def make(transaction: dict[str, Any]) -> Request | None:
        payload = {"transactionId": transaction["id"], "meterStop": meter, "timestamp": _stamp()}
        return "StopTransaction", payload

    return make


def _end_of_session() -> Callable[[dict[str, Any]], Request | None]:
    def make(transaction: dict[str, Any]) -> Request | None:
        transaction.clear()
        return None

    return make


class ChargePoint(asyncio.Protocol):
    def __init__(self, run: Run, cp_id: str, phase: float) -> None:
        self.run = run
        self.cp_id = cp_id
        self.protocol = ClientProtocol(parse_uri(f"{run.url}/{cp_id}"), subprotocols=OCPP)
        # The handshake request is made now, before the start: connecting at once is then
        # as close to "at once" as the generator can make it.
        self.protocol.send_request(self.protocol.connect())
        self.transport: asyncio.Transport | None = None
        self.script = _sessions()
        self.transaction: dict[str, Any] = {}
        self.ids = 0
        self.unique_id = ""
        self.action = ""
        self.due = 0.0  # when the outstanding request was due (monotonic)
        self.next_due = 0.0
        self.sent_at = 0.0
        self.phase = phase
        self.began = 0.0
        self.done = False
        self.finished: asyncio.Future[None] = run.loop.create_future()

    # -- transport -------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is no subclass
        self._flush()

    def data_received(self, data: bytes) -> None:
        self.protocol.receive_data(data)
        for event in self.protocol.events_received():
            if isinstance(event, Response):
                self._handshake_done(event)
            elif isinstance(event, Frame) and event.opcode is Opcode.TEXT:
                self._answered(event.data)
        self._flush()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done:
            self.run.figures.errors += 1
        self._finish()

    def _flush(self) -> None:
        assert self.transport is not None
        for data in self.protocol.data_to_send():
            if data:
                self.transport.write(data)
            else:
                self.transport.write_eof() if self.transport.can_write_eof() else None

    def _send(self, action: str, payload: dict[str, Any]) -> None:
        self.sent_at = time.monotonic()
        self.ids += 1
        self.unique_id = str(self.ids)
        self.protocol.send_text(json.dumps([2, self.unique_id, action, payload]).encode())
        self._flush()

    # -- the script ------------------------------------------------------------------------
    def _handshake_done(self, response: Response) -> None:
        if self.protocol.state is not State.OPEN:
            self.run.figures.failed_connects += 1
            self.done = True
            self._close()
            return
        self.run.figures.connects_ms.append((time.monotonic() - self.began) * 1000)
        self.next_due = time.monotonic()  # the Boot is due now
        self._next()

    def _next(self) -> None:
        step = next(self.script)
        if callable(step):
            made = step(self.transaction) if self.transaction else None
            if made is None:  # the session is over (or had no transaction to go on with)
                self._session_over()
                return
            step = made
        action, payload = step
        self.action = action
        now = time.monotonic()
        if self.run.interval:
            self.due, self.next_due = self.next_due, self.next_due + self.run.interval
        else:
            self.due = now
        if self.due > now:
            self.run.loop.call_at(self.due, self._send, action, payload)
        else:
            self._send(action, payload)

    def _session_over(self) -> None:
        if time.monotonic() >= self.run.stop_at:
            self.done = True
            self._close()
            return
        self._next()

    def _answered(self, data: bytes) -> None:
        now = time.monotonic()
        try:
            frame = json.loads(data)
            kind = frame[0]
            ok = kind == 3 and frame[1] == self.unique_id and isinstance(frame[2], dict)
        except (ValueError, LookupError, TypeError):
            kind, ok = None, False
        if not ok:
            if kind == 2:
                return  # a CSMS request: this load does not expect one, nor answers it
            self.run.figures.errors += 1
            self.done = True
            self._close()
            return
        self.unique_id = ""
        figures = self.run.figures
        figures.answered += 1
        if self.run.measure_from <= self.due < self.run.stop_at:
            figures.latencies_ms.append((now - self.due) * 1000)
        if self.action == "StartTransaction":
            transaction_id = frame[2].get("transactionId")
            if isinstance(transaction_id, int):
                self.transaction["id"] = transaction_id
        if self.action == "BootNotification":
            # Paced from here, at the charge point's own phase after its Boot: charge points
            # that connected together do not send together (a herd of the load's making).
            self.next_due = now + self.phase
        self._next()

    def timed_out(self, now: float) -> bool:
        return bool(self.unique_id) and now - self.sent_at > ANSWER_TIMEOUT

    def _close(self) -> None:
        self.protocol.send_close(1000)
        self._flush()
        if self.transport is not None:
            self.run.loop.call_later(1.0, self.transport.close)

    def _finish(self) -> None:
        if not self.finished.done():
            self.finished.set_result(None)


@dataclass
class Run:
    url: str
    start_at: float  # monotonic: when the charge points connect
    measure_from: float  # the window: once the warm-up is over...
    stop_at: float  # ...until here
    interval: float  # seconds between one charge point's requests; 0: closed loop
    loop: asyncio.AbstractEventLoop
    figures: Figures = field(default_factory=Figures)


async def _drive(
    url: str, ids: list[str], start: float, warmup: float, seconds: float, rate: float
) -> Figures:
    loop = asyncio.get_running_loop()
    start_at = time.monotonic() + (start - time.time())  # the same moment in every worker
    interval = 0.0 if rate <= 0 else 1.0 / rate  # rate: one charge point's requests/s
    window = start_at + warmup
    run = Run(url, start_at, window, window + seconds, interval, loop)
    address = urlsplit(url)
    host, port = address.hostname or "127.0.0.1", address.port or 80
    points = [ChargePoint(run, cp_id, random.uniform(0, interval)) for cp_id in ids]
    await asyncio.sleep(max(start_at - time.monotonic(), 0))

    async def connect(point: ChargePoint) -> None:
        point.began = time.monotonic()
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT):
                await loop.create_connection(lambda: point, host, port)
        except (OSError, TimeoutError):
            run.figures.failed_connects += 1
            point.done = True
            point._finish()

    sweeper = loop.create_task(_sweep(points, run))
    await asyncio.gather(*(connect(point) for point in points))
    # Bounded: a session running at the window's end takes at most 8 more answers.
    _, unfinished = await asyncio.wait(
        [point.finished for point in points], timeout=warmup + seconds + 8 * ANSWER_TIMEOUT
    )
    sweeper.cancel()
    run.figures.errors += len(unfinished)
    return run.figures


async def _sweep(points: list[ChargePoint], run: Run) -> None:
    while True:
        await asyncio.sleep(SWEEP_S)
        now = time.monotonic()
        for point in points:
            if not point.done and point.timed_out(now):
                run.figures.errors += 1
                point.done = True
                if point.transport is not None:
                    point.transport.close()


def drive(
    url: str, ids: list[str], start: float, warmup: float, seconds: float, rate: float
) -> Figures:
    """Run the charge points ``ids`` (in this process) against the CSMS at ``url``; each
    connects at ``start`` (time.time()) and sends ``rate`` requests/s (0: as fast as it is
    answered) until ``warmup`` + ``seconds`` later; the figures are those of the last
    ``seconds``."""
    before = resource.getrusage(resource.RUSAGE_SELF)
    figures = _run(_drive(url, ids, start, warmup, seconds, rate))
    after = resource.getrusage(resource.RUSAGE_SELF)
    figures.cpu_s = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return figures


def _run(work: Any) -> Figures:
    try:
        import uvloop  # a dev dependency: the load generator's loop in C
    except ImportError:
        result: Figures = asyncio.run(work)
        return result
    figures: Figures = uvloop.run(work)
    return figures
