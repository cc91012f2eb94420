"""The link's pairing and timing, over a fake channel (no network)."""

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

from ocppj import Session
from simulator.chargepoint.model import Answer
from simulator.runner.link import Link


class Clock:
    def __init__(self) -> None:
        self.t = 10.0

    def monotonic(self) -> float:
        self.t += 0.001
        return self.t

    def now(self) -> datetime:
        return datetime(2026, 1, 1, tzinfo=UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(0)


class InstantCsms:
    """A channel whose peer answers while send() is still running: the answer is queued for
    the reader before send() returns to the link."""

    def __init__(self) -> None:
        self.inbox: asyncio.Queue[str] = asyncio.Queue()

    async def send(self, text: str) -> None:
        unique_id = json.loads(text)[1]
        await self.inbox.put(json.dumps([3, unique_id, {"currentTime": "2026-01-01T00:00:00Z"}]))
        await asyncio.sleep(0.01)  # the reader handles the answer before send() returns

    async def receive(self) -> str:
        return await self.inbox.get()

    async def close(self, code: int = 1000, reason: str = "") -> None:
        return None


async def test_an_answer_that_arrives_during_the_send_has_its_latency() -> None:
    def answerer(action: str, payload: dict[str, Any]) -> Answer:
        return Answer({})

    link = Link(InstantCsms(), Session(), Clock(), answerer, 0.0, [])
    link.start()
    outcome = await link.call("Heartbeat", {}, timeout=1)
    await link.close()
    assert outcome.result is not None
    assert outcome.latency_s is not None and outcome.latency_s > 0
    [answer] = [m for m in link.messages if m.message_type == "CALLRESULT"]
    assert answer.latency_ms is not None
